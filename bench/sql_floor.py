"""The SQL floor of tiles_bench.py: the same tiles cut by plain ST_AsMVT in the database,
fetched over psycopg2 with one connection per thread and no HTTP, simplification or
compression. What any dynamic tile server must at least spend on a tile.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from http_load import Sample, Schedule  # a sibling module

EXTENT, BUFFER = 4096, 64  # urbanmap's (geo.tiles): the floor cuts the same tiles


def floor_statement(layer: str):
    """Plain ST_AsMVT of the tile urbanmap cuts: same columns, buffer, cap; no simplifying."""
    from psycopg2 import sql

    from geo.schema import LAYER_TABLES
    from layers import get_layer

    spec = get_layer(layer)
    columns = [sql.SQL("{0}::text AS {0}" if spec.field(name).type == "date" else "{0}")
               .format(sql.Identifier(name)) for name in spec.property_names]
    envelope = sql.SQL("ST_TileEnvelope(%(z)s, %(x)s, %(y)s)")
    return sql.SQL(
        "SELECT ST_AsMVT(q, %(layer)s, {extent}, 'mvt_geom', 'fid') FROM ("
        "SELECT fid, {columns}, ST_AsMVTGeom(geom_3857, {envelope}, {extent}, {buffer}, true)"
        " AS mvt_geom FROM {table} WHERE geom_3857 && ST_TileEnvelope(%(z)s, %(x)s, %(y)s, "
        "margin => {margin}) LIMIT {cap}) AS q"
    ).format(extent=sql.Literal(EXTENT), buffer=sql.Literal(BUFFER),
             margin=sql.Literal(BUFFER / EXTENT), columns=sql.SQL(", ").join(columns),
             envelope=envelope, table=sql.Identifier(LAYER_TABLES[layer].name),
             cap=sql.Literal(spec.feature_cap))


def floor_tile(cur, tile) -> bytes:
    """The tile (a tiles_bench.Tile: layer, z, x, y) as the floor cuts it."""
    cur.execute(floor_statement(tile.layer), tile._asdict())
    return bytes(cur.fetchone()[0] or b"")


def _sql_worker(conn, schedule: Schedule) -> Sample:
    sample = Sample()  # one per thread, merged after
    with conn.cursor() as cur:
        for tile in schedule:
            begun = time.perf_counter()
            sample.received += len(floor_tile(cur, tile))
            sample.latencies.append(time.perf_counter() - begun)
    return sample


def _sql_drive(connections: list, schedule: Schedule) -> Sample:
    cpu, started = time.process_time(), time.perf_counter()
    with ThreadPoolExecutor(len(connections)) as pool:
        parts = list(pool.map(partial(_sql_worker, schedule=schedule), connections))
    sample = Sample([t for part in parts for t in part.latencies],
                    received=sum(part.received for part in parts))
    sample.seconds = time.perf_counter() - started
    sample.cpu = time.process_time() - cpu
    return sample


def sql_floor(db, tiles: list, concurrency: int, seconds: float | None) -> Sample:
    """The same tiles straight from the database: `concurrency` threads, a connection each.

    `seconds` None: one pass over `tiles` and no warm-up (to warm the database).
    """
    import psycopg2

    connections = [psycopg2.connect(db.cluster.libpq_dsn(db.name)) for _ in range(concurrency)]
    for conn in connections:
        conn.autocommit = True
    try:
        if seconds is None:
            return _sql_drive(connections, Schedule(tiles))
        _sql_drive(connections, Schedule(tiles[: 2 * concurrency]))
        return _sql_drive(connections, Schedule(tiles, seconds))
    finally:
        for conn in connections:
            conn.close()
