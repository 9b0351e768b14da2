"""Transport: roads, alleys (hẻm) and bridges."""

from layers.common import NAME, SURFACE, WIDTH_M
from layers.spec import Field, LayerSpec

ROAD_KINDS = (
    "motorway", "trunk", "primary", "secondary", "tertiary",
    "unclassified", "residential", "living_street", "road",
)

ROADS = LayerSpec(
    id="roads",
    title="Roads",
    title_vi="Đường",
    domain="transport",
    description="Streets and roads, by class.",
    geometry="MultiLineString",
    fields=(
        NAME,
        Field("kind", "text", "Road class", choices=ROAD_KINDS),
        WIDTH_M,
        Field("lanes", "integer", "Number of traffic lanes", plausible=(0, 20)),
        SURFACE,
        Field("oneway", "boolean", "Traffic in one direction only"),
    ),
    minzoom=10,
    feature_cap=20_000,
)

ALLEYS = LayerSpec(
    id="alleys",
    title="Alleys",
    title_vi="Hẻm",
    domain="transport",
    description="Alleys (hẻm): narrow lanes opening from a road, numbered like 458/12.",
    geometry="MultiLineString",
    fields=(
        NAME,
        Field("number", "text", "Alley number, e.g. 458/12 (hẻm 458/12)"),
        Field("opens_from", "text", "Road the alley opens from, e.g. Huỳnh Tấn Phát"),
        WIDTH_M,
        SURFACE,
        Field("kind", "text", "Way kind: alley, service, footway, path", choices=(
            "alley", "service", "footway", "path", "steps", "pedestrian",
        )),
    ),
    minzoom=13,
    feature_cap=20_000,
)

BRIDGES = LayerSpec(
    id="bridges",
    title="Bridges",
    title_vi="Cầu",
    domain="transport",
    description="Bridges (cầu) with the limits that matter to heavy vehicles and boats.",
    geometry="MultiLineString",
    fields=(
        NAME,
        Field("load_limit_t", "real", "Maximum vehicle weight", unit="t", plausible=(0, 1000)),
        Field("clearance_m", "real", "Vertical clearance above water", unit="m",
              plausible=(0, 100)),
        Field("length_m", "real", "Length", unit="m", plausible=(0, 20_000)),
        Field("crosses", "text", "Waterway crossed"),
    ),
    minzoom=11,
)

LAYERS = (ROADS, ALLEYS, BRIDGES)
