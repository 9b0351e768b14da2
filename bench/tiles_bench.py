"""Map-service benchmark: urbanmap against tipg on the same database, tiles and pages.

    .venv/bin/python bench/tiles_bench.py [--workers 2] [--seconds 10] [--points 200000]
                                          [--rounds 1] [--quick]

It starts its own PostGIS (an embedded LocalPostgis in a temporary directory, durable),
loads the District 7 sample plus `--points` generated points, and starts three servers on
127.0.0.1 with the same number of workers: tipg (from PyPI, in .venv-tipg), urbanmap as
shipped (`server:create_app`, its tile cache on) and urbanmap with a tile cache that stores
nothing (`uncached_app` below), so every request renders. An asyncio HTTP/1.1 client then
asks each of them, at concurrency 8 and 32, for the same tiles (every tile covering the
district at z12, z14 and z16 of three layers) and the same GeoJSON pages, and the same tiles
are also timed as plain ST_AsMVT SQL in the database: the floor for any dynamic server. It
prints requests/s, p50 and p99 per side and the ratios against the goals. Both servers start
through `bench_servers.run_uvicorn`, which gives their shared socket the TCP_NODELAY that uvicorn's
multi-worker mode leaves off. A measurement, not a test: it always exits 0 and is never
collected by pytest.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote, urlencode

from bench_servers import (
    SERVER_EXTRAS,
    SERVER_HTTP,
    SERVER_LOOP,
    TIPG_VENV,
    Server,
    ensure_tipg,
    free_port,
    start_server,
    uvicorn_command,
)
from http_load import Sample, http_load  # the sibling modules
from sql_floor import floor_tile, sql_floor

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = "bench_tiles"
ZOOMS = (12, 14, 16)
CONCURRENCY = (8, 32)
TILE_LAYERS = ("roads", "planning_zones", "pharmacies")  # lines, polygons, points
ITEM_LAYERS = ("roads", "pharmacies")
ITEM_LIMITS = (100, 1000)
POINTS_LAYER = "pharmacies"  # convenience_stores starts at z13: no z12 tile to compare
CACHED_WARM_PASSES = 6  # each worker has its own cache: enough passes to fill both
GOAL_UNCACHED_Z16, GOAL_FLOOR_Z12, GOAL_CACHED, GOAL_ITEMS = 3.0, 0.95, 10.0, 2.0
URBANMAP, UNCACHED, TIPG, FLOOR = "urbanmap cached", "urbanmap uncached", "tipg", "SQL floor"


def uncached_app():
    """urbanmap's app with a tile cache that stores nothing: every request renders its tile.

    The cache key holds no request-supplied part, so no URL can bypass it; this keeps the
    whole request path (version lookup, render, gzip) and only never stores the result.
    """
    from geo.routes import tiles
    from geo.tilecache import TileCache
    from server import create_app

    app = create_app()
    app.state.tile_cache = TileCache(max_bytes=-1)  # put() refuses anything larger: all
    if tiles.tile_cache(app) is not app.state.tile_cache:  # the routes must use this one
        raise RuntimeError("urbanmap's tiles no longer come from app.state.tile_cache: "
                           "uncached_app in bench/tiles_bench.py needs updating")
    return app


# -- the database --------------------------------------------------------------------

def start_database(home: Path):
    """A durable embedded PostGIS with a new, migrated database (load_bench.Database)."""
    from load_bench import Database, new_database

    from geo.localdb import LocalPostgis

    cluster = LocalPostgis(home, ephemeral=False)
    cluster.start()
    db = Database(cluster, DATABASE)
    new_database(db)
    return db


def load_data(db, workdir: Path, points: int) -> None:
    """The District 7 sample, then `points` generated points as POINTS_LAYER; analyzed."""
    from load_bench import point_frame, write_input

    from geo.db import make_engine
    from loaders.files import load_file
    from loaders.sample import load_sample

    engine = make_engine(db.cluster.url_for(db.name))
    started = time.perf_counter()
    load_sample(engine, workdir)
    if points:
        path = write_input(point_frame(points), workdir / "points.fgb")
        report = load_file(engine, POINTS_LAYER, path)
        refused = ", ".join(f"{n:,} {why}" for why, n in report.rejected.items()) or "none"
        print(f"{points:,} generated points (spread over the district's bounding box): "
              f"{report.inserted:,} loaded as {POINTS_LAYER}, refused: {refused}")
    engine.dispose()
    db.sql("VACUUM ANALYZE")
    print(f"data loaded in {time.perf_counter() - started:.0f} s", flush=True)


def table_of(layer_id: str) -> str:
    from geo.schema import LAYER_TABLES

    return LAYER_TABLES[layer_id].name


def feature_counts(db, layers: tuple[str, ...]) -> dict[str, int]:
    return {layer: db.sql(f"SELECT count(*) FROM {table_of(layer)}")[0][0] for layer in layers}


# -- what is asked for -----------------------------------------------------------------

class Tile(NamedTuple):
    layer: str
    z: int
    x: int
    y: int


def district_tiles(z: int, most: int | None = None) -> list[Tile]:
    """Every tile of every TILE_LAYERS layer drawn at z over District 7 (`most` per layer)."""
    from geo.crs import DISTRICT_7_BBOX_WGS84
    from geo.tiles import tile_range
    from layers import get_layer

    xmin, ymin, xmax, ymax = tile_range(DISTRICT_7_BBOX_WGS84, z)
    cells = [(x, y) for x in range(xmin, xmax + 1) for y in range(ymin, ymax + 1)]
    if most and len(cells) > most:
        cells = cells[:: math.ceil(len(cells) / most)]
    drawn = [layer for layer in TILE_LAYERS
             if get_layer(layer).minzoom <= z <= get_layer(layer).maxzoom]
    return [Tile(layer, z, x, y) for x, y in cells for layer in drawn]


def centre_tiles(z: int) -> list[Tile]:
    """The tile holding the district's centre, of each layer drawn at z."""
    from geo.crs import DISTRICT_7_BBOX_WGS84
    from geo.tiles import tile_range

    west, south, east, north = DISTRICT_7_BBOX_WGS84
    lon, lat = (west + east) / 2, (south + north) / 2
    x, y, _, _ = tile_range((lon, lat, lon, lat), z)
    return [tile._replace(x=x, y=y) for tile in district_tiles(z, most=1)]


def properties(layer_id: str) -> tuple[str, ...]:
    from layers import get_layer

    return get_layer(layer_id).property_names


def urbanmap_tile(tile: Tile) -> str:
    return f"/tiles/{tile.layer}/{tile.z}/{tile.x}/{tile.y}.pbf"


def tipg_tile(tile: Tile) -> str:
    """The same tile from tipg: the same column, properties and feature cap as urbanmap."""
    from layers import get_layer

    query = urlencode({"geom-column": "geom_3857", "properties": ",".join(properties(tile.layer)),
                       "limit": get_layer(tile.layer).feature_cap}, safe=",")
    return (f"/collections/public.{table_of(tile.layer)}/tiles/WebMercatorQuad/"
            f"{tile.z}/{tile.x}/{tile.y}?{query}")


def page_offsets(count: int, limit: int) -> list[int]:
    """Ten pages spread over the first ten pages' worth of rows (fewer if the layer is small).

    >>> page_offsets(1115, 1000)
    [0, 13, 26, 38, 51, 64, 77, 89, 102, 115]
    >>> page_offsets(50, 100)
    [0]
    """
    span = min(max(count - limit, 0), 9 * limit)
    return sorted({round(span * i / 9) for i in range(10)})


def urbanmap_items(layer: str, limit: int, offset: int) -> str:
    return f"/collections/{layer}/items?limit={limit}&offset={offset}"


def tipg_items(layer: str, limit: int, offset: int) -> str:
    query = urlencode({"limit": limit, "offset": offset, "geom-column": "geom",
                       "properties": ",".join(properties(layer))}, safe=",")
    return f"/collections/public.{table_of(layer)}/items?{query}"


# -- the servers ---------------------------------------------------------------------

def start_servers(db, workers: int, rundir: Path) -> dict[str, Server]:
    """tipg, urbanmap and uncached urbanmap; a side that does not start is left out, said why."""
    from layers import get_layer

    socket_dir = str(db.cluster.socket_dir)
    # tipg's settings take the DSN through pydantic, which refuses an empty host:
    # asyncpg reads a percent-encoded socket directory in its place.
    caps = max(get_layer(layer).feature_cap for layer in TILE_LAYERS)
    tipg_env = {"DATABASE_URL": f"postgresql://urbanmap@{quote(socket_dir, safe='')}/{db.name}",
                "TIPG_MAX_FEATURES_PER_TILE": str(caps)}  # so `limit` can be urbanmap's cap
    urbanmap_env = {"DATABASE_URL": db.libpq_url}
    factory = ["--factory", "--app-dir"]
    plans = {
        TIPG: (TIPG_VENV, "tipg.main:app", [], tipg_env, "/healthz"),
        URBANMAP: (ROOT / ".venv", "server:create_app", [*factory, str(ROOT)], urbanmap_env,
                   "/"),
        UNCACHED: (ROOT / ".venv", "tiles_bench:uncached_app", [*factory, str(ROOT / "bench")],
                   urbanmap_env, "/"),
    }
    if not ensure_tipg():
        del plans[TIPG]
    servers = {}
    for name, (venv, app, extra, env, ready) in plans.items():
        command = uvicorn_command(venv, app, free_port(), workers) + extra
        try:
            servers[name] = start_server(name, command, env, rundir, ready)
        except (RuntimeError, OSError) as error:
            print(f"!! {name} not measured: {error}", flush=True)
    return servers


# -- measuring -------------------------------------------------------------------------

# -- the measurements ------------------------------------------------------------------

Results = dict[tuple[str, str], Sample]


def tile_label(z: int, concurrency: int) -> str:
    return f"tiles z{z} c{concurrency}"


def items_label(layer: str, limit: int, concurrency: int) -> str:
    return f"items {layer} limit {limit} c{concurrency}"


def measure(results: Results, label: str, runs: dict[str, Callable[[], Sample]],
            rounds: int) -> None:
    """Each side `rounds` times, the order reversed every other round so that a slow spell
    of the noisy machine favours no side; the run with the median rate stands for the side
    (the upper one of an even number)."""
    taken: dict[str, list[Sample]] = {side: [] for side in runs}
    for round_no in range(rounds):
        for side in (list(runs) if round_no % 2 == 0 else list(reversed(runs))):
            sample = runs[side]()
            taken[side].append(sample)
            shown = f"{side} r{round_no + 1}" if rounds > 1 else side
            error = f", {sample.errors} errors, first: {sample.first_error}" \
                if sample.errors else ""
            spread = f"  connections {'/'.join(map(str, sample.spread))}" \
                if sample.spread else ""
            print(f"  {label:<32}{shown:<22}{sample.rate:>9,.1f} req/s  p50 "
                  f"{sample.percentile(50):>8.1f} ms  p99 {sample.percentile(99):>8.1f} ms"
                  f"{spread}{error}", flush=True)
    for side, samples in taken.items():
        results[label, side] = sorted(samples, key=lambda sample: sample.rate)[len(samples) // 2]


def measure_tiles(results: Results, db, servers: dict[str, Server], tiles: dict[int, list[Tile]],
                  args: argparse.Namespace) -> None:
    paths = {TIPG: tipg_tile, URBANMAP: urbanmap_tile, UNCACHED: urbanmap_tile}
    warm = {TIPG: 0, UNCACHED: 0, URBANMAP: args.cached_warm_passes}
    for z, concurrency in itertools.product(ZOOMS, CONCURRENCY):
        chosen = tiles[z]
        runs = {FLOOR: partial(sql_floor, db, chosen, concurrency, args.seconds)}
        for side in (TIPG, UNCACHED, URBANMAP):
            if side in servers:
                runs[side] = partial(http_load, servers[side].base,
                                     [paths[side](tile) for tile in chosen], concurrency,
                                     args.seconds, warm[side], args.workers)
        measure(results, tile_label(z, concurrency), runs, args.rounds)


def measure_items(results: Results, servers: dict[str, Server], counts: dict[str, int],
                  args: argparse.Namespace) -> None:
    paths = {TIPG: tipg_items, URBANMAP: urbanmap_items}
    for layer, limit, concurrency in itertools.product(ITEM_LAYERS, ITEM_LIMITS, CONCURRENCY):
        offsets = page_offsets(counts[layer], limit)
        runs = {side: partial(http_load, servers[side].base,
                              [paths[side](layer, limit, offset) for offset in offsets],
                              concurrency, args.seconds, workers=args.workers)
                for side in (TIPG, URBANMAP) if side in servers}
        measure(results, items_label(layer, limit, concurrency), runs, args.rounds)


def same_tile_check(db, servers: dict[str, Server]) -> None:
    """One tile per layer and zoom from every side, decoded: do they carry the same features?"""
    import psycopg2

    print("\nSame-tile check, features in the tile at the district's centre (tipg selects no "
          "features from the buffer margin):")
    with psycopg2.connect(db.cluster.libpq_dsn(db.name)) as conn, conn.cursor() as cur:
        for z in ZOOMS:
            for tile in centre_tiles(z):
                counts = {FLOOR: _features(floor_tile(cur, tile))}
                for side, path in ((URBANMAP, urbanmap_tile), (TIPG, tipg_tile)):
                    if side in servers:
                        counts[side] = _served_features(servers[side].base + path(tile))
                shown = ", ".join(f"{side} {count}" for side, count in counts.items())
                print(f"  {tile.layer} {z}/{tile.x}/{tile.y}: {shown}")


def _served_features(url: str) -> int | str:
    import httpx

    try:
        response = httpx.get(url, timeout=300)  # httpx un-gzips it
    except httpx.HTTPError as error:
        return type(error).__name__
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    return _features(response.content)


def _features(tile: bytes) -> int | str:
    import mapbox_vector_tile

    try:
        return sum(len(layer["features"]) for layer in mapbox_vector_tile.decode(tile).values())
    except Exception as error:  # a broken tile is a finding, not a crash
        return f"undecodable ({type(error).__name__})"


# -- the report ------------------------------------------------------------------------

@dataclass(frozen=True)
class Goal:
    name: str
    ours: tuple[str, str]
    theirs: tuple[str, str]
    target: float | None  # None: shown for information

    def verdict(self, results: Results) -> tuple[str, str, str]:
        """(measured, ratio, verdict) as printed."""
        ours, theirs = results.get(self.ours), results.get(self.theirs)
        if ours is None or theirs is None:
            return "-", "-", "NOT MEASURED"
        measured = f"{ours.rate:,.1f} / {theirs.rate:,.1f} req/s"
        if ours.errors or theirs.errors or not ours.rate or not theirs.rate:
            return measured, "-", f"INVALID ({ours.errors + theirs.errors} errors)"
        ratio = ours.rate / theirs.rate
        if self.target is None:
            return measured, f"{ratio:.2f}x", "info"
        return measured, f"{ratio:.2f}x", "MET" if ratio >= self.target else "MISSED"


def goals() -> list[Goal]:
    listed = []
    for z, c in itertools.product(ZOOMS, CONCURRENCY):
        label = tile_label(z, c)
        listed.append(Goal(f"uncached z{z} c{c}: urbanmap / tipg", (label, UNCACHED),
                           (label, TIPG), GOAL_UNCACHED_Z16 if z == 16 else None))
        listed.append(Goal(f"uncached z{z} c{c}: urbanmap / SQL floor", (label, UNCACHED),
                           (label, FLOOR), GOAL_FLOOR_Z12 if z == 12 else None))
    for z, c in itertools.product(ZOOMS, CONCURRENCY):
        label = tile_label(z, c)
        listed.append(Goal(f"cached z{z} c{c}: urbanmap / tipg", (label, URBANMAP),
                           (label, TIPG), GOAL_CACHED))
    for layer, limit, c in itertools.product(ITEM_LAYERS, ITEM_LIMITS, CONCURRENCY):
        label = items_label(layer, limit, c)
        listed.append(Goal(f"items {layer} limit {limit} c{c}: urbanmap / tipg",
                           (label, URBANMAP), (label, TIPG), GOAL_ITEMS))
    return listed


def print_measurements(results: Results) -> None:
    header = (f"{'measurement':<32}{'side':<19}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
              f"{'requests':>10}{'errors':>8}{'MB/s':>7}{'client CPU':>11}")
    print("\n" + header + "\n" + "-" * len(header))
    previous = None
    for (label, side), s in results.items():
        shown = label if label != previous else ""
        previous = label
        print(f"{shown:<32}{side:<19}{s.rate:>10,.1f}{s.percentile(50):>9.1f}"
              f"{s.percentile(99):>9.1f}{len(s.latencies):>10,}{s.errors:>8}"
              f"{s.received / 2**20 / max(s.seconds, 1e-9):>7.1f}"
              f"{100 * s.cpu / max(s.seconds, 1e-9):>10.0f}%")
    print("client CPU: the load generator's own CPU time over wall time (100% = one core).")


def print_goals(results: Results) -> None:
    header = f"{'comparison':<48}{'measured':>30}{'ratio':>8}{'goal':>8}  verdict"
    print("\n" + header + "\n" + "-" * (len(header) + 8))
    for goal in goals():
        measured, ratio, verdict = goal.verdict(results)
        target = f">={goal.target:g}x" if goal.target is not None else "-"
        print(f"{goal.name:<48}{measured:>30}{ratio:>8}{target:>8}  {verdict}")


# -- the run ---------------------------------------------------------------------------

def versions(venv: Path, packages: tuple[str, ...]) -> str:
    code = ("import importlib.metadata as m, sys; print(', '.join(f'{p} ' + m.version(p) "
            "for p in sys.argv[1:]))")
    found = subprocess.run([str(venv / "bin" / "python"), "-c", code, *packages],
                           capture_output=True, text=True)
    return found.stdout.strip() or f"(not found: {found.stderr.strip()[-200:]})"


def conditions(db, args: argparse.Namespace, counts: dict[str, int],
               tiles: dict[int, list[Tile]]) -> str:
    server, postgis = db.sql("SELECT current_setting('server_version'), postgis_lib_version()")[0]
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    per_zoom = ", ".join(f"z{z} {len(t)}" for z, t in tiles.items())
    tipg = versions(TIPG_VENV, ("tipg", "fastapi", "starlette", "uvicorn", *SERVER_EXTRAS,
                                "asyncpg"))
    ours = versions(ROOT / ".venv", ("fastapi", "starlette", "uvicorn", *SERVER_EXTRAS,
                                     "sqlalchemy", "psycopg2-binary"))
    return "\n".join([
        f"date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GB RAM, "
        f"Linux {platform.release()}, Python {platform.python_version()}",
        f"PostgreSQL {server}; PostGIS {postgis}; embedded LocalPostgis(ephemeral=False), "
        "shared_buffers 256MB, one database for every side",
        f"tipg side (.venv-tipg): {tipg}",
        f"urbanmap side (.venv): {ours}",
        "client: asyncio streams, one keep-alive HTTP/1.1 connection per concurrent request, "
        "on the same machine",
        f"servers: uvicorn --workers {args.workers} --loop {SERVER_LOOP} --http {SERVER_HTTP} "
        "--no-access-log (auto: uvloop and httptools, installed on both sides, as `urbanmap "
        "serve` runs) on 127.0.0.1, all three running throughout; their shared socket made "
        "IPPROTO_TCP so accepted connections get TCP_NODELAY (see run_uvicorn: without it "
        "every response waits ~40 ms for a delayed ACK, on both sides)",
        f"data: {', '.join(f'{layer} {n:,}' for layer, n in counts.items())} features "
        f"({POINTS_LAYER}: those of {args.points:,} generated points inside the district)",
        f"tile requests per pass: {per_zoom} (every tile covering DISTRICT_7_BBOX_WGS84 x "
        f"{', '.join(TILE_LAYERS)}{', sampled (--quick)' if args.quick else ''}); concurrency "
        f"{', '.join(map(str, CONCURRENCY))}; {args.seconds:g} s per measurement"
        + (f", {args.rounds} rounds per side in alternating order, the median kept"
           if args.rounds > 1 else ""),
    ])


SIDES = """\
urbanmap uncached: `uncached_app`, urbanmap's own app whose tile cache stores nothing
  (TileCache(max_bytes=-1)): each request renders (ST_AsMVT; lines and polygons
  ST_Simplify'd to a pixel below z16; the same statement reads the data versions, since a
  tile missing under the versions read last needs no read of its own) and gzips.
  /tiles/{layer}/{z}/{x}/{y}.pbf
urbanmap cached: `server:create_app` as shipped, after %(passes)s warm passes over the list
  (each worker has its own cache): the data versions (one read shared by the requests
  arriving together, geo.versions), then gzip bytes from memory.
tipg: tipg.main:app, defaults except TIPG_MAX_FEATURES_PER_TILE=50000, asked for
  /collections/public.{table}/tiles/WebMercatorQuad/{z}/{x}/{y}?geom-column=geom_3857
  &properties=<urbanmap's public properties>&limit=<urbanmap's feature cap>: the same stored
  3857 column (tipg's ST_Transform to 3857 is then a no-op), the same columns, the same cap.
  tipg keeps its own choices: buffer 256, ORDER BY the primary key before LIMIT, no
  simplification, no server-side cache, gzip by starlette-cramjam per response. Its
  catalog refreshes every 300 s (TIPG_CATALOG_TTL default) inside a request.
Pools are each side's default: tipg asyncpg 1-10 connections per worker; urbanmap
  SQLAlchemy URBANMAP_DB_POOL_SIZE (default 40, +10 overflow) per worker; its tile and
  items routes async, their database work in a thread pool as large as the connection pool,
  the data versions read on the event loop (psycopg2's asynchronous mode), tiles rendered
  through a PL/pgSQL function of the statement made on each connection (planned once).
items: /collections/{layer}/items?limit&offset against tipg's with geom-column=geom and the
  same properties; ten offsets within the first ten pages, the same for both. GeoJSON, gzip.
SQL floor: per tile, in the database over psycopg2 (one connection per thread, as many
  threads as the concurrency): SELECT ST_AsMVT(q, layer, 4096, 'mvt_geom', 'fid') FROM
  (SELECT fid, <properties>, ST_AsMVTGeom(geom_3857, ST_TileEnvelope(z,x,y), 4096, 64, true)
  FROM <table> WHERE geom_3857 && ST_TileEnvelope(z,x,y, margin) LIMIT <cap>) q: urbanmap's
  tile without simplification, compression or HTTP; the bytes are fetched to the client.
Each measurement opens its connections evenly over the server's worker processes, as a
  load balancer would (http_load: a connection a worker has too many of is opened again;
  shown as "connections 4/4"): left to uvicorn's shared socket, one worker sometimes took
  all 8 and the server ran at ~60 %% for that measurement.
All HTTP requests send Accept-Encoding: gzip; latency = request sent to last byte received
(not decompressed); requests/s counts 200 responses only; warm-up requests are excluded."""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="uvicorn workers for each server (default: cores)")
    parser.add_argument("--seconds", type=float, default=10.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure each side this many times, alternating the order, and "
                             "keep the median (default 1)")
    parser.add_argument("--points", type=int,
                        help=f"points to generate for {POINTS_LAYER} (default 200,000)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 1 s, at most 8 tiles per layer and zoom, 5,000 points "
                             "unless --points says otherwise")
    args = parser.parse_args()
    args.cached_warm_passes = CACHED_WARM_PASSES
    if args.quick:
        args.seconds, args.cached_warm_passes = 1.0, 2
    if args.points is None:
        args.points = 5_000 if args.quick else 200_000
    return args


def main() -> None:
    from geo.localdb import LocalPostgis

    args = parse_args()
    home = Path(tempfile.mkdtemp(prefix="urbanmap-bench-pg-"))
    workdir = Path(tempfile.mkdtemp(prefix="urbanmap-bench-files-"))
    servers: dict[str, Server] = {}
    try:
        db = start_database(home)
        load_data(db, workdir, args.points)
        servers = start_servers(db, args.workers, workdir)
        benchmark(db, servers, args)
    except Exception:  # a measurement: say what broke, exit 0
        traceback.print_exc()
        print("\n!! the benchmark did not complete (see above)")
    finally:
        for server in servers.values():
            server.stop()
        LocalPostgis(home).stop()  # also when it started but the load failed
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)


def benchmark(db, servers: dict[str, Server], args: argparse.Namespace) -> None:
    most = 8 if args.quick else None
    tiles = {z: district_tiles(z, most) for z in ZOOMS}
    counts = feature_counts(db, tuple(dict.fromkeys(TILE_LAYERS + ITEM_LAYERS)))
    print(conditions(db, args, counts, tiles))
    print(SIDES % {"passes": args.cached_warm_passes}, flush=True)
    same_tile_check(db, servers)
    print("\nWarming the database: every tile once as SQL …", flush=True)
    sql_floor(db, [t for z in ZOOMS for t in tiles[z]], 2, None)
    results: Results = {}
    measure_tiles(results, db, servers, tiles, args)
    measure_items(results, servers, counts, args)
    print_measurements(results)
    print_goals(results)


if __name__ == "__main__":
    main()
