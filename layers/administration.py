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
        Field("population", "integer", "Resident population, for rates per 100,000"),
    ),
    measured=(AREA_M2,),
    minzoom=9,
    maxzoom=22,
    feature_cap=500,
)

WARD_EPIDEMIC = LayerSpec(
    id="ward_epidemic",
    title="Ward epidemic reports",
    title_vi="Tình hình dịch bệnh theo phường",
    domain="health",
    description=(
        "Daily ward-level COVID-19 reports: new cases and vaccination. A table without "
        "geometry, joined to wards by name or code."
    ),
    geometry=None,
    fields=(
        Field("ward_name", "text", "Ward name, as in the wards layer", required=True),
        Field("ward_code", "text", "Ward administrative code, when the source has it"),
        Field("report_date", "date", "Day the figures refer to", required=True),
        Field("new_cases", "integer", "New confirmed cases that day", required=True),
        Field("vaccinated_doses", "integer", "Vaccine doses given that day"),
        Field("fully_vaccinated", "integer", "People with a full course, cumulative"),
    ),
)

LAYERS = (WARDS, WARD_EPIDEMIC)
