"""A road or alley by name or number, with its width and whether a fire truck fits.

The ways are found by the registry's one search (geo.search, restricted to roads and
alleys), so `hem 458 huynh tan phat`, `458/12 Huỳnh Tấn Phát` and a typo find what
/search finds. The width is the measured width_m, or else the estimate by kind of
`urbanmap_estimated_width` (migration 0005), the function the fire-truck models use; the
truck width is the fire_truck_access model's min_width_m as last computed. So this answer
and the narrow-alley overlay always agree.
"""

from __future__ import annotations

from sqlalchemy import JSON, Connection, Text, bindparam, cast, func, literal, select, union_all

from geo import search
from geo.items import COORDINATE_DECIMALS
from geo.risk import stored_parameters
from geo.risk_fire import FIRE_TRUCK_ACCESS
from geo.schema import LAYER_TABLES
from geo.text import nfc
from layers import get_layer

WAY_LAYERS = (get_layer("roads"), get_layer("alleys"))
# The kind a way without one is estimated as, shown as the narrow-alley overlay shows it
# (geo/sql/risk_way_widths.sql), so a phone can say what the estimate is based on.
DEFAULT_KIND = {"roads": "road", "alleys": "alley"}


def _widths():
    """The ways whose fids are bound (a list per layer), with both widths and the geometry."""
    rows = []
    for spec in WAY_LAYERS:
        table = LAYER_TABLES[spec.id]
        number = table.c.number if "number" in spec.property_names else literal(None, Text)
        rows.append(select(
            literal(spec.id).label("layer"), table.c.fid, table.c.name, number.label("number"),
            func.coalesce(table.c.kind, DEFAULT_KIND[spec.id]).label("kind"),
            table.c.width_m.label("measured_m"),
            func.urbanmap_estimated_width(spec.id, table.c.kind).label("estimated_m"),
            cast(func.ST_AsGeoJSON(func.ST_Transform(table.c.geom, 4326),
                                   COORDINATE_DECIMALS), JSON).label("geometry"),
        ).where(table.c.fid.in_(bindparam(f"{spec.id}_fids", expanding=True))))
    return union_all(*rows)


WIDTHS = _widths()


def find_ways(conn: Connection, query: str, limit: int) -> dict:
    """The /lookup/ways answer: a FeatureCollection of roads and alleys, best match first."""
    hits = search.search(conn, query, limit, WAY_LAYERS)
    truck_width = float(stored_parameters(conn, FIRE_TRUCK_ACCESS)["min_width_m"])
    fids = {f"{spec.id}_fids": [hit.fid for hit in hits if hit.layer is spec]
            for spec in WAY_LAYERS}
    ways = {(row.layer, row.fid): row for row in conn.execute(WIDTHS, fids)}
    features = [_feature(ways[hit.layer.id, hit.fid], hit.score, truck_width)
                for hit in hits if (hit.layer.id, hit.fid) in ways]
    return {"type": "FeatureCollection", "query": nfc(query), "features": features}


def _feature(way, score: float, truck_width: float) -> dict:
    width = way.measured_m if way.measured_m is not None else way.estimated_m
    return {"type": "Feature", "id": way.fid, "geometry": way.geometry, "properties": {
        "layer": way.layer, "name": way.name, "number": way.number, "kind": way.kind,
        "width_m": width, "width_estimated": way.measured_m is None,
        "fire_truck_fits": width >= truck_width, "truck_width_m": truck_width,
        "score": round(score, 3)}}
