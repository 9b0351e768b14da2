"""What is here: the assets around a point, nearest first, and what the point lies in.

One statement, built from the layer registry once and bound per request: a UNION ALL over
every asset layer (each branch a GiST-indexed ST_DWithin, nearest first, at most `limit`
rows), and scalar subqueries for the ward, the planning zone and the risk overlays at the
point. PostgreSQL assembles the JSON; the route passes its text through.
"""

from __future__ import annotations

from functools import cache
from itertools import chain

from sqlalchemy import (
    JSON,
    Connection,
    Numeric,
    Select,
    Table,
    Text,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from geo.items import COORDINATE_DECIMALS
from geo.lookup_point import LookupPoint
from geo.schema import LAYER_TABLES
from geo.search import display_name
from layers import REGISTRY, LayerSpec, get_layer
from layers.risk import FLOOD_LEVELS

WGS84 = 4326


def asset_layers() -> tuple[LayerSpec, ...]:
    """The registry's spatial layers that hold assets (not risk overlays), in its order."""
    return tuple(spec for spec in REGISTRY.values() if spec.is_spatial and not spec.is_overlay)


def _point(table: Table):
    return func.ST_Transform(func.ST_SetSRID(
        func.ST_MakePoint(bindparam("lon"), bindparam("lat")), WGS84), table.c.geom.type.srid)


def _fields(spec: LayerSpec, names: tuple[str, ...] | None = None, **renamed) -> list:
    """json_build_object arguments: name, column for each field (renamed: key=field)."""
    table = LAYER_TABLES[spec.id]
    pairs = [(name, name) for name in (spec.property_names if names is None else names)]
    pairs += list(renamed.items())
    return list(chain.from_iterable((literal(key), table.c[field]) for key, field in pairs))


def _nearby(spec: LayerSpec) -> Select:
    """The layer's features within radius_m, nearest first, as GeoJSON Features."""
    table = LAYER_TABLES[spec.id]
    distance = func.ST_Distance(table.c.geom, _point(table))
    name = display_name(spec)
    properties = func.json_build_object(
        "layer", spec.id, "distance_m", func.round(cast(distance, Numeric), 1),
        "name", name if name is not None else literal(None, Text),
        *_fields(spec, tuple(n for n in spec.property_names if n != "name")))
    geometry = cast(func.ST_AsGeoJSON(func.ST_Transform(table.c.geom, WGS84),
                                      COORDINATE_DECIMALS), JSON)
    feature = func.json_build_object("type", "Feature", "id", table.c.fid,
                                     "geometry", geometry, "properties", properties)
    return (select(distance.label("distance"), literal(spec.id).label("layer"),
                   table.c.fid, feature.label("feature"))
            .where(func.ST_DWithin(table.c.geom, _point(table), bindparam("radius_m")))
            .order_by(distance, table.c.fid).limit(bindparam("limit")))


def _features() -> Select:
    nearby = union_all(*(_nearby(spec).subquery().select()
                         for spec in asset_layers())).subquery("nearby")
    nearest = (select(nearby).order_by(nearby.c.distance, nearby.c.layer, nearby.c.fid)
               .limit(bindparam("limit")).subquery("nearest"))
    order = aggregate_order_by(nearest.c.feature, nearest.c.distance, nearest.c.layer,
                               nearest.c.fid)
    return select(func.json_build_object(
        "type", "FeatureCollection",
        "features", func.coalesce(func.json_agg(order), cast(literal("[]"), JSON))))


def _at_point(layer_id: str, json_args: list, *order_by) -> Select:
    """The one feature of the layer under the point, as a JSON object (NULL: none)."""
    table = LAYER_TABLES[layer_id]
    return (select(func.json_build_object(*json_args))
            .where(func.ST_Intersects(table.c.geom, _point(table)))
            .order_by(*order_by, table.c.fid).limit(1))


def _ward() -> Select:
    wards = LAYER_TABLES["wards"]
    return _at_point("wards", [literal("fid"), wards.c.fid, *_fields(get_layer("wards"),
                                                                      ("name", "code"))])


def _planning_zone() -> Select:
    zones = LAYER_TABLES["planning_zones"]
    return _at_point("planning_zones", [literal("fid"), zones.c.fid,
                                        *_fields(get_layer("planning_zones"))])


def _flood() -> Select:
    flood = LAYER_TABLES["flood_risk"]
    # Bands should not overlap; where they do, the worse level speaks for the point.
    worst_first = case({level: rank for rank, level in enumerate(FLOOD_LEVELS)},
                       value=flood.c.level, else_=len(FLOOD_LEVELS))
    return _at_point("flood_risk", _fields(get_layer("flood_risk"),
                                           ("level", "band", "within_m", "elevation_effect")),
                     worst_first)


def _epidemic() -> Select:
    epidemic = LAYER_TABLES["epidemic_risk"]
    return _at_point("epidemic_risk", _fields(
        get_layer("epidemic_risk"), ("ward_name", "level", "level_name", "rate_per_100k",
                                     "cases_7d", "population", "vaccinated_pct"),
        day="report_date"), epidemic.c.report_date.desc())


def _risk():
    gaps = LAYER_TABLES["fire_hydrant_gaps"]
    narrow = LAYER_TABLES["fire_narrow_alleys"]
    return func.json_build_object(
        "flood", _flood().scalar_subquery(),
        "hydrant_gap", exists().where(func.ST_Intersects(gaps.c.geom, _point(gaps))),
        "epidemic", _epidemic().scalar_subquery(),
        "fire_blocked_building", _at_point("fire_blocked_buildings", _fields(
            get_layer("fire_blocked_buildings"),
            ("name", "via", "via_width_m", "truck_distance_m"))).scalar_subquery(),
        "apartment_without_hydrant", _at_point("fire_apartments_no_hydrant", _fields(
            get_layer("fire_apartments_no_hydrant"),
            ("name", "nearest_hydrant", "network_distance_m", "straight_distance_m",
             "threshold_m"))).scalar_subquery(),
        "narrow_ways_within_radius", select(func.count()).where(
            func.ST_DWithin(narrow.c.geom, _point(narrow), bindparam("radius_m")))
        .scalar_subquery())


@cache
def here_query() -> Select:
    """The whole answer as one JSON text; binds lon, lat, radius_m and limit."""
    return select(cast(func.json_build_object(
        "point", func.json_build_array(bindparam("lon"), bindparam("lat")),
        "radius_m", bindparam("radius_m"),
        "ward", _ward().scalar_subquery(),
        "planning_zone", _planning_zone().scalar_subquery(),
        "risk", _risk(),
        "features", _features().scalar_subquery()), Text))


def what_is_here(conn: Connection, point: LookupPoint, radius_m: float, limit: int) -> str:
    """The /lookup/here answer as JSON text."""
    return conn.execute(here_query(), {**point.bound(), "radius_m": radius_m,
                                       "limit": limit}).scalar_one()
