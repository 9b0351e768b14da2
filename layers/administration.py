"""Administrative units: wards (phường)."""

from layers.common import AREA_M2
from layers.spec import Field, LayerSpec

WARDS = LayerSpec(
    id="wards",
    title="Wards",
    title_vi="Phường",
    domain="administration",
    description="Ward (phường) boundaries, the unit of local administration and statistics.",
    geometry="MultiPolygon",
    fields=(
        Field("name", "text", "Ward name, e.g. Tân Thuận Đông", required=True),
        Field("code", "text", "Administrative unit code (mã đơn vị hành chính)"),
        Field("population", "integer", "Resident population, for rates per 100,000",
              plausible=(0, 2_000_000)),
    ),
    computed=(AREA_M2,),
    minzoom=9,
    maxzoom=22,
    feature_cap=500,
)

LAYERS = (WARDS,)
