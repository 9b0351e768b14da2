"""Export benchmark: `urbanmap export … --format gpkg` against `ogr2ogr -f GPKG` from the same
database, in the same run.

    .venv/bin/python bench/export_bench.py [--points 1000000] [--polygons 200000] [--repeat 3]
                                           [--crs utm48n,wgs84]

It starts its own PostGIS (an embedded LocalPostgis in a temporary directory, durable, as
load_bench.py does), loads load_bench's deterministic District 7 layers with `urbanmap load`
(convenience stores as points, green spaces as polygons: the largest layers a district
holds), then exports each layer to GeoPackage with both tools as child processes, order
alternating each round, and prints the median seconds, the ratio urbanmap/ogr2ogr against
the goal (at most 1.5x ogr2ogr's time) and each child's peak RSS. Both sides write the same
columns (fid, the layer's properties, the geometry) in the same CRS: ogr2ogr reads them with
`-sql`, reprojecting with `-t_srs` when the CRS is not the storage one. A measurement, not a
test: it always exits 0 and is never collected by pytest.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load_bench import (  # noqa: E402 - the sibling benchmark, found through sys.path
    Database,
    Run,
    _median,
    bench_database,
    conditions,
    point_frame,
    polygon_frame,
    run_child,
    write_input,
)

GOAL = 1.5  # urbanmap's time at most 1.5x ogr2ogr's
# ogr2ogr's -t_srs for each CRS: for the HCMC zone, the same definition with the official
# VN-2000 shift that urbanmap uses (geo.crs.VN2000_HCM_PROJ), so both move the data alike.
OGR_T_SRS = {"utm48n": None, "wgs84": "EPSG:4326", "vn2000-hcm": None}


@dataclass(frozen=True)
class Layer:
    id: str
    label: str
    features: int


@dataclass
class Measured:
    layer: Layer
    crs: str
    urbanmap: list[Run] = field(default_factory=list)
    ogr: list[Run] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)


def load_layers(db: Database, workdir: Path, points: int, polygons: int) -> list[Layer]:
    """The layers, loaded as a user loads them (urbanmap load), timed for information."""
    layers = []
    for frame, layer_id, label in ((point_frame(points), "convenience_stores", "points"),
                                   (polygon_frame(polygons), "green_spaces", "polygons")):
        path = write_input(frame, workdir / f"{label}.fgb")
        started = time.perf_counter()
        run_child([str(ROOT / ".venv" / "bin" / "urbanmap"), "load", layer_id, str(path)],
                  {"DATABASE_URL": db.libpq_url})
        count = db.sql(f"SELECT count(*) FROM {layer_id}")[0][0]
        print(f"loaded {count:,} {label} as {layer_id} in {time.perf_counter() - started:.0f} s",
              flush=True)
        layers.append(Layer(layer_id, label, count))
    db.sql("VACUUM ANALYZE")
    return layers


def urbanmap_command(layer: Layer, crs: str, out: Path) -> list[str]:
    return [str(ROOT / ".venv" / "bin" / "urbanmap"), "export", layer.id, "--format", "gpkg",
            "--crs", crs, "--out", str(out)]


def ogr_command(db: Database, layer: Layer, crs: str, out: Path) -> list[str]:
    from geo.crs import VN2000_HCM_PROJ
    from layers import REGISTRY

    columns = ", ".join(["fid", "geom", *REGISTRY[layer.id].property_names])
    command = ["ogr2ogr", "-f", "GPKG", str(out), db.ogr_dsn, "-sql",
               f"SELECT {columns} FROM {layer.id}", "-nln", layer.id]
    target = VN2000_HCM_PROJ if crs == "vn2000-hcm" else OGR_T_SRS[crs]
    return command + (["-t_srs", target] if target else [])


def run_side(db: Database, side: str, layer: Layer, crs: str, out: Path) -> Run:
    out.unlink(missing_ok=True)
    out.with_suffix(".metadata.json").unlink(missing_ok=True)
    command = urbanmap_command(layer, crs, out) if side == "urbanmap" else \
        ogr_command(db, layer, crs, out)
    run = run_child(command, {"DATABASE_URL": db.libpq_url})
    _expect_features(out, layer, run)
    return run


def _expect_features(path: Path, layer: Layer, run: Run) -> None:
    import pyogrio

    count = pyogrio.read_info(path, layer=layer.id)["features"]
    if count != layer.features:
        print(f"!! {path.name} holds {count} features, expected {layer.features}:\n{run.output}")


def compare(db: Database, layer: Layer, crs: str, repeat: int, workdir: Path) -> Measured:
    measured = Measured(layer, crs)
    for round_no in range(repeat):
        order = ("urbanmap", "ogr2ogr") if round_no % 2 == 0 else ("ogr2ogr", "urbanmap")
        for side in order:
            out = workdir / f"{side}-{layer.label}-{crs}.gpkg"
            run = run_side(db, side, layer, crs, out)
            (measured.urbanmap if side == "urbanmap" else measured.ogr).append(run)
            measured.sizes[side] = out.stat().st_size
            print(f"  {layer.label} {crs} round {round_no + 1}: {side} {run.seconds:.1f} s, "
                  f"{run.peak_rss_mb:.0f} MB", flush=True)
    return measured


def report(results: list[Measured]) -> None:
    header = (f"{'layer':<10}{'crs':<11}{'features':>10}{'urbanmap s':>11}{'ogr2ogr s':>10}"
              f"{'ratio':>7}{'goal':>6}{'RSS urbanmap':>13}{'RSS ogr2ogr':>12}"
              f"{'GPKG MB u/o':>13}")
    print("\n" + header + "\n" + "-" * len(header))
    for m in results:
        ours, theirs = _median(m.urbanmap, "seconds"), _median(m.ogr, "seconds")
        print(f"{m.layer.label:<10}{m.crs:<11}{m.layer.features:>10,}{ours:>11.1f}{theirs:>10.1f}"
              f"{ours / theirs:>7.2f}{'<=1.5':>6}{_median(m.urbanmap, 'peak_rss_mb'):>10.0f} MB"
              f"{_median(m.ogr, 'peak_rss_mb'):>9.0f} MB"
              f"{m.sizes['urbanmap'] / 2**20:>7.0f}/{m.sizes['ogr2ogr'] / 2**20:.0f}")
    print("ratio = urbanmap seconds / ogr2ogr seconds (medians); RSS = peak, median of runs.\n")
    for m in results:
        ours, theirs = _median(m.urbanmap, "seconds"), _median(m.ogr, "seconds")
        verdict = "MET" if ours / theirs <= GOAL else "MISSED"
        print(f"{m.layer.label} {m.crs}: goal {verdict}: urbanmap {ours:.1f} s vs ogr2ogr "
              f"{theirs:.1f} s for {m.layer.features:,} features = {ours / theirs:.2f}x its "
              f"time (goal <= {GOAL}x). Client CPU: urbanmap "
              f"{_median(m.urbanmap, 'cpu_seconds'):.1f} s, ogr2ogr "
              f"{_median(m.ogr, 'cpu_seconds'):.1f} s.")


SIDES = """\
urbanmap: `urbanmap export LAYER --format gpkg --crs CRS --out FILE.gpkg` (DATABASE_URL set),
  the whole command: start-up and imports, connect, migration check, one REPEATABLE READ
  transaction, COPY (SELECT fid, properties, hex WKB) TO STDOUT as CSV parsed by pyarrow in
  blocks of 8 MB, WKB decoded with numpy, written by pyogrio.write_arrow (GDAL {gdal}) as
  GeoPackage 1.2 with its R-tree, then gpkg_metadata (the sidecar), layer_styles, and
  FILE.metadata.json. wgs84: ST_Transform in PostGIS; vn2000-hcm: pyproj in the client,
  with the official shift (EPSG:6960).
ogr2ogr: {ogr} -f GPKG FILE PG:… -sql "SELECT fid, geom, properties FROM LAYER" -nln LAYER
  [-t_srs EPSG:4326, or the HCMC zone's PROJ string with +towgs84]: GDAL's PostgreSQL
  driver (a cursor, fetched in batches),
  reprojection on the client, GeoPackage with its R-tree.
Peak RSS: each child's own ru_maxrss from wait4(2) (load_bench.run_child); the PostgreSQL
  backend serving each side is not counted."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--polygons", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--crs", default="utm48n,wgs84,vn2000-hcm",
                        help="comma-separated: utm48n, wgs84, vn2000-hcm")
    args = parser.parse_args()
    args.formats = "fgb"  # for load_bench.conditions
    workdir = Path(tempfile.mkdtemp(prefix="urbanmap-export-bench-"))
    try:
        with bench_database() as db:
            benchmark(db, workdir, args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def benchmark(db: Database, workdir: Path, args: argparse.Namespace) -> None:
    import subprocess

    import pyogrio

    print(conditions(db, args).replace(
        "; one database for both sides; CHECKPOINT before every run",
        "; one database, which both sides only read (warm cache after the loads)"), flush=True)
    ogr = subprocess.run(["ogr2ogr", "--version"], capture_output=True, text=True).stdout
    print(SIDES.format(gdal=pyogrio.__gdal_version_string__, ogr=ogr.strip()), flush=True)
    layers = load_layers(db, workdir, args.points, args.polygons)
    results = [compare(db, layer, crs, args.repeat, workdir)
               for layer in layers for crs in args.crs.split(",")]
    report(results)


if __name__ == "__main__":
    main()
