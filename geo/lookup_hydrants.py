"""The working hydrants nearest to a point along roads and alleys, with the route to each.

Distances are measured on the hydrant models' street network (geo/risk_fire.py; noding in
geo/sql/fire_network_edges.sql): the point and each hydrant join it at their nearest
street point, and both straight steps count. Without pgRouting the answer is straight-line
distance only, and `method` says so.

**The window rule.** Building the district's whole network takes about 0.4 s, so only a
window of it is built, for a radius R. A route of length at most R from the point P to a
hydrant H never leaves the ellipse |xP| + |xH| <= R, so the window is the ways (whole) with
dist(way, P) + dist(way, H) <= R + 4 m for some candidate H: a way within the 2 m an
undershoot is joined across from a point of such a route is within 2 m more of P and of H,
so it is in the window too, and the undershoot is joined as in the whole network. Inside
those ellipses the window's network is the whole network: the same ways, crossings,
connectors and street points (P and each H join their nearest way among ALL ways, and are
left out if it is not in the window). So a distance of at most R found in the window is
exact, and a hydrant the window puts farther than R, or cannot reach, is farther than R in
the whole network too. Network distance is never less than straight distance, so only the
candidates within R in a straight line can come within R: only those are joined.
R starts at 1.5 times the straight distance of the `limit`-th nearest candidate plus
100 m (streets wind), and doubles until `limit` candidates lie within R along the streets,
or R reaches DETOUR_CAP times max_m: a hydrant not reached by then has network_m null.
tests/test_lookup.py checks the answers against a window larger than the district.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, func, select

from geo.items import COORDINATE_DECIMALS, feature_json
from geo.lookup_point import LookupPoint
from geo.risk import has_pgrouting, statements, stored_parameters
from geo.risk_fire import HYDRANT_COVERAGE
from geo.schema import LAYER_TABLES
from layers import get_layer

HYDRANTS = get_layer("hydrants")
# How much longer than max_m a route may be and still count: a hydrant twice as far along
# the streets as the farthest one asked for is no answer to "which hydrant do I run to".
DETOUR_CAP = 2.0
FIRST_WINDOW_FACTOR = 1.5
FIRST_WINDOW_MARGIN_M = 100.0


@dataclass(frozen=True)
class Candidate:
    """A working hydrant within max_m in a straight line: its GeoJSON feature and distance."""

    fid: int
    feature: dict
    straight_m: float


@dataclass(frozen=True)
class Route:
    network_m: float
    geometry: dict


def _candidates_query():
    table = LAYER_TABLES[HYDRANTS.id]
    point = func.ST_Transform(func.ST_SetSRID(
        func.ST_MakePoint(bindparam("lon"), bindparam("lat")), 4326), table.c.geom.type.srid)
    straight = func.ST_Distance(table.c.geom, point)
    return (select(table.c.fid, feature_json(HYDRANTS, None), straight)
            .where(table.c.status == "working",
                   func.ST_DWithin(table.c.geom, point, bindparam("max_m")))
            .order_by(straight, table.c.code, table.c.fid))


CANDIDATES = _candidates_query()


def candidates(conn: Connection, point: LookupPoint, max_m: float) -> list[Candidate]:
    rows = conn.execute(CANDIDATES, {**point.bound(), "max_m": max_m})
    return [Candidate(fid, feature, straight) for fid, feature, straight in rows]


def routes_in_window(conn: Connection, point: LookupPoint, window_m: float,
                     hydrants_m: float, snap_m: float) -> dict[int, Route]:
    """Network distance and route to each working hydrant within hydrants_m (straight) that
    the window for routes of at most window_m reaches; exact where at most window_m (see
    the module's window rule)."""
    values = {**point.bound(), "window_m": window_m, "hydrants_m": hydrants_m,
              "snap_m": snap_m, "decimals": COORDINATE_DECIMALS}
    for statement in statements("lookup_hydrant_network"):
        conn.execute(statement, _only_used(statement, values))
    [final] = statements("lookup_hydrant_routes")
    return {fid: Route(network_m, json.loads(route))
            for fid, network_m, route in conn.execute(final, _only_used(final, values))}


def _only_used(statement, values: dict) -> dict:
    return {name: values[name] for name in statement._bindparams}


def network_routes(conn: Connection, point: LookupPoint, found: list[Candidate],
                   limit: int, max_m: float, snap_m: float) -> dict[int, Route]:
    """The exact routes that decide the `limit` nearest along the streets (module doc)."""
    wanted = min(limit, len(found))
    cap = DETOUR_CAP * max_m
    window = min(cap, FIRST_WINDOW_FACTOR * found[wanted - 1].straight_m
                 + FIRST_WINDOW_MARGIN_M)
    while True:
        routes = routes_in_window(conn, point, window, min(window, max_m), snap_m)
        exact = {fid: route for fid, route in routes.items() if route.network_m <= window}
        if len(exact) >= wanted or window >= cap:
            return exact
        window = min(cap, 2 * window)


def nearest_hydrants(conn: Connection, point: LookupPoint, limit: int,
                     max_m: float) -> dict:
    """The GeoJSON FeatureCollection of the /lookup/hydrants answer."""
    found = candidates(conn, point, max_m)
    if has_pgrouting(conn):
        # The hydrant models' own snap distance, as last computed: the lookup and the
        # coverage overlay leave out the same hydrants.
        snap_m = float(stored_parameters(conn, HYDRANT_COVERAGE)["snap_m"])
        routes = network_routes(conn, point, found, limit, max_m, snap_m) if found else {}
        method = (f"network: distance along roads and alleys (pgRouting) from the point to "
                  f"each working hydrant within {max_m:g} m in a straight line, with the "
                  "straight steps from the point to its nearest street and from the "
                  "hydrant's nearest street to it; network_m and route are null for a "
                  f"hydrant farther than {snap_m:g} m from every street or not reached "
                  f"within {DETOUR_CAP * max_m:g} m along the streets")
    else:
        routes = {}
        method = ("straight_line: this database has no pgRouting, so distances are straight "
                  "lines only; network_m and route are null")
    ranked = sorted(found, key=lambda c: (c.fid not in routes,
                                          routes[c.fid].network_m if c.fid in routes else 0,
                                          c.straight_m))
    return {"type": "FeatureCollection", "point": point.to_json(), "method": method,
            "features": [_feature(c, routes.get(c.fid)) for c in ranked[:limit]]}


def _feature(candidate: Candidate, route: Route | None) -> dict:
    feature = candidate.feature
    feature["properties"] = {
        "layer": HYDRANTS.id, **feature["properties"],
        "straight_m": round(candidate.straight_m, 1),
        "network_m": round(route.network_m, 1) if route else None,
        "route": route.geometry if route else None,
    }
    return feature
