"""Mapbox vector tiles cut by PostGIS, one SQL statement per set of layers, compiled once.

The statement is built from the registry alone: table and column names come from
`geo.schema.LAYER_TABLES` and are quoted by the dialect's preparer; z/x/y, the layer names
and the simplification tolerance are bound parameters. PostGIS returns the finished tile
(`ST_AsMVT`); Python only passes the bytes on.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import psycopg2.errors
from sqlalchemy import Connection, Engine, TextClause, text
from sqlalchemy.dialects import postgresql

from geo.crs import Bounds
from geo.errors import BadRequest
from geo.pgcopy import only_row
from geo.schema import LAYER_TABLES, layer_versions
from layers.spec import LayerSpec

# Highest zoom of the WebMercatorQuad matrices we publish; beyond a layer's own maxzoom a
# tile is empty rather than refused, so a client following the tile matrix set never errs.
MAX_ZOOM = 24
EXTENT = 4096
BUFFER = 64  # in tile units: enough for line caps and circle radii not to be cut at edges
WEB_MERCATOR_HALF_WORLD = 20037508.342789244
# MapLibre draws a vector tile 512 px wide. Below this zoom a line or polygon is first
# simplified to one such pixel: long roads and ward boundaries carry far more vertices than
# the tile can show, and Douglas-Peucker drops them before the clip, where ST_AsMVTGeom's
# own grid snapping would keep every vertex of a gentle curve. From here on a pixel is
# under 0.6 m, finer than the source data, so the snapping alone loses nothing visible.
SIMPLIFY_BELOW_ZOOM = 16
_DISPLAY_PIXELS = 512

_quote = postgresql.dialect().identifier_preparer.quote


@dataclass(frozen=True)
class TileAddress:
    """A tile of the XYZ / WebMercatorQuad grid: y counts down from the north."""

    z: int
    x: int
    y: int

    def __post_init__(self) -> None:
        if not 0 <= self.z <= MAX_ZOOM:
            raise BadRequest(f"Zoom {self.z} is out of range: tiles exist for zoom 0 to "
                             f"{MAX_ZOOM}.")
        last = 2**self.z - 1
        for name, value in (("x", self.x), ("y", self.y)):
            if not 0 <= value <= last:
                raise BadRequest(f"Tile {name} = {value} is out of range at zoom {self.z}: "
                                 f"it must be 0 to {last}.")


def pixel_size(z: int) -> float:
    """One display pixel at zoom z, in Web Mercator metres.

    >>> round(pixel_size(14), 3)
    4.777
    """
    return 2 * WEB_MERCATOR_HALF_WORLD / (2**z * _DISPLAY_PIXELS)


def layers_at_zoom(specs: Iterable[LayerSpec], z: int) -> tuple[LayerSpec, ...]:
    """The layers drawn at zoom z; the others contribute nothing to its tiles."""
    return tuple(spec for spec in specs if spec.minzoom <= z <= spec.maxzoom)


def _property(spec: LayerSpec, name: str) -> str:
    column = _quote(LAYER_TABLES[spec.id].c[name].name)
    # ST_AsMVT would write a date through its text output anyway; saying so keeps the
    # tile's value types plain (string, number, boolean) and visible here.
    return f"{column}::text AS {column}" if spec.field(name).type == "date" else column


def _layer_sql(spec: LayerSpec, index: int, simplify: bool) -> str:
    """One layer's tile as a bytea expression; empty bytes when nothing falls in the tile."""
    table = LAYER_TABLES[spec.id]
    geom = _quote(table.c.geom_3857.name)
    drawn = (f"ST_Simplify({geom}, :tolerance, true)"
             if simplify and spec.geometry != "Point" else geom)
    columns = ", ".join([_quote(table.c.fid.name),
                         *(_property(spec, name) for name in spec.property_names)])
    on_day = ""
    if spec.time_field:
        # One day of a layer that changes by day: the one asked for, else the latest.
        day = _quote(table.c[spec.time_field].name)
        on_day = (f" AND {day} = COALESCE(CAST(:day AS date), "
                  f"(SELECT max({day}) FROM {_quote(table.name)}))")
    return (
        f"(SELECT COALESCE(ST_AsMVT(tile_rows, :layer_{index}, {EXTENT}, 'mvt_geom', 'fid'),"
        " ''::bytea) FROM ("
        f"SELECT {columns}, ST_AsMVTGeom({drawn}, ST_TileEnvelope(:z, :x, :y), {EXTENT}, "
        f"{BUFFER}, true) AS mvt_geom FROM {_quote(table.name)} "
        f"WHERE {geom} && ST_TileEnvelope(:z, :x, :y, margin => {BUFFER / EXTENT}){on_day} "
        f"LIMIT {int(spec.feature_cap)}"
        ") AS tile_rows WHERE mvt_geom IS NOT NULL)"
    )


@lru_cache(maxsize=512)
def tile_statement(specs: tuple[LayerSpec, ...], simplify: bool) -> TextClause:
    """The tile of several layers in one round trip: MVT layers concatenate into a valid tile.

    Cached per set of layers, so each combination a client asks for is compiled once.
    """
    parts = " || ".join(_layer_sql(spec, i, simplify) for i, spec in enumerate(specs))
    return text(f"SELECT {parts} AS tile")


def tile_query(specs: Sequence[LayerSpec], z: int, x: int, y: int,
               day: datetime.date | None = None) -> tuple[TextClause, dict] | None:
    """The statement and parameters of the tile of `specs` at z/x/y; None when no layer
    is drawn at z. `day` picks the day shown by layers that change by day (default: their
    latest)."""
    address = TileAddress(z, x, y)
    drawn = layers_at_zoom(specs, address.z)
    if not drawn:
        return None
    simplify = address.z < SIMPLIFY_BELOW_ZOOM and any(s.geometry != "Point" for s in drawn)
    params: dict[str, object] = {"z": address.z, "x": address.x, "y": address.y}
    if simplify:
        params["tolerance"] = pixel_size(address.z)
    params.update({f"layer_{i}": spec.id for i, spec in enumerate(drawn)})
    if any(spec.time_field for spec in drawn):
        params["day"] = day
    return tile_statement(drawn, simplify), params


def render_tile(conn: Connection, specs: Sequence[LayerSpec], z: int, x: int, y: int,
                day: datetime.date | None = None) -> bytes:
    """The uncompressed MVT of `specs` at z/x/y; b"" when no layer has a feature there."""
    query = tile_query(specs, z, x, y, day)
    tile = conn.execute(*query).scalar_one() if query else None
    return bytes(tile) if tile is not None else b""


class RenderedTile(NamedTuple):
    versions: dict[str, int]  # every loaded layer's data version, as the tile saw the data
    tile: bytes  # uncompressed MVT; b"" when no layer has a feature there


# The data versions in the tile's own statement, so they describe exactly the data it was cut
# from (one statement, one snapshot); text, so the binary COPY gives them as plain UTF-8.
_VERSIONS_SQL = (f"(SELECT string_agg(layer_id || '=' || data_version, ',') "
                 f"FROM {_quote(layer_versions.name)})")


def render_tile_on_driver(engine: Engine, specs: Sequence[LayerSpec], z: int, x: int, y: int,
                          day: datetime.date | None = None) -> RenderedTile:
    """`render_tile` run by psycopg2 itself on a pooled connection, in autocommit, through
    the statement's function, together with the data versions it saw; fetched by a binary
    COPY.

    The map service's path for a tile not in its cache. SQLAlchemy's connection and
    execution machinery cost a z16 tile about 0.35 ms of CPU, a third of the request; a
    SELECT brings bytea as hex text, which the server writes and psycopg2 decodes at twice
    the tile's size (a 7 MB z12 tile: 20 ms of client CPU by SELECT, 7 ms by binary COPY);
    parsing and planning the statement afresh took a fifth of the server's time on a z16
    tile, which the function's kept plan saves; and the versions come in the same round
    trip (bench/RESULTS.md). Same statement, same bound values, same features (a test
    compares).
    """
    query = tile_query(specs, z, x, y, day)
    copied = io.BytesIO()
    pooled = engine.raw_connection()
    try:
        driver = pooled.driver_connection
        driver.autocommit = True  # one statement: no BEGIN before it, no ROLLBACK after
        with driver.cursor() as cursor:
            try:
                _copy_tile(cursor, pooled.info, query, engine.dialect, copied)
            except psycopg2.errors.UndefinedFunction:
                # The session lost the function it made (DISCARD), or never had it (a
                # transaction pooler such as PgBouncer hands each statement another server
                # session): this connection renders statements from now on.
                pooled.info["tile_functions_refused"] = True
                pooled.info["tile_functions"] = set()
                _copy_tile(cursor, pooled.info, query, engine.dialect, copied)
        driver.autocommit = False
    except BaseException:
        pooled.invalidate()  # in an unknown state (or closed): never back into the pool
        raise
    finally:
        pooled.close()  # back to the pool
    versions, tile = only_row(copied.getbuffer())
    pairs = (pair.rpartition("=") for pair in (versions or b"").decode().split(",") if pair)
    return RenderedTile({layer: int(version) for layer, _, version in pairs}, tile or b"")


def _copy_tile(cursor, info: dict, query: tuple[TextClause, dict] | None, dialect,
               copied: io.BytesIO) -> None:
    """COPY the versions and the tile of `query` (None: no layer drawn) into `copied`."""
    if query is None:
        tile, params = "NULL::bytea", ()
    else:
        tile, params = _tile_call(cursor, info, *query, dialect)
    # COPY takes no parameters: psycopg2 binds them into the text itself, as it does for
    # every execute (it never sends parameters separately).
    bound = cursor.mogrify(f"SELECT {_VERSIONS_SQL}, {tile}", params)
    copied.seek(0)
    copied.truncate()
    cursor.copy_expert(f"COPY ({bound.decode()}) TO STDOUT WITH (FORMAT binary)", copied)


@dataclass(frozen=True)
class _TileFunction:
    """A tile statement as a PL/pgSQL function of its parameters, made on each connection
    that renders it: PL/pgSQL keeps a function's plans for the session, so the statement is
    parsed and planned once per connection instead of once per tile. In pg_temp, so the
    function lives and dies with the session and never outlasts a change to the layers."""

    name: str
    parameters: tuple[str, ...]
    create: str

    @property
    def call(self) -> str:
        return f"pg_temp.{self.name}({', '.join(['%s'] * len(self.parameters))})"


# The SQL types of the bound values tile_query gives (layer_0, layer_1, … are text).
_PARAMETER_TYPES = {"z": "integer", "x": "integer", "y": "integer",
                    "tolerance": "double precision", "day": "date"}


@lru_cache(maxsize=512)
def _tile_function(statement: TextClause, dialect) -> _TileFunction:
    driver_sql = _driver_sql(statement, dialect)
    parameters = tuple(dict.fromkeys(re.findall(r"%\((\w+)\)s", driver_sql)))
    body = re.sub(r"%\((\w+)\)s", lambda m: f"${parameters.index(m.group(1)) + 1}",
                  driver_sql)
    name = "urbanmap_tile_" + hashlib.sha1(driver_sql.encode()).hexdigest()[:16]
    types = ", ".join(_PARAMETER_TYPES.get(p, "text") for p in parameters)
    create = (f"CREATE OR REPLACE FUNCTION pg_temp.{name}({types}) RETURNS bytea "
              f"LANGUAGE plpgsql STABLE AS $tile$ BEGIN RETURN ({body}); END $tile$")
    return _TileFunction(name, parameters, create)


def _tile_call(cursor, info: dict, statement: TextClause, params: dict,
               dialect) -> tuple[str, object]:
    """The tile as an expression for this connection: a call of the statement's function,
    made here first if the connection has not made it; the statement itself where the
    session may not make functions (a read-only standby)."""
    function = _tile_function(statement, dialect)
    made = info.setdefault("tile_functions", set())
    if function.name not in made and not info.get("tile_functions_refused"):
        try:
            cursor.execute(function.create)
            made.add(function.name)
        except psycopg2.errors.ReadOnlySqlTransaction:
            info["tile_functions_refused"] = True
    if function.name in made:
        return function.call, [params[name] for name in function.parameters]
    return f"({_driver_sql(statement, dialect)})", params


@lru_cache(maxsize=512)
def _driver_sql(statement: TextClause, dialect) -> str:
    """The statement in the driver's own parameter style (`%(z)s`), compiled once."""
    return str(statement.compile(dialect=dialect))


def tile_range(bounds: Bounds, z: int) -> tuple[int, int, int, int]:
    """(min x, min y, max x, max y) of the tiles at zoom z covering lon/lat `bounds`.

    >>> tile_range((106.68, 10.69, 106.78, 10.79), 14)
    (13047, 7698, 13051, 7702)
    """
    west, south, east, north = bounds
    count = 2**z

    def column(lon: float) -> int:
        return min(count - 1, max(0, math.floor((lon + 180) / 360 * count)))

    def row(lat: float) -> int:
        mercator = math.asinh(math.tan(math.radians(lat)))
        return min(count - 1, max(0, math.floor((1 - mercator / math.pi) / 2 * count)))

    return column(west), row(north), column(east), row(south)


WEB_MERCATOR_QUAD_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
EPSG_3857_URI = "http://www.opengis.net/def/crs/EPSG/0/3857"
_TILE_PIXELS = 256  # the TMS standard's WebMercatorQuad counts 256-pixel tiles
_STANDARD_PIXEL_M = 0.00028  # scale denominators assume 0.28 mm pixels


@lru_cache(maxsize=1)
def web_mercator_quad() -> dict[str, object]:
    """The OGC WebMercatorQuad tile matrix set (TMS 2.0 JSON), matrices 0 to MAX_ZOOM."""
    origin = [-WEB_MERCATOR_HALF_WORLD, WEB_MERCATOR_HALF_WORLD]
    matrices = []
    for z in range(MAX_ZOOM + 1):
        cell = 2 * WEB_MERCATOR_HALF_WORLD / (_TILE_PIXELS * 2**z)
        matrices.append({
            "id": str(z), "scaleDenominator": cell / _STANDARD_PIXEL_M, "cellSize": cell,
            "cornerOfOrigin": "topLeft", "pointOfOrigin": origin,
            "tileWidth": _TILE_PIXELS, "tileHeight": _TILE_PIXELS,
            "matrixWidth": 2**z, "matrixHeight": 2**z})
    return {
        "id": "WebMercatorQuad", "title": "Google Maps Compatible for the World",
        "uri": WEB_MERCATOR_QUAD_URI, "crs": EPSG_3857_URI, "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "boundingBox": {"lowerLeft": [-WEB_MERCATOR_HALF_WORLD, -WEB_MERCATOR_HALF_WORLD],
                        "upperRight": [WEB_MERCATOR_HALF_WORLD, WEB_MERCATOR_HALF_WORLD],
                        "crs": EPSG_3857_URI},
        "tileMatrices": matrices,
    }
