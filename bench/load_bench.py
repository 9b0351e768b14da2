"""Loading benchmark: `urbanmap load` against `ogr2ogr -f PostgreSQL` (COPY) on the same files.

    .venv/bin/python bench/load_bench.py [--points 1000000] [--polygons 200000] [--repeat 1]
                                         [--formats fgb,gpkg] [--scale] [--profile]

It starts its own PostGIS (an embedded LocalPostgis in a temporary directory, durable:
fsync and synchronous_commit on), generates deterministic District 7 files once, then for
each file runs both loaders as child processes in the same database, alternating which goes
first, and prints features/second, the ratio urbanmap/ogr2ogr against the goal (>= 0.8) and
each child's peak RSS against the 1 GB limit. `--scale` loads points files of 0.5x, 1x and
2x the size to show urbanmap's peak memory does not grow with the file. `--profile` runs one
urbanmap load in-process under cProfile and times every SQL statement, to say where the
time goes. A measurement, not a test: it always exits 0 and is never collected by pytest.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_RATIO = 0.8
MEMORY_LIMIT_MB = 1024
DATABASE = "bench_load"
SEED = 20261123

STREETS = ("Nguyễn Thị Thập", "Huỳnh Tấn Phát", "Nguyễn Văn Linh", "Lê Văn Lương",
           "Nguyễn Hữu Thọ", "Trần Xuân Soạn", "Lâm Văn Bền", "Phạm Hữu Lầu", "Tân Mỹ",
           "Nguyễn Lương Bằng", "Đường số 17", "Hoàng Quốc Việt")
WARDS = ("Tân Phong", "Tân Phú", "Tân Quy", "Tân Kiểng", "Tân Hưng", "Bình Thuận",
         "Phú Thuận", "Phú Mỹ", "Tân Thuận Đông", "Tân Thuận Tây")
CHAINS = (("Circle K", "Công ty TNHH Vòng Tròn Đỏ"), ("FamilyMart", "Công ty CP FamilyMart VN"),
          ("Bách hóa Xanh", "Công ty CP Thương mại Bách hóa Xanh"),
          ("Co.op Food", "Liên hiệp HTX Thương mại TP.HCM"), ("Ministop", "Công ty TNHH Ministop"),
          ("GS25", "Công ty TNHH GS Retail Việt Nam"), ("Tạp hóa cô Bảy", "Hộ kinh doanh"))
PARKS = ("Công viên", "Vườn hoa", "Mảng xanh", "Sân chơi", "Cây xanh ven kênh")
KINDS = ("park", "garden", "grass", "playground", "forest")


# -- the input files -----------------------------------------------------------------

def _pick(rng: np.random.Generator, words: tuple[str, ...], n: int) -> np.ndarray:
    return np.asarray(words, dtype=object)[rng.integers(0, len(words), n)]


def _numbers(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    return rng.integers(low, high, n).astype(str).astype(object)


def _in_bbox(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes spread uniformly over District 7's bounding box."""
    from geo.crs import DISTRICT_7_BBOX_WGS84

    xmin, ymin, xmax, ymax = DISTRICT_7_BBOX_WGS84
    return rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n)


def point_frame(n: int, seed: int = SEED):
    """`n` convenience stores in EPSG:4326 with Vietnamese text (vectorised, deterministic)."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    lon, lat = _in_bbox(rng, n)
    chain = rng.integers(0, len(CHAINS), n)
    brands = np.asarray([c[0] for c in CHAINS], dtype=object)
    owners = np.asarray([c[1] for c in CHAINS], dtype=object)
    street, ward = _pick(rng, STREETS, n), _pick(rng, WARDS, n)
    house = _numbers(rng, n, 1, 1200)
    attributes = {
        "id": np.arange(1, n + 1, dtype=np.int64),
        "name": brands[chain] + " " + street + " " + house,
        "address": house + " " + street + ", Phường " + ward + ", Quận 7, TP. Hồ Chí Minh",
        "phone": "028 " + _numbers(rng, n, 3000_0000, 3999_9999),
        "opening_hours": np.where(rng.random(n) < 0.6, "24/7", "Mo-Su 06:00-23:00").astype(object),
        "operator": owners[chain],
    }
    return gpd.GeoDataFrame(attributes, geometry=shapely.points(lon, lat), crs="EPSG:4326")


def _shapes(rng: np.random.Generator, x: np.ndarray, y: np.ndarray, sides: int) -> np.ndarray:
    """Regular polygons (squares, hexagons) 20–60 m across, randomly turned, around (x, y)."""
    import shapely

    radius = rng.uniform(10.0, 30.0, len(x))[:, None]
    turn = rng.uniform(0, 2 * np.pi, len(x))[:, None]
    angles = turn + np.linspace(0, 2 * np.pi, sides + 1)[None, :]
    angles[:, -1] = angles[:, 0]  # closed ring, exactly
    ring = np.stack([x[:, None] + radius * np.cos(angles), y[:, None] + radius * np.sin(angles)],
                    axis=-1)
    return shapely.polygons(ring)


def polygon_frame(n: int, seed: int = SEED):
    """`n` small green spaces in EPSG:32648 (UTM 48N), half squares, half hexagons."""
    import geopandas as gpd
    from pyproj import Transformer

    rng = np.random.default_rng(seed + 1)
    lon, lat = _in_bbox(rng, n)
    x, y = Transformer.from_crs(4326, 32648, always_xy=True).transform(lon, lat)
    hexagon = rng.random(n) < 0.5
    geometries = np.empty(n, dtype=object)
    geometries[hexagon] = _shapes(rng, x[hexagon], y[hexagon], 6)
    geometries[~hexagon] = _shapes(rng, x[~hexagon], y[~hexagon], 4)
    attributes = {
        "id": np.arange(1, n + 1, dtype=np.int64),
        "name": _pick(rng, PARKS, n) + " " + _pick(rng, STREETS, n) + " "
        + _numbers(rng, n, 1, 500),
        "kind": _pick(rng, KINDS, n),
        "public_access": rng.random(n) < 0.7,
    }
    return gpd.GeoDataFrame(attributes, geometry=geometries, crs="EPSG:32648")


def write_input(frame, path: Path) -> Path:
    import pyogrio

    if not path.exists():
        driver = {".fgb": "FlatGeobuf", ".gpkg": "GPKG"}[path.suffix]
        pyogrio.write_dataframe(frame, path, driver=driver, layer=path.stem)
    return path


# -- the database --------------------------------------------------------------------

@dataclass
class Database:
    cluster: object  # geo.localdb.LocalPostgis
    name: str

    @property
    def libpq_url(self) -> str:  # what a user puts in DATABASE_URL
        return f"postgresql://urbanmap@/{self.name}?host={self.cluster.socket_dir}"

    @property
    def ogr_dsn(self) -> str:
        return "PG:" + self.cluster.libpq_dsn(self.name)

    def sql(self, statement: str) -> list[tuple]:
        with self.cluster.cursor(self.name) as cur:
            cur.execute(statement)
            return cur.fetchall() if cur.description else []


@contextmanager
def bench_database() -> Iterator[Database]:
    """A durable embedded PostGIS in a temporary directory, stopped and removed after."""
    home = Path(tempfile.mkdtemp(prefix="urbanmap-bench-pg-"))
    db = start_database(home)
    try:
        yield db
    finally:
        db.cluster.stop()
        shutil.rmtree(home, ignore_errors=True)


def start_database(home: Path) -> Database:
    from geo.localdb import LocalPostgis

    cluster = LocalPostgis(home, ephemeral=False)
    cluster.start()
    db = Database(cluster, DATABASE)
    new_database(db)
    return db


def new_database(db: Database) -> None:
    """A new, migrated database: every layer table empty and never analyzed, as on day one.

    A TRUNCATEd table is not the same: once autovacuum has analyzed it empty, the publish
    INSERT goes quadratic (see RESULTS.md), which would measure that bug, not the loader.
    """
    from geo import migrate
    from geo.db import make_engine

    engine = make_engine(db.cluster.create_database(db.name))
    migrate.upgrade(engine)
    engine.dispose()


# -- running and measuring a child ---------------------------------------------------

@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float
    output: str


# A bare interpreter (python -S, ~5 MB) forks and execs the command and reports its wait4(2)
# usage. Measuring from this process instead would be wrong: subprocess starts children with
# vfork, and Linux carries the address space's high-water mark across exec, so every child
# would report at least this process's own peak RSS (/bin/true "used" 426 MB here).
LAUNCHER = """import os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{time.perf_counter() - started} {usage.ru_maxrss} "
              f"{usage.ru_utime + usage.ru_stime} {os.waitstatus_to_exitcode(status)}")
"""


def run_child(command: list[str], env: dict[str, str] | None = None) -> Run:
    """Run `command`: its wall time, and its own peak RSS and CPU time as the kernel counts them."""
    with tempfile.NamedTemporaryFile("r") as usage, tempfile.TemporaryFile() as out:
        subprocess.run([sys.executable, "-S", "-c", LAUNCHER, usage.name, *command],
                       stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
                       check=True)
        seconds, maxrss_kb, cpu, code = usage.read().split()
        out.seek(0)
        output = out.read().decode(errors="replace")
    if int(code) != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({code}):\n{output}")
    return Run(float(seconds), int(maxrss_kb) / 1024, float(cpu), output)


@dataclass(frozen=True)
class Dataset:
    label: str
    layer: str
    path: Path
    features: int
    polygons: bool

    @property
    def ogr_table(self) -> str:
        return f"ogr_{self.layer}"


def urbanmap_command(dataset: Dataset) -> list[str]:
    return [str(ROOT / ".venv" / "bin" / "urbanmap"), "load", dataset.layer, str(dataset.path)]


def ogr_command(db: Database, dataset: Dataset) -> list[str]:
    command = ["ogr2ogr", "-f", "PostgreSQL", db.ogr_dsn, str(dataset.path),
               "-nln", dataset.ogr_table, "-t_srs", "EPSG:32648", "-lco", "GEOMETRY_NAME=geom",
               "-lco", "SPATIAL_INDEX=GIST", "-overwrite", "--config", "PG_USE_COPY", "YES",
               "-gt", "65536"]
    return command + (["-nlt", "PROMOTE_TO_MULTI"] if dataset.polygons else [])


def run_urbanmap(db: Database, dataset: Dataset, fresh: bool) -> Run:
    """`urbanmap load` as a user runs it; `fresh` loads into a new database (all inserts)."""
    if fresh:
        new_database(db)
    db.sql("CHECKPOINT")  # start every run with no dirty pages left by the one before
    run = run_child(urbanmap_command(dataset), {"DATABASE_URL": db.libpq_url})
    _expect_rows(db, dataset.layer, dataset.features, run)
    return run


def run_ogr2ogr(db: Database, dataset: Dataset) -> Run:
    db.sql(f"DROP TABLE IF EXISTS {dataset.ogr_table}")
    db.sql("CHECKPOINT")
    run = run_child(ogr_command(db, dataset), {"PG_USE_COPY": "YES"})
    _expect_rows(db, dataset.ogr_table, dataset.features, run)
    return run


def to_urbanmap_end_state(db: Database, dataset: Dataset) -> float:
    """Seconds to give ogr2ogr's table what urbanmap's has and ogr2ogr does not make: the
    stored Web Mercator copy with its GiST index, a unique source-id index, stored areas."""
    table, kind = dataset.ogr_table, "MultiPolygon" if dataset.polygons else "Point"
    area = (", ADD COLUMN area_m2 float8 GENERATED ALWAYS AS (ST_Area(geom)) STORED"
            if dataset.polygons else "")
    started = time.perf_counter()
    db.sql(f"ALTER TABLE {table} ADD COLUMN geom_3857 geometry({kind}, 3857) GENERATED ALWAYS "
           f"AS (ST_Transform(geom, 3857)) STORED{area}; "
           f"CREATE INDEX ON {table} USING gist (geom_3857); "
           f'CREATE UNIQUE INDEX ON {table} ((id::text COLLATE "C"))')
    return time.perf_counter() - started


def _expect_rows(db: Database, table: str, expected: int, run: Run) -> None:
    count = db.sql(f"SELECT count(*) FROM {table}")[0][0]
    if count != expected:
        print(f"!! {table} holds {count} rows after the load, expected {expected}:\n"
              f"{run.output}")


# -- the comparison ------------------------------------------------------------------

@dataclass
class Result:
    dataset: Dataset
    urbanmap: list[Run]
    reload: list[Run]
    ogr: list[Run]
    ogr_end_state: list[float]  # ogr2ogr's seconds plus to_urbanmap_end_state's


def compare(db: Database, dataset: Dataset, repeat: int) -> Result:
    """Alternate the order each round: urbanmap first in even rounds, ogr2ogr in odd ones."""
    result = Result(dataset, [], [], [], [])
    for round_no in range(repeat):
        order = ("urbanmap", "ogr2ogr") if round_no % 2 == 0 else ("ogr2ogr", "urbanmap")
        for side in order:
            if side == "urbanmap":
                runs = [run_urbanmap(db, dataset, fresh=True), run_urbanmap(db, dataset, False)]
                result.urbanmap.append(runs[0])
                result.reload.append(runs[1])
            else:
                runs = [run_ogr2ogr(db, dataset)]
                result.ogr.append(runs[0])
                result.ogr_end_state.append(runs[0].seconds + to_urbanmap_end_state(db, dataset))
            figures = ", re-load ".join(f"{r.seconds:.1f} s, {r.peak_rss_mb:.0f} MB" for r in runs)
            if side == "ogr2ogr":
                figures += f"; + urbanmap's end state {result.ogr_end_state[-1]:.1f} s"
            print(f"  {dataset.label} round {round_no + 1}: {side} {figures}", flush=True)
    return result


def _median(runs: list[Run], attribute: str) -> float:
    return statistics.median(getattr(run, attribute) for run in runs)


def print_table(results: list[Result]) -> None:
    header = (f"{'dataset':<16}{'features':>10}{'urbanmap f/s':>13}{'ogr2ogr f/s':>12}"
              f"{'ratio':>6}{'goal':>6}{'RSS urbanmap':>13}{'RSS ogr2ogr':>12}"
              f"{'re-load f/s':>12}{'ogr2ogr+ f/s':>13}{'ratio+':>7}")
    print("\n" + header + "\n" + "-" * len(header))
    for r in results:
        n = r.dataset.features
        ours, theirs = n / _median(r.urbanmap, "seconds"), n / _median(r.ogr, "seconds")
        same = n / statistics.median(r.ogr_end_state)
        print(f"{r.dataset.label:<16}{n:>10,}{ours:>13,.0f}{theirs:>12,.0f}"
              f"{ours / theirs:>6.2f}{'>=0.8':>6}{_median(r.urbanmap, 'peak_rss_mb'):>10.0f} MB"
              f"{_median(r.ogr, 'peak_rss_mb'):>9.0f} MB{n / _median(r.reload, 'seconds'):>12,.0f}"
              f"{same:>13,.0f}{ours / same:>7.2f}")
    print("ratio = urbanmap/ogr2ogr features per second (the goal); ogr2ogr+ = ogr2ogr plus the "
          "SQL that gives its table\nurbanmap's end state (geom_3857 + GiST, unique id index, "
          "area_m2), for information; RSS = peak, median of runs.\n")
    for r in results:
        print(verdict(r))


def verdict(r: Result) -> str:
    n, ours, theirs = r.dataset.features, _median(r.urbanmap, "seconds"), _median(r.ogr, "seconds")
    ratio = theirs / ours
    rss = max(run.peak_rss_mb for run in r.urbanmap + r.reload)
    speed = "met" if ratio >= GOAL_RATIO else "MISSED"
    memory = "met" if rss < MEMORY_LIMIT_MB else "MISSED"
    return (f"{r.dataset.label}: speed goal {speed}: urbanmap {ours:.1f} s vs ogr2ogr "
            f"{theirs:.1f} s for {n:,} features = {ratio:.2f}x its rate (goal >= {GOAL_RATIO}x)."
            f"\n  memory goal {memory}: peak RSS {rss:.0f} MB (limit {MEMORY_LIMIT_MB} MB). "
            f"Client CPU: urbanmap {_median(r.urbanmap, 'cpu_seconds'):.1f} s, ogr2ogr "
            f"{_median(r.ogr, 'cpu_seconds'):.1f} s. Idempotent re-load "
            f"{_median(r.reload, 'seconds'):.1f} s.")


# -- the memory claim ----------------------------------------------------------------

def scale_check(db: Database, workdir: Path, points: int) -> None:
    """Peak RSS of fresh urbanmap loads of 0.5x, 1x and 2x `points`: flat if batches bound it."""
    print("\nScale check (urbanmap load convenience_stores, fresh, FlatGeobuf):")
    print(f"{'features':>10}{'seconds':>9}{'features/s':>12}{'peak RSS':>12}")
    for size in (points // 2, points, points * 2):
        path = write_input(point_frame(size), workdir / f"points_{size}.fgb")
        dataset = Dataset(f"points {size}", "convenience_stores", path, size, False)
        run = run_urbanmap(db, dataset, fresh=True)
        print(f"{size:>10,}{run.seconds:>9.1f}{size / run.seconds:>12,.0f}"
              f"{run.peak_rss_mb:>9.0f} MB", flush=True)
        path.unlink()


# -- the run -------------------------------------------------------------------------

def conditions(db: Database, args: argparse.Namespace) -> str:
    import pandas
    import pyarrow
    import pyogrio
    import pyproj
    import shapely

    server, postgis = db.sql("SELECT current_setting('server_version'), postgis_lib_version()")[0]
    ogr = subprocess.run(["ogr2ogr", "--version"], capture_output=True, text=True).stdout.strip()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return "\n".join([
        f"date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GB RAM, "
        f"Linux {platform.release()}, Python {platform.python_version()}",
        f"PostgreSQL {server}; PostGIS {postgis}; {ogr} (Debian gdal-bin); "
        f"pyogrio {pyogrio.__version__} (GDAL {pyogrio.__gdal_version_string__}), "
        f"shapely {shapely.__version__}, pyproj {pyproj.__version__}, pyarrow "
        f"{pyarrow.__version__}, pandas {pandas.__version__}, numpy {np.__version__}",
        "cluster: LocalPostgis(ephemeral=False): fsync on, synchronous_commit on, "
        "shared_buffers 256MB; one database for both sides; CHECKPOINT before every run",
        f"sizes: {args.points:,} points, {args.polygons:,} polygons; repeat {args.repeat} "
        "(medians; order alternates each round)",
    ])


SIDES = """\
urbanmap: `urbanmap load LAYER FILE` (DATABASE_URL set), the whole command: start-up,
  connect, migration check, read in Arrow batches of 20,000, reproject points 4326->32648
  (polygons are already in 32648), NFC text, binary COPY. Fresh (into a new, migrated
  database): straight into the layer's table with its indexes and key dropped, validation
  there, then the key, a GiST index on geom and on the stored ST_Transform(geom, 3857)
  column, and the unique btree on source_id (COLLATE "C"), which is also the repeated-id
  check; polygons also get a stored ST_Area. Re-load (the same file again, nothing
  changes): COPY to a temporary staging table, validation, one join pairing staged rows
  with the layer's features by source id (and whether they changed), then UPDATE changed,
  DELETE absent, INSERT new. Both end with the load log, in one transaction.
ogr2ogr: {ogr}
  -t_srs EPSG:32648, COPY in transactions of 65,536 rows into a new table, one GiST index on
  geom; polygons promoted to MultiPolygon. No validation, no 3857 copy, no source-id index.
ogr2ogr+: the same, then (timed with it) ALTER TABLE ADD geom_3857 GENERATED AS
  (ST_Transform(geom, 3857)) STORED (+ area_m2 for polygons), a GiST index on it and a unique
  index on (id::text COLLATE "C"): urbanmap's end state without validation or matching.
Peak RSS: the loader process's own ru_maxrss from wait4(2), taken by a bare launcher (python -S)
  that forks and execs it: the kernel's exact high-water mark (no sampling gap, unlike polling;
  floor ~5 MB). Neither loader starts children; the PostgreSQL backend serving each side is not
  counted (same server settings for both)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--polygons", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--formats", default="fgb", help="comma-separated: fgb, gpkg")
    parser.add_argument("--scale", action="store_true", help="also 0.5x/1x/2x memory check")
    parser.add_argument("--profile", action="store_true", help="also profile one load")
    parser.add_argument("--workdir", type=Path, help="keep input files here (default: temp)")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="urbanmap-bench-files-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        with bench_database() as db:
            benchmark(db, workdir, args)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def benchmark(db: Database, workdir: Path, args: argparse.Namespace) -> None:
    print(conditions(db, args), flush=True)
    datasets = make_datasets(workdir, args)
    example = ogr_command(db, datasets[0])
    shown = ["PG_USE_COPY=YES", *example[:3], repr(example[3]), "FILE", *example[5:]]
    print(SIDES.format(ogr=" ".join(shown)), flush=True)
    results = [compare(db, dataset, args.repeat) for dataset in datasets]
    print_table(results)
    if args.profile:
        for dataset in datasets:
            from load_profile import profile_load

            profile_load(db, dataset, fresh=True)
            profile_load(db, dataset, fresh=False)
    if args.scale:
        scale_check(db, workdir, args.points)
    else:
        print("\nMemory scale check not run; run it with --scale (loads 0.5x, 1x, 2x points).")


def make_datasets(workdir: Path, args: argparse.Namespace) -> list[Dataset]:
    started = time.perf_counter()
    points, polygons = point_frame(args.points), polygon_frame(args.polygons)
    datasets = []
    for suffix in args.formats.split(","):
        for frame, layer, is_polygon in ((points, "convenience_stores", False),
                                         (polygons, "green_spaces", True)):
            if not len(frame):  # --points 0 or --polygons 0: that kind is not benchmarked
                continue
            kind = "polygons" if is_polygon else "points"
            # The size is in the name: a kept --workdir never hands a run another size's file.
            path = write_input(frame, workdir / f"{kind}-{len(frame)}.{suffix}")
            datasets.append(Dataset(f"{kind} .{suffix}", layer, path, len(frame), is_polygon))
    print(f"input files written in {time.perf_counter() - started:.0f} s: "
          + ", ".join(f"{d.path.name} {d.path.stat().st_size / 2**20:.0f} MB" for d in datasets))
    return datasets


if __name__ == "__main__":
    main()
