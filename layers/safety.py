"""Safety: fire hydrants (trụ nước chữa cháy)."""

from layers.spec import Field, LayerSpec

HYDRANT_STATUSES = ("working", "out_of_service")

HYDRANTS = LayerSpec(
    id="hydrants",
    title="Fire hydrants",
    title_vi="Trụ nước chữa cháy",
    domain="safety",
    description="Outdoor fire hydrants, with their state at the last inspection.",
    geometry="Point",
    fields=(
        Field("code", "text", "Hydrant code painted on it", required=True),
        Field("status", "text", "working or out_of_service", required=True,
              choices=HYDRANT_STATUSES),
        Field("last_inspected", "date", "Date of the last inspection"),
        Field("pressure_bar", "real", "Pressure measured at the last inspection", unit="bar",
              plausible=(0, 20)),
        Field("street", "text", "Street it stands on"),
    ),
    minzoom=12,
    duplicate_within_m=1.0,
    natural_key=("code",),
)

LAYERS = (HYDRANTS,)
