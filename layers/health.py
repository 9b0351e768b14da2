"""Health: hospitals, clinics, pharmacies and ward health stations."""

from layers.common import POINT_OF_INTEREST
from layers.spec import Field, LayerSpec


def _health_point(id: str, title: str, title_vi: str, description: str, *extra: Field) -> LayerSpec:
    return LayerSpec(
        id=id, title=title, title_vi=title_vi, domain="health", description=description,
        geometry="Point", fields=(*POINT_OF_INTEREST, *extra), minzoom=12,
    )


HOSPITALS = _health_point(
    "hospitals", "Hospitals", "Bệnh viện", "Hospitals, public and private.",
    Field("beds", "integer", "Number of inpatient beds"),
    Field("emergency", "boolean", "Has an emergency department"),
)
CLINICS = _health_point("clinics", "Clinics", "Phòng khám", "Clinics and polyclinics.")
PHARMACIES = _health_point("pharmacies", "Pharmacies", "Nhà thuốc", "Licensed pharmacies.")
HEALTH_STATIONS = _health_point(
    "health_stations", "Ward health stations", "Trạm y tế phường",
    "The health station of each ward (trạm y tế), first stop for vaccination and testing.",
)

LAYERS = (HOSPITALS, CLINICS, PHARMACIES, HEALTH_STATIONS)
