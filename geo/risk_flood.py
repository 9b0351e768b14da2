"""Flood risk: distance bands along rivers and canals, shifted by ground elevation."""

from geo.risk import Parameter, RiskModel, register

FLOOD_BANDS = register(RiskModel(
    id="flood_bands",
    layer_id="flood_risk",
    summary="Zones along rivers and canals: high within high_m, medium within medium_m.",
    method=(
        "Distance bands around the water areas and the waterway centre lines, dissolved "
        "and clipped to the district. Where spot heights are loaded, each point of a band "
        "takes the height of the nearest spot height (Voronoi cells, within "
        "elevation_reach_m): ground at or below low_ground_m is one level higher, ground "
        "at or above high_ground_m one level lower (high → medium → low)."
    ),
    inputs=("waterways", "water_areas", "spot_heights", "wards"),
    parameters=(
        Parameter("high_m", 50.0, "Outer edge of the high band, from the water's edge", "m"),
        Parameter("medium_m", 200.0, "Outer edge of the medium band", "m"),
        Parameter("low_ground_m", 1.5,
                  "Ground at or below this height floods at high tide: one level higher",
                  "m"),
        Parameter("high_ground_m", 2.5, "Ground at or above this height: one level lower",
                  "m"),
        Parameter("elevation_reach_m", 300.0,
                  "How far a spot height speaks for the ground around it", "m"),
    ),
    steps=("risk_flood_bands",),
))
