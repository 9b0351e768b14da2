"""Damaged files, made by mutating good ones: a load reports or refuses, never a traceback.

A fixed set of mutations (byte flips, cuts, zeroed or repeated runs, planted integers) of
small files of every format the loaders read, with a fixed seed, so every run meets the
same files. Each bug such mutations found (a ring not closed, a coordinate PROJ gives up on,
a date of year 0, a blank id, a .prj that is not UTF-8, a damaged zip) has a test of its own
in test_load_refusals.py; this net is for what the next change breaks.

Hydrants are loaded once before, so a hydrant file goes through staging and the publish;
planning zones stay empty, so a zone file is copied straight into the layer.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from hydrant_files import LAT, LON, feature, point, write_geojson
from sqlalchemy import Engine

from geo import migrate
from geo.db import make_engine
from geo.errors import InvalidInput
from loaders.files import load_file

CASES = 120
SEED = 19
# (layer, the file a load is given, the files of the dataset a mutation may damage)
DATASETS = [
    ("hydrants", "shp/hydrants.shp", ["shp/hydrants.shp", "shp/hydrants.shx",
                                      "shp/hydrants.dbf", "shp/hydrants.prj"]),
    ("hydrants", "hydrants.zip", ["hydrants.zip"]),
    ("hydrants", "hydrants.gpkg", ["hydrants.gpkg"]),
    ("hydrants", "hydrants.kml", ["hydrants.kml"]),
    ("hydrants", "hydrants.fgb", ["hydrants.fgb"]),
    ("hydrants", "hydrants.csv", ["hydrants.csv"]),
    ("hydrants", "hydrants.geojson", ["hydrants.geojson"]),
    ("hydrants", "tab/hydrants.tab", ["tab/hydrants.tab", "tab/hydrants.dat",
                                      "tab/hydrants.map", "tab/hydrants.id"]),
    ("planning_zones", "zones/zones.shp", ["zones/zones.shp", "zones/zones.shx",
                                           "zones/zones.dbf"]),
    ("planning_zones", "zones.gpkg", ["zones.gpkg"]),
    ("planning_zones", "zones.fgb", ["zones.fgb"]),
    # a layer a ward, read as one with --layer '*' (loaders.layer_choice)
    ("hydrants", "by_ward.gpkg", ["by_ward.gpkg"]),
    ("hydrants", "by_ward.kml", ["by_ward.kml"]),
    ("hydrants", "by_ward.gdb.zip", ["by_ward.gdb.zip"]),
    ("hydrants", "by_ward.zip", ["by_ward.zip"]),  # a folder of Shapefiles a ward, in cp1258
    ("hydrants", "geojson_by_ward.zip", ["geojson_by_ward.zip"]),  # a folder of GeoJSON a ward
]
LAYER_PER_WARD = {"by_ward.gpkg", "by_ward.kml", "by_ward.gdb.zip", "by_ward.zip",
                  "geojson_by_ward.zip"}
SAME_EVERY_DAY = ["--config", "OGR_CURRENT_DATE", "2026-01-01T00:00:00Z"]  # GeoPackage


def _ogr2ogr(target: Path, source: Path, *options: str) -> None:
    subprocess.run(["/usr/bin/ogr2ogr", *SAME_EVERY_DAY, str(target), str(source), *options],
                   check=True, capture_output=True)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve hydrants and twelve zones, in each format, as GDAL writes them."""
    folder = tmp_path_factory.mktemp("seeds")
    spots = [(0.0007 * i, f"Q7-TN-{i:03}", f"2026-0{1 + i % 9}-1{i % 10}") for i in range(12)]
    hydrants = write_geojson(folder / "hydrants.geojson", [
        feature({"code": code, "status": "working", "last_inspected": day,
                 "pressure_bar": 3.5, "street": "Nguyễn Thị Thập"}, point(dx))
        for dx, code, day in spots])
    (folder / "hydrants.csv").write_text(
        "Mã trụ,Trạng thái,Ngày kiểm tra,Kinh độ,Vĩ độ\n" + "".join(
            f"{code},working,{day},{LON + dx:.7f},{LAT:.7f}\n" for dx, code, day in spots),
        encoding="utf-8")
    side = 0.0004
    zones = write_geojson(folder / "zones.geojson", [
        feature({"zone_code": f"II-{i}", "land_use_code": ("ODT", "CXT", "DGT")[i % 3],
                 "max_floors": 5 + i, "approved_on": "2024-03-15"},
                {"type": "Polygon", "coordinates": [[
                    [LON + i * side, LAT], [LON + (i + 1) * side, LAT],
                    [LON + (i + 1) * side, LAT + side], [LON + i * side, LAT + side],
                    [LON + i * side, LAT]]]})
        for i in range(12)])
    utm = ["-t_srs", "EPSG:32648"]
    shapefile = ["-lco", "ENCODING=UTF-8", "-lco", "DBF_DATE_LAST_UPDATE=2026-01-01"]
    (folder / "shp").mkdir()
    _ogr2ogr(folder / "shp/hydrants.shp", hydrants, *utm, *shapefile)
    with zipfile.ZipFile(folder / "hydrants.zip", "w") as zipped:
        for part in sorted((folder / "shp").iterdir()):
            zipped.write(part, part.name)
    _ogr2ogr(folder / "hydrants.gpkg", hydrants)
    _ogr2ogr(folder / "hydrants.kml", hydrants)
    _ogr2ogr(folder / "hydrants.fgb", hydrants)
    (folder / "tab").mkdir()
    _ogr2ogr(folder / "tab/hydrants.tab", hydrants, "-f", "MapInfo File")
    (folder / "zones").mkdir()
    _ogr2ogr(folder / "zones/zones.shp", zones, *utm, *shapefile)
    _ogr2ogr(folder / "zones.gpkg", zones, *utm)
    _ogr2ogr(folder / "zones.fgb", zones, *utm)
    wards = [write_geojson(folder / f"ward{n}.geojson", json.loads(hydrants.read_text(
        encoding="utf-8"))["features"][n * 6:n * 6 + 6]) for n in (0, 1)]
    (folder / "gdb").mkdir()
    for n, ward in enumerate(wards):
        more = ["-update"] if n else []
        _ogr2ogr(folder / "by_ward.gpkg", ward, *more, "-nln", f"phuong_{n}")
        _ogr2ogr(folder / "by_ward.kml", ward, "-f", "LIBKML", *more, "-nln", f"Phường {n}")
        _ogr2ogr(folder / "gdb/by_ward.gdb", ward, "-f", "OpenFileGDB", *more, "-nln", f"P{n}")
    with zipfile.ZipFile(folder / "by_ward.gdb.zip", "w") as zipped:
        for part in sorted((folder / "gdb/by_ward.gdb").iterdir()):
            zipped.write(part, f"by_ward.gdb/{part.name}")
    with zipfile.ZipFile(folder / "geojson_by_ward.zip", "w") as zipped:
        for n, ward in enumerate(wards):
            zipped.write(ward, f"Phuong_{n}/tru_nuoc.geojson")
    with zipfile.ZipFile(folder / "by_ward.zip", "w") as zipped:
        for n, ward in enumerate(wards):
            (folder / f"shp{n}").mkdir()
            shp = folder / f"shp{n}/tru_nuoc.shp"
            _ogr2ogr(shp, ward, *utm, *shapefile[2:], "-lco", "ENCODING=CP1258")
            shp.with_suffix(".cpg").write_text("1258")  # as ArcGIS names Windows Vietnamese
            for part in sorted(shp.parent.iterdir()):
                zipped.write(part, f"Phuong_{n}/{part.name}")
    return folder


@pytest.fixture(scope="module")
def engine(cluster, seeds: Path) -> Engine:
    engine = make_engine(cluster.create_database("fuzz"))
    migrate.upgrade(engine)
    load_file(engine, "hydrants", seeds / "hydrants.geojson")
    yield engine
    engine.dispose()


def mutated(data: bytes, rng: random.Random) -> bytes:
    """`data` damaged once, in one of the ways storage and transfers damage files."""
    damaged, size = bytearray(data), len(data)
    at = rng.randrange(size)
    how = rng.choice(["flip", "flip", "cut", "zero", "random", "repeat", "integer"])
    if how == "flip":
        for spot in [at] + [rng.randrange(size) for _ in range(rng.randrange(4))]:
            damaged[spot] ^= 1 << rng.randrange(8)
    elif how == "cut":
        del damaged[at:]
    elif how == "zero":
        damaged[at:at + rng.randint(1, 64)] = bytes(len(damaged[at:at + 64]))[:64]
    elif how == "random":
        run = len(damaged[at:at + rng.randint(1, 32)])
        damaged[at:at + run] = bytes(rng.randrange(256) for _ in range(run))
    elif how == "repeat":
        damaged[at:at] = damaged[rng.randrange(size):][:rng.randint(1, 256)]
    else:  # a count or a length gone wrong
        at &= ~3
        damaged[at:at + 4] = rng.choice([b"\xff\xff\xff\xff", b"\x00\x00\x00\x80",
                                         b"\xff\xff\xff\x7f", b"\x00\x00\x00\x00"])
    return bytes(damaged)


def test_every_seed_loads_as_it_is(engine: Engine, seeds: Path) -> None:
    """Undamaged, each file loads whole: the damage is what the cases below add."""
    for layer_id, given, _ in DATASETS:
        report = load_file(engine, layer_id, seeds / given, dry_run=True,
                           layer="*" if given in LAYER_PER_WARD else None)
        assert (report.read, report.rejected_total) == (12, 0), given


@pytest.mark.parametrize("case", range(CASES))
def test_a_damaged_file_is_reported_or_refused(engine: Engine, seeds: Path, tmp_path: Path,
                                               case: int) -> None:
    rng = random.Random(f"{SEED}-{case}")
    layer_id, given, parts = rng.choice(DATASETS)
    damaged = rng.choice(parts)
    copy = tmp_path / Path(given).parent
    shutil.copytree(seeds / Path(given).parent, copy, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("shp*", "tab", "zones", "gdb"))
    (copy / Path(damaged).name).write_bytes(mutated((seeds / damaged).read_bytes(), rng))
    try:
        report = load_file(engine, layer_id, copy / Path(given).name, dry_run=True,
                           layer="*" if given in LAYER_PER_WARD else None)
    except InvalidInput as refused:
        assert refused.message.strip()
    else:
        assert report.read == report.inserted + report.updated + report.unchanged + \
            report.rejected_total, json.dumps(report.to_dict())
