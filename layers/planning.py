"""Planning: land-use zones and apartment blocks."""

from layers.common import ADDRESS, AREA_M2, NAME
from layers.landuse_codes import CATEGORIES, LAND_USE_CODES
from layers.spec import Field, LayerSpec

PLANNING_ZONES = LayerSpec(
    id="planning_zones",
    title="Planning zones",
    title_vi="Quy hoạch sử dụng đất",
    domain="planning",
    description="Land-use zones of the approved detailed plan, with the Vietnamese land-use code.",
    geometry="MultiPolygon",
    fields=(
        Field("zone_code", "text", "Zone label on the plan, e.g. II-12"),
        Field(
            "land_use_code",
            "text",
            "Vietnamese land-use code (ODT, TMD, DGT, SON, DYT, DGD, DKV, CXT …)",
            required=True,
            choices=tuple(LAND_USE_CODES),
        ),
        Field("plan_name", "text", "Plan the zone belongs to"),
        Field("max_floors", "integer", "Highest number of floors allowed", plausible=(0, 200)),
        Field("floor_area_ratio", "real", "Floor area ratio (hệ số sử dụng đất)",
              plausible=(0, 50)),
        Field("approved_on", "date", "Date the plan was approved"),
    ),
    natural_key=("zone_code",),
    computed=(
        Field("land_use_category", "text", "Broad category of the code", choices=CATEGORIES),
        AREA_M2,
    ),
    minzoom=11,
    feature_cap=20_000,
)

APARTMENTS = LayerSpec(
    id="apartments",
    title="Apartment blocks",
    title_vi="Chung cư",
    domain="planning",
    description="Apartment blocks (chung cư) with their size.",
    geometry="MultiPolygon",
    fields=(
        NAME,
        ADDRESS,
        Field("floors", "integer", "Number of floors above ground", plausible=(0, 200)),
        Field("units", "integer", "Number of dwellings", plausible=(0, 50_000)),
        Field("year_built", "integer", "Year completed", plausible=(1800, 2100)),
    ),
    computed=(AREA_M2,),
    minzoom=12,
)

LAYERS = (PLANNING_ZONES, APARTMENTS)
