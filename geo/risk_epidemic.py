"""Epidemic risk by ward: Vietnam's four COVID-19 levels of 2021, for every reported day.

Resolution 128/NQ-CP (11 October 2021) and the Ministry of Health's guidance (Decision
4800/QĐ-BYT) grade an area by new community cases per 100,000 people over 7 days:
level 1 (new normal, green) below 20, level 2 (yellow) from 20, level 3 (orange) from 50,
level 4 (red) from 150. The guidance then moves the level with vaccination coverage; the
ward reports here carry only the fully vaccinated count, so the model raises the level by
one (up to 4) where that share is below vaccination_target_pct, and leaves it when the
share is unknown. A report names its ward by code, or else by name, compared without case,
diacritics or "Phường"/"P." as search compares names; a report that names no ward is left
out, and the load that recomputes the levels says how many.
"""

from geo.risk import Parameter, RiskModel, register

EPIDEMIC_LEVELS = register(RiskModel(
    id="epidemic_levels",
    layer_id="epidemic_risk",
    summary="Each ward's level (1 green to 4 red) for each reported day, from new cases per "
            "100,000 people over the last 7 days.",
    method=__doc__.split("\n\n", 1)[1].replace("\n", " ").strip(),
    inputs=("ward_epidemic", "wards"),
    parameters=(
        Parameter("level2_rate", 20.0, "7-day cases per 100,000 from which a ward is level 2"),
        Parameter("level3_rate", 50.0, "… level 3"),
        Parameter("level4_rate", 150.0, "… level 4"),
        Parameter("vaccination_target_pct", 70.0,
                  "Below this fully vaccinated share the level is raised by one", "%"),
    ),
    steps=("risk_epidemic_reports", "risk_epidemic_levels"),
    left_out="risk_epidemic_left_out",
    left_out_note="ward reports that name no ward of the wards layer: {count:,} (e.g. "
                  "{examples}), left out of the epidemic levels",
))
