"""Water: rivers, canals and rạch, as centre lines and as areas."""

from dataclasses import replace

from layers.common import AREA_M2, NAME, WIDTH_M
from layers.spec import Field, LayerSpec

# The Saigon and Nhà Bè rivers are hundreds of metres wide, the Soài Rạp two kilometres.
CHANNEL_WIDTH_M = replace(WIDTH_M, plausible=(0, 5000))

WATERWAY_KINDS = ("river", "canal", "rach", "stream", "drain", "ditch")

WATERWAYS = LayerSpec(
    id="waterways",
    title="Rivers and canals",
    title_vi="Sông, kênh, rạch",
    domain="water",
    description="Centre lines of rivers (sông), canals (kênh) and tidal creeks (rạch).",
    geometry="MultiLineString",
    fields=(
        NAME,
        Field("kind", "text", "river, canal, rach (tidal creek), stream …", choices=WATERWAY_KINDS),
        CHANNEL_WIDTH_M,
    ),
    minzoom=9,
)

WATER_AREAS = LayerSpec(
    id="water_areas",
    title="Water areas",
    title_vi="Mặt nước",
    domain="water",
    description="Surface of rivers, canals, lakes and ponds.",
    geometry="MultiPolygon",
    fields=(
        NAME,
        Field("kind", "text", "river, canal, lake, pond, basin …"),
    ),
    computed=(AREA_M2,),
    minzoom=9,
)

SPOT_HEIGHTS = LayerSpec(
    id="spot_heights",
    title="Ground elevation",
    title_vi="Cao độ mặt đất",
    domain="water",
    description=(
        "Surveyed ground heights (điểm cao độ). When loaded, the flood model raises the risk "
        "of low ground and lowers that of high ground."
    ),
    geometry="Point",
    fields=(
        Field("elevation_m", "real", "Ground height above mean sea level (Hòn Dấu datum)",
              required=True, unit="m", from_z=True, plausible=(-100, 3200)),
    ),
    minzoom=14,
)

LAYERS = (WATERWAYS, WATER_AREAS, SPOT_HEIGHTS)
