"""Fire-response risk: hydrant reach along the street network, and fire-truck access.

The network is the roads and alleys, noded where they cross (except where a bridge passes
over another way), with every working hydrant joined to it at its nearest point
(`geo/sql/risk_fire_network.sql`). Distances along it come from pgRouting; without
pgRouting the hydrant models fall back to straight-line distance, which overstates reach
wherever streets wind or end. The truck-access models need no pgRouting.
"""

from geo.risk import Parameter, RiskModel, register

THRESHOLD = Parameter(
    "threshold_m", 150.0,
    "Farthest distance along streets from a working hydrant; Vietnamese standards space "
    "urban outdoor hydrants at most 150 m apart (TCVN 2622:1995, QCVN 06:2022/BXD)", "m")
TRUCK_WIDTH = Parameter(
    "min_width_m", 3.5, "Narrowest way a fire truck can drive through", "m")
# Bridges tell a crossing at grade from a bridge passing over a way.
NETWORK_INPUTS = ("roads", "alleys", "bridges", "hydrants")

HYDRANT_COVERAGE = register(RiskModel(
    id="hydrant_coverage",
    layer_id="fire_hydrant_gaps",
    summary="Parts of each ward farther than threshold_m from a working hydrant, measured "
            "along roads and alleys.",
    method=(
        "pgRouting's driving distance from every working hydrant over the noded network "
        "gives the street parts within threshold_m; the land within reach_m of those parts "
        "counts as covered (a hose is run from the street). What is left of each ward is "
        "its gap; a ward with no gap has no row. Hydrants farther than snap_m from every "
        "street are left out. Without pgRouting: ward land farther than threshold_m in a "
        "straight line from every working hydrant."
    ),
    inputs=(*NETWORK_INPUTS, "wards"),
    parameters=(
        THRESHOLD,
        Parameter("reach_m", 30.0, "How far from a covered street a hose still serves", "m"),
        Parameter("snap_m", 50.0,
                  "A hydrant farther than this from every street is left out of the network",
                  "m"),
    ),
    steps=("risk_fire_network", "risk_hydrant_coverage", "risk_hydrant_gaps"),
    fallback_steps=("risk_hydrant_coverage_straight", "risk_hydrant_gaps"),
))

APARTMENT_HYDRANTS = register(RiskModel(
    id="apartment_hydrants",
    layer_id="fire_apartments_no_hydrant",
    summary="Apartment blocks with no working hydrant within threshold_m along roads and "
            "alleys.",
    method=(
        "Each block joins the network at the street point nearest to it, and at the "
        "nearest point of every other street within snap_m; the distance to a hydrant is "
        "the network distance from such a point plus the straight step from the block to "
        "it, the least over the block's street points. The nearest hydrant is the "
        "nearest along the network, or in a straight line when none can be reached along "
        "it (no network distance then). "
        "Without pgRouting: straight-line distance."
    ),
    inputs=(*NETWORK_INPUTS, "apartments"),
    parameters=(
        THRESHOLD,
        Parameter("snap_m", 50.0,
                  "A hydrant farther than this from every street is left out of the network; "
                  "a block joins every street within this distance (and the nearest)", "m"),
    ),
    steps=("risk_fire_network", "risk_apartment_hydrants"),
    fallback_steps=("risk_apartment_hydrants_straight",),
))

FIRE_TRUCK_ACCESS = register(RiskModel(
    id="fire_truck_access",
    layer_id="fire_narrow_alleys",
    summary="Alleys and roads narrower than min_width_m.",
    method=(
        "The width is the way's width_m; where it is unknown it is estimated from the way's "
        "kind (table in the README, 'Width by kind') and marked as estimated."
    ),
    inputs=("roads", "alleys"),
    parameters=(TRUCK_WIDTH,),
    steps=("risk_way_widths", "risk_fire_narrow_alleys"),
))

BUILDING_TRUCK_ACCESS = register(RiskModel(
    id="building_truck_access",
    layer_id="fire_blocked_buildings",
    summary="Buildings and apartment blocks a fire truck can reach only through ways "
            "narrower than min_width_m.",
    method=(
        "Ways at least min_width_m wide (widths as fire_truck_access) that connect to the "
        "main roads form the truck network: wide ways touching each other (within 2 m) "
        "form pieces, and the pieces holding a road of class tertiary or above, and the "
        "longest piece, are the truck network. A building within access_m of a narrow way "
        "(or of a wide way cut off from the truck network) and farther than access_m from "
        "the truck network is reachable only through narrow ways."
    ),
    inputs=("roads", "alleys", "apartments"),
    parameters=(
        TRUCK_WIDTH,
        Parameter("access_m", 20.0, "How far a building may stand from the way that serves "
                  "it", "m"),
    ),
    steps=("risk_way_widths", "risk_fire_blocked_buildings"),
))
