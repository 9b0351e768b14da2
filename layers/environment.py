"""Environment: green space and trash collection points."""

from layers.common import ADDRESS, AREA_M2, NAME, NAME_AT_ADDRESS
from layers.spec import Field, LayerSpec

GREEN_SPACES = LayerSpec(
    id="green_spaces",
    title="Green space",
    title_vi="Mảng xanh",
    domain="environment",
    description="Parks, gardens, grass and other green space.",
    geometry="MultiPolygon",
    fields=(
        NAME,
        Field("kind", "text", "park, garden, grass, playground, forest …"),
        Field("public_access", "boolean", "Open to the public"),
    ),
    computed=(AREA_M2,),
    minzoom=11,
)

TRASH_POINTS = LayerSpec(
    id="trash_points",
    title="Trash collection points",
    title_vi="Điểm tập kết rác",
    domain="environment",
    description="Where household waste is gathered for collection.",
    geometry="Point",
    fields=(
        NAME,
        ADDRESS,
        Field("collection_time", "text", "When it is collected, e.g. 18:00-22:00"),
        Field("capacity_m3", "real", "Capacity", unit="m³", plausible=(0, 1000)),
    ),
    minzoom=13,
    natural_key=NAME_AT_ADDRESS,
)

LAYERS = (GREEN_SPACES, TRASH_POINTS)
