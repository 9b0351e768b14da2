"""Health: hospitals, clinics, pharmacies, ward health stations and epidemic reports."""

from layers.common import NAME_AT_ADDRESS, POINT_OF_INTEREST
from layers.spec import Field, LayerSpec


def _health_point(layer_id: str, title: str, title_vi: str, description: str,
                  *extra: Field) -> LayerSpec:
    return LayerSpec(
        id=layer_id, title=title, title_vi=title_vi, domain="health", description=description,
        geometry="Point", fields=(*POINT_OF_INTEREST, *extra), minzoom=12,
        natural_key=NAME_AT_ADDRESS,
    )


HOSPITALS = _health_point(
    "hospitals", "Hospitals", "Bệnh viện", "Hospitals, public and private.",
    Field("beds", "integer", "Number of inpatient beds", plausible=(0, 10_000)),
    Field("emergency", "boolean", "Has an emergency department"),
)
CLINICS = _health_point("clinics", "Clinics", "Phòng khám", "Clinics and polyclinics.")
PHARMACIES = _health_point("pharmacies", "Pharmacies", "Nhà thuốc", "Licensed pharmacies.")
HEALTH_STATIONS = _health_point(
    "health_stations", "Ward health stations", "Trạm y tế phường",
    "The health station of each ward (trạm y tế), first stop for vaccination and testing.",
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
        Field("new_cases", "integer", "New confirmed cases that day", required=True,
              plausible=(0, 100_000)),
        Field("vaccinated_doses", "integer", "Vaccine doses given that day",
              plausible=(0, 1_000_000)),
        Field("fully_vaccinated", "integer", "People with a full course, cumulative",
              plausible=(0, 2_000_000)),
    ),
    # A day's file has no ids of its own: a report is its ward's, of its day. Known by its
    # place in the file, the next day's reports were refused by append as already loaded,
    # and overwrote the first day's by upsert.
    natural_key=("ward_name", "report_date"),
)

LAYERS = (HOSPITALS, CLINICS, PHARMACIES, HEALTH_STATIONS, WARD_EPIDEMIC)
