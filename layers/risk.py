"""Risk overlays: layers computed in PostGIS by the models of `geo.risk`, never loaded.

They are declared like every other layer, so items, tiles, styles, legends and exports
come to them the same way; `computed_by` names the model that fills each one.
"""

from layers.common import AREA_M2, NAME
from layers.spec import Field, LayerSpec

WARD_NAME = Field("ward_name", "text", "Ward (phường) the figures are for")
THRESHOLD_M = Field("threshold_m", "real", "Distance threshold the model was run with",
                    unit="m")
FLOOD_LEVELS = ("high", "medium", "low")

FIRE_HYDRANT_GAPS = LayerSpec(
    id="fire_hydrant_gaps",
    title="Fire risk: areas beyond hydrant reach",
    title_vi="Nguy cơ cháy: vùng ngoài tầm trụ nước",
    domain="risk",
    description=(
        "Parts of each ward farther than the threshold (150 m by default) from the nearest "
        "working hydrant, measured along roads and alleys."
    ),
    geometry="MultiPolygon",
    fields=(
        WARD_NAME,
        Field("uncovered_m2", "real", "Area beyond hydrant reach", unit="m²"),
        Field("uncovered_pct", "real", "Share of the ward beyond hydrant reach", unit="%"),
        THRESHOLD_M,
        Field("method", "text", "network (along roads and alleys) or straight_line",
              choices=("network", "straight_line")),
    ),
    minzoom=10,
    feature_cap=500,
    computed_by="hydrant_coverage",
)

FIRE_NARROW_ALLEYS = LayerSpec(
    id="fire_narrow_alleys",
    title="Fire risk: alleys too narrow for a fire truck",
    title_vi="Nguy cơ cháy: hẻm xe chữa cháy không vào được",
    domain="risk",
    description="Alleys and roads narrower than a fire truck needs (3.5 m by default).",
    geometry="MultiLineString",
    fields=(
        NAME,
        Field("number", "text", "Alley number, e.g. 458/12"),
        Field("way_layer", "text", "Layer the way comes from: alleys or roads"),
        Field("way_fid", "integer", "fid of the way in its layer"),
        Field("kind", "text", "Way kind the width estimate is based on"),
        Field("width_m", "real", "Width used: measured, or estimated from the kind", unit="m"),
        Field("width_estimated", "boolean", "True when the width comes from the kind table"),
        Field("min_width_m", "real", "Width a fire truck needs", unit="m"),
    ),
    minzoom=12,
    computed_by="fire_truck_access",
)

FIRE_BLOCKED_BUILDINGS = LayerSpec(
    id="fire_blocked_buildings",
    title="Fire risk: buildings a fire truck cannot reach",
    title_vi="Nguy cơ cháy: công trình xe chữa cháy không tiếp cận được",
    domain="risk",
    description=(
        "Buildings and apartment blocks reachable only through ways too narrow for a fire "
        "truck."
    ),
    geometry="MultiPolygon",
    fields=(
        NAME,
        Field("building_layer", "text", "Layer the building comes from"),
        Field("building_fid", "integer", "fid of the building in its layer"),
        Field("via", "text", "The narrow way it is reached by"),
        Field("via_width_m", "real", "Width of that way", unit="m"),
        Field("truck_distance_m", "real",
              "Straight-line distance to the nearest way a fire truck can use", unit="m"),
    ),
    minzoom=12,
    computed_by="building_truck_access",
)

FIRE_APARTMENTS_NO_HYDRANT = LayerSpec(
    id="fire_apartments_no_hydrant",
    title="Fire risk: apartment blocks with no hydrant near",
    title_vi="Nguy cơ cháy: chung cư không có trụ nước gần",
    domain="risk",
    description=(
        "Apartment blocks with no working hydrant within the threshold (150 m by default) "
        "along roads and alleys."
    ),
    geometry="MultiPolygon",
    fields=(
        NAME,
        Field("apartment_fid", "integer", "fid of the block in the apartments layer"),
        Field("nearest_hydrant", "text", "Code of the nearest working hydrant"),
        Field("network_distance_m", "real",
              "Distance to it along roads and alleys; empty when none can be reached",
              unit="m"),
        Field("straight_distance_m", "real", "Straight-line distance to it", unit="m"),
        THRESHOLD_M,
    ),
    minzoom=11,
    computed_by="apartment_hydrants",
)

FLOOD_RISK = LayerSpec(
    id="flood_risk",
    title="Flood risk along rivers and canals",
    title_vi="Nguy cơ ngập ven sông, kênh, rạch",
    domain="risk",
    description=(
        "Bands along rivers and canals (high within 50 m, medium within 200 m by default), "
        "raised or lowered where ground elevation is known."
    ),
    geometry="MultiPolygon",
    fields=(
        Field("level", "text", "high, medium or low", choices=FLOOD_LEVELS),
        Field("band", "text", "The distance band before any elevation change"),
        Field("within_m", "real", "Outer distance of the band from the water", unit="m"),
        Field("elevation_effect", "text",
              "raised (low ground), lowered (high ground), or empty", choices=(
                  "raised", "lowered")),
    ),
    computed=(AREA_M2,),
    minzoom=9,
    feature_cap=5_000,
    computed_by="flood_bands",
)

EPIDEMIC_RISK = LayerSpec(
    id="epidemic_risk",
    title="Epidemic risk level by ward",
    title_vi="Cấp độ dịch theo phường",
    domain="risk",
    description=(
        "Each ward's COVID-19 level for each reported day, from new cases per 100,000 "
        "people over the last 7 days (Vietnam's four levels of 2021)."
    ),
    geometry="MultiPolygon",
    fields=(
        WARD_NAME,
        Field("report_date", "date", "Day the level is for"),
        Field("cases_7d", "integer", "New cases in the 7 days ending that day"),
        Field("population", "integer", "Ward population used for the rate"),
        Field("rate_per_100k", "real", "New cases per 100,000 people over 7 days"),
        Field("vaccinated_pct", "real", "Share of the population fully vaccinated", unit="%"),
        Field("level", "integer", "1 (new normal, green) to 4 (very high, red)"),
        Field("level_name", "text",
              "Level name as the guidance gives it: nguy cơ thấp … nguy cơ rất cao"),
    ),
    minzoom=9,
    feature_cap=1_000,
    computed_by="epidemic_levels",
    time_field="report_date",
)

LAYERS = (FIRE_HYDRANT_GAPS, FIRE_NARROW_ALLEYS, FIRE_BLOCKED_BUILDINGS,
          FIRE_APARTMENTS_NO_HYDRANT, FLOOD_RISK, EPIDEMIC_RISK)
