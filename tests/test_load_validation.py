"""Loads refuse broken input with a clear message, validate before publishing, and never lose
the previous data: modes, validation report, dry run, atomicity under failure."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import string
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import shapely
from sqlalchemy import Engine, text
from test_database import libpq_url, urbanmap  # how the suite runs the command

from geo.db import DATABASE_DOWN
from geo.errors import InvalidInput
from layers import get_layer
from loaders.files import load_file
from loaders.pipeline import Progress, load_chunks
from loaders.report import LoadReport

URBANMAP = str(Path(sys.executable).parent / "urbanmap")
LON, LAT = 106.7200, 10.7400  # a street corner in Tân Phong, District 7


def feature(props: dict, geometry: dict) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def point(dx: float = 0.0, dy: float = 0.0) -> dict:
    return {"type": "Point", "coordinates": [LON + dx, LAT + dy]}


def hydrant(code: str, dx: float = 0.0, status: str = "working") -> dict:
    return feature({"code": code, "status": status}, point(dx))


def write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False))
    return path


def rows(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql)).all()]


def codes(engine: Engine) -> list[str]:
    return [r[0] for r in rows(engine, "SELECT code FROM hydrants ORDER BY code")]


def version(engine: Engine, layer: str = "hydrants") -> int:
    found = rows(engine, f"SELECT data_version FROM layer_versions WHERE layer_id = '{layer}'")
    return found[0][0] if found else 0


@pytest.fixture
def loaded(migrated_engine: Engine, tmp_path: Path) -> Engine:
    """Three hydrants 100 m apart, loaded once."""
    first = [hydrant("H1"), hydrant("H2", 0.001), hydrant("H3", 0.002)]
    load_file(migrated_engine, "hydrants", write_geojson(tmp_path / "first.geojson", first))
    return migrated_engine


# -- broken files: a message, and the earlier data intact --------------------------------

BROKEN = {
    "truncated.geojson": b'{"type":"FeatureCollection","features":[{"type":"Feature","prope',
    "garbage.gpkg": bytes(range(256)) * 40,
    "garbage.shp": b"\x00\x00\x27\x0a" + b"\xff" * 500,
    "empty.geojson": b"",
    "not-a-zip.zip": b"PK\x03\x04 this is not really a zip",
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_file_is_refused_and_earlier_data_kept(loaded: Engine, tmp_path: Path,
                                                      name: str) -> None:
    broken = tmp_path / name
    broken.write_bytes(BROKEN[name])
    with pytest.raises(InvalidInput, match=name.replace(".", r"\.")):
        load_file(loaded, "hydrants", broken)
    assert codes(loaded) == ["H1", "H2", "H3"]


def test_truncated_geopackage_is_refused(loaded: Engine, tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely import Point

    whole = tmp_path / "whole.gpkg"
    gpd.GeoDataFrame({"code": [f"T{i}" for i in range(2000)], "status": "working"},
                     geometry=[Point(LON + i * 1e-5, LAT) for i in range(2000)],
                     crs="EPSG:4326").to_file(whole)
    cut = tmp_path / "cut.gpkg"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(InvalidInput, match="cut.gpkg"):
        load_file(loaded, "hydrants", cut)
    assert codes(loaded) == ["H1", "H2", "H3"]


def test_zip_with_a_path_outside_the_archive_is_refused(loaded: Engine, tmp_path: Path) -> None:
    archive = tmp_path / "hydrants.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("../../x.geojson", json.dumps(
            {"type": "FeatureCollection", "features": [hydrant("EVIL")]}))
    with pytest.raises(InvalidInput, match=r"unsafe path \(\.\./\.\./x\.geojson\)"):
        load_file(loaded, "hydrants", archive)
    assert codes(loaded) == ["H1", "H2", "H3"]
    assert not (tmp_path.parent.parent / "x.geojson").exists()


def test_missing_file_says_so(migrated_engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        load_file(migrated_engine, "hydrants", tmp_path / "nope.geojson")


@pytest.mark.parametrize("coordinates, message", [
    ([686_500.0, 1_187_500.0], "metres"),       # UTM metres in a file that declares degrees
    ([LAT, LON], "swapped"),                     # latitude first
    ([2.35, 48.85], "km"),                       # Paris: nowhere near the district
])
def test_coordinates_that_contradict_the_crs_are_refused(loaded: Engine, tmp_path: Path,
                                                         coordinates, message) -> None:
    wrong = write_geojson(tmp_path / "wrong.geojson", [feature(
        {"code": "W1", "status": "working"}, {"type": "Point", "coordinates": coordinates})])
    with pytest.raises(InvalidInput, match=message):
        load_file(loaded, "hydrants", wrong)
    assert codes(loaded) == ["H1", "H2", "H3"]


def test_cli_prints_the_message_without_a_traceback(cluster, tmp_path: Path) -> None:
    cluster.create_database("cli_errors")
    broken = tmp_path / "broken.geojson"
    broken.write_bytes(BROKEN["truncated.geojson"])
    result = urbanmap("load", "hydrants", str(broken),
                      DATABASE_URL=libpq_url(cluster, "cli_errors"))
    assert result.returncode == 1
    assert "broken.geojson" in result.stderr and "Traceback" not in result.stderr


# -- validation --------------------------------------------------------------------------

def test_validation_report_counts_each_problem(migrated_engine: Engine, tmp_path: Path) -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[LON, LAT], [LON + .001, LAT + .001],
              [LON + .001, LAT], [LON, LAT + .001], [LON, LAT]]]}
    features = [
        hydrant("OK1"),
        hydrant("NEAR", 0.000005),                           # 0.5 m from OK1
        feature({"status": "working"}, point(0.003)),        # no code
        hydrant("BAD", 0.004, status="broken-ish"),          # status outside the choices
        feature({"code": "POLY", "status": "working"}, bowtie),
        feature({"code": "NULLGEOM", "status": "working"}, None),
        hydrant("OK2", 0.005),
    ]
    report = load_file(migrated_engine, "hydrants", write_geojson(tmp_path / "h.geojson",
                                                                  features))
    assert report.read == 7 and report.inserted == 2
    assert dict(report.rejected) == {
        "within 1 m of another fire hydrant": 1, "missing code": 1,
        "status not one of working, out_of_service": 1,
        "not a Point (fire hydrants layer)": 1, "empty geometry": 1,
    }
    assert report.examples["status not one of working, out_of_service"] == ["BAD: broken-ish"]
    assert codes(migrated_engine) == ["OK1", "OK2"]


def test_self_intersecting_polygon_is_repaired_and_counted(migrated_engine: Engine,
                                                           tmp_path: Path) -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[LON, LAT], [LON + .001, LAT + .001],
              [LON + .001, LAT], [LON, LAT + .001], [LON, LAT]]]}
    line_like = {"type": "Polygon", "coordinates": [[[LON, LAT], [LON + .001, LAT],
                 [LON, LAT], [LON, LAT]]]}
    zones = [feature({"land_use_code": "ODT", "id": "Z1"}, bowtie),
             feature({"land_use_code": "CXT", "id": "Z2"}, line_like)]
    report = load_file(migrated_engine, "planning_zones",
                       write_geojson(tmp_path / "zones.geojson", zones))
    assert report.repaired == 2 and report.inserted == 1
    assert report.rejected == {"invalid geometry that could not be repaired": 1}
    stored = rows(migrated_engine, "SELECT ST_IsValid(geom), ST_NumGeometries(geom), "
                                   "round(area_m2) FROM planning_zones")
    assert stored[0][:2] == (True, 2) and stored[0][2] > 5000


def test_features_outside_the_district_are_rejected(migrated_engine: Engine,
                                                    tmp_path: Path) -> None:
    ward = {"type": "Polygon", "coordinates": [[[LON - .01, LAT - .01], [LON + .01, LAT - .01],
            [LON + .01, LAT + .01], [LON - .01, LAT + .01], [LON - .01, LAT - .01]]]}
    load_file(migrated_engine, "wards",
              write_geojson(tmp_path / "wards.geojson", [feature({"name": "Tân Phong"}, ward)]))
    report = load_file(migrated_engine, "hydrants", write_geojson(
        tmp_path / "h.geojson", [hydrant("IN"), hydrant("OUT", 0.03)]))  # 3 km east
    assert report.rejected == {"outside the district": 1} and codes(migrated_engine) == ["IN"]


def test_duplicate_source_ids_keep_the_first(migrated_engine: Engine, tmp_path: Path) -> None:
    features = [feature({"id": "A", "code": "H1", "status": "working"}, point()),
                feature({"id": "A", "code": "H2", "status": "working"}, point(0.001))]
    report = load_file(migrated_engine, "hydrants", write_geojson(tmp_path / "d.geojson",
                                                                  features))
    assert report.rejected == {"duplicate source id in the file": 1}
    assert codes(migrated_engine) == ["H1"]


def test_dry_run_reports_and_writes_nothing(loaded: Engine, tmp_path: Path) -> None:
    before = version(loaded)
    report = load_file(loaded, "hydrants", write_geojson(tmp_path / "new.geojson",
                                                         [hydrant("N1")]), dry_run=True)
    assert report.dry_run and report.inserted == 1 and report.deleted == 3
    assert codes(loaded) == ["H1", "H2", "H3"] and version(loaded) == before
    assert "dry run: nothing written" in report.summary()


def test_report_is_json_with_the_counts(migrated_engine: Engine, tmp_path: Path) -> None:
    report = load_file(migrated_engine, "hydrants", write_geojson(
        tmp_path / "h.geojson", [hydrant("H1"), feature({"status": "working"}, point(.001))]))
    data = json.loads(report.to_json())
    assert data["inserted"] == 1 and data["rejected"] == {"missing code": 1}
    logged = rows(migrated_engine, "SELECT inserted, rejected, report->>'source_file' "
                                   "FROM loads WHERE layer_id = 'hydrants'")
    assert logged == [(1, 1, "h.geojson")]


# -- modes and idempotence --------------------------------------------------------------

def test_loading_the_same_file_twice_changes_nothing(migrated_engine: Engine,
                                                     tmp_path: Path) -> None:
    source = write_geojson(tmp_path / "h.geojson", [hydrant("H1"), hydrant("H2", 0.001)])
    load_file(migrated_engine, "hydrants", source)
    fids = rows(migrated_engine, "SELECT fid, code FROM hydrants ORDER BY fid")
    again = load_file(migrated_engine, "hydrants", source)
    assert (again.inserted, again.updated, again.deleted, again.unchanged) == (0, 0, 0, 2)
    assert rows(migrated_engine, "SELECT fid, code FROM hydrants ORDER BY fid") == fids
    assert version(migrated_engine) == 1 and again.data_version is None


def test_replace_updates_changed_deletes_absent_and_bumps_the_version(
        loaded: Engine, tmp_path: Path) -> None:
    second = [hydrant("H1"), hydrant("H2", 0.001, status="out_of_service"), hydrant("H4", .003)]
    report = load_file(loaded, "hydrants", write_geojson(tmp_path / "first.geojson", second))
    assert (report.inserted, report.updated, report.deleted, report.unchanged) == (1, 1, 1, 1)
    assert codes(loaded) == ["H1", "H2", "H4"] and version(loaded) == 2


def test_replace_keeps_the_old_version_of_a_feature_that_now_fails(loaded: Engine,
                                                                  tmp_path: Path) -> None:
    second = [hydrant("H1"), hydrant("H2", 0.001, status="??"), hydrant("H3", 0.002)]
    report = load_file(loaded, "hydrants", write_geojson(tmp_path / "first.geojson", second))
    assert report.rejected_total == 1 and report.deleted == 0
    assert rows(loaded, "SELECT status FROM hydrants WHERE code = 'H2'") == [("working",)]


def test_replace_keeps_a_refused_feature_when_no_other_one_is_kept(loaded: Engine,
                                                                   tmp_path: Path) -> None:
    """The file's only known feature fails: the layer keeps that one, not nothing."""
    second = [hydrant("H2", 0.001, status="??"), hydrant("H9", 0.004)]
    report = load_file(loaded, "hydrants", write_geojson(tmp_path / "second.geojson", second))
    assert (report.rejected_total, report.inserted, report.deleted) == (1, 1, 2)
    assert rows(loaded, "SELECT code, status FROM hydrants ORDER BY code") == [
        ("H2", "working"), ("H9", "working")]


def square(dx: float = 0.0, size: float = 0.0005) -> dict:
    return {"type": "Polygon", "coordinates": [[[LON + dx, LAT], [LON + dx + size, LAT],
            [LON + dx + size, LAT + size], [LON + dx, LAT + size], [LON + dx, LAT]]]}


def test_a_polygon_changed_only_in_shape_is_updated_and_the_rest_kept(
        migrated_engine: Engine, tmp_path: Path) -> None:
    """Polygons are stored as one-part multipolygons: the same file again compares equal to
    them; a corner moved by about a metre does not, and only that feature is rewritten."""
    parks = [feature({"id": f"P{i}", "name": f"Công viên {i}"}, square(0.001 * i))
             for i in range(3)]
    load_file(migrated_engine, "green_spaces", write_geojson(tmp_path / "a.geojson", parks))
    before = dict(rows(migrated_engine, "SELECT source_id, fid FROM green_spaces"))
    same = load_file(migrated_engine, "green_spaces", write_geojson(tmp_path / "b.geojson",
                                                                    parks))
    assert (same.inserted, same.updated, same.deleted, same.unchanged) == (0, 0, 0, 3)
    parks[1] = feature({"id": "P1", "name": "Công viên 1"}, square(0.001, size=0.00051))
    moved = load_file(migrated_engine, "green_spaces", write_geojson(tmp_path / "c.geojson",
                                                                     parks))
    assert (moved.inserted, moved.updated, moved.deleted, moved.unchanged) == (0, 1, 0, 2)
    after = rows(migrated_engine, "SELECT source_id, fid, round(area_m2), source_file "
                                  "FROM green_spaces ORDER BY source_id")
    assert [(s, f) for s, f, _, _ in after] == sorted(before.items())  # same fids
    assert [(s, file) for s, _, _, file in after] == [
        ("P0", "a.geojson"), ("P1", "c.geojson"), ("P2", "a.geojson")]
    assert after[1][2] > after[0][2]  # the larger square's area, computed again


def recording(events: list[tuple[str, object]]) -> Progress:
    return Progress(expect=lambda total: events.append(("expect", total)),
                    read=lambda count: events.append(("read", count)),
                    step=lambda what: events.append(("step", what)))


def test_a_load_says_what_it_does_once_every_feature_is_in(migrated_engine: Engine,
                                                           tmp_path: Path) -> None:
    source = write_geojson(tmp_path / "h.geojson", [hydrant("H1"), hydrant("H2", 0.001)])
    first: list[tuple[str, object]] = []
    load_file(migrated_engine, "hydrants", source, progress=recording(first))
    assert first == [
        ("expect", 2), ("read", 2), ("step", "building indexes"),
        ("step", "checking 2 features"),
        ("step", "recomputing risk overlays: hydrant_coverage, apartment_hydrants")]
    again: list[tuple[str, object]] = []  # nothing changes, so no overlay is recomputed
    load_file(migrated_engine, "hydrants", source, progress=recording(again))
    assert again == [
        ("expect", 2), ("read", 2), ("step", "checking 2 features"),
        ("step", "matching them with the layer's features"), ("step", "writing the changes")]


def test_the_load_command_loads_and_prints_the_report(cluster, migrated_engine: Engine,
                                                      tmp_path: Path) -> None:
    source = write_geojson(tmp_path / "h.geojson", [hydrant("H1"), hydrant("H2", 0.001)])
    result = urbanmap("load", "hydrants", str(source),
                      DATABASE_URL=libpq_url(cluster, migrated_engine.url.database))
    assert result.returncode == 0, result.stderr
    assert "inserted 2" in result.stdout and codes(migrated_engine) == ["H1", "H2"]


def test_upsert_adds_and_updates_but_deletes_nothing(loaded: Engine, tmp_path: Path) -> None:
    extra = [hydrant("H9", 0.004)]
    report = load_file(loaded, "hydrants", write_geojson(tmp_path / "extra.geojson", extra),
                       mode="upsert")
    assert (report.inserted, report.deleted) == (1, 0)
    assert codes(loaded) == ["H1", "H2", "H3", "H9"]


def test_append_refuses_features_already_loaded(loaded: Engine, tmp_path: Path) -> None:
    report = load_file(loaded, "hydrants", write_geojson(tmp_path / "first.geojson",
                                                         [hydrant("H1")]), mode="append")
    assert report.inserted == 0
    assert report.rejected == {"already in the layer (load with mode upsert to update it)": 1}


# -- atomicity under failure ------------------------------------------------------------

def big_hydrant_file(tmp_path: Path, count: int) -> Path:
    import geopandas as gpd
    import numpy as np
    from shapely import points

    rng = np.random.default_rng(1)
    xy = np.column_stack([LON + rng.uniform(0, .02, count), LAT + rng.uniform(0, .02, count)])
    frame = gpd.GeoDataFrame({"code": [f"B{i}" for i in range(count)], "status": "working"},
                             geometry=points(xy), crs="EPSG:4326")
    path = tmp_path / "big.fgb"
    frame.to_file(path, driver="FlatGeobuf")
    return path


def test_lost_connection_mid_load_leaves_the_previous_data(loaded: Engine,
                                                           tmp_path: Path) -> None:
    big = big_hydrant_file(tmp_path, 150_000)
    killer = loaded.connect()

    def cut_the_line(_count: int) -> None:
        killer.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                            "datname = current_database() AND pid <> pg_backend_pid()"))

    with pytest.raises(DATABASE_DOWN):  # whichever the dead connection raises
        load_file(loaded, "hydrants", big, progress=Progress(read=cut_the_line))
    killer.close()
    loaded.dispose()
    assert codes(loaded) == ["H1", "H2", "H3"]


def test_killed_load_process_leaves_the_previous_data(cluster, loaded: Engine,
                                                      tmp_path: Path) -> None:
    big = big_hydrant_file(tmp_path, 400_000)
    env = os.environ | {"DATABASE_URL": libpq_url(cluster, loaded.url.database)}
    load = subprocess.Popen([URBANMAP, "load", "hydrants", str(big)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    staged = threading.Event()

    def watch() -> None:  # kill as soon as the load is writing into staging
        while load.poll() is None and not staged.is_set():
            if rows(loaded, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
                            "'COPY %staging_hydrants%'")[0][0]:
                staged.set()
            else:
                staged.wait(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    watcher.join(timeout=120)
    load.send_signal(signal.SIGKILL)
    load.wait(timeout=30)
    assert staged.is_set(), "the load never reached COPY"
    assert codes(loaded) == ["H1", "H2", "H3"]


def test_an_integer_too_large_for_its_field_is_left_empty_and_counted(
        migrated_engine: Engine, tmp_path: Path) -> None:
    path = write_geojson(tmp_path / "hospitals.geojson", [
        feature({"name": "Bệnh viện Quận 7", "beds": 500}, point()),
        feature({"name": "Bệnh viện FV", "beds": 12_000_000_000}, point(0.001))])
    report = load_file(migrated_engine, "hospitals", path)
    assert report.inserted == 2
    assert "1 value of beds could not be read as integer and was left empty" in report.notes
    with migrated_engine.connect() as conn:
        beds = dict(conn.execute(text("SELECT name, beds FROM hospitals")).all())
    assert beds == {"Bệnh viện Quận 7": 500, "Bệnh viện FV": None}


def test_unreadable_values_make_one_note_for_the_whole_file(
        migrated_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from loaders import files

    monkeypatch.setattr(files, "BATCH_ROWS", 2)  # five features in three chunks
    beds = ["many", 40, "?", 60, "nhiều"]
    path = write_geojson(tmp_path / "hospitals.geojson", [
        feature({"name": f"Bệnh viện {i}", "beds": b}, point(i * 0.001))
        for i, b in enumerate(beds)])
    report = load_file(migrated_engine, "hospitals", path)
    assert report.inserted == 5
    assert [n for n in report.notes if "beds" in n] == [
        "3 values of beds could not be read as integer and were left empty"]


def test_a_value_postgresql_refuses_is_a_message_and_the_layer_kept(loaded: Engine) -> None:
    """The last line of defence: a value typing and validation let through (here a 3D
    geometry, which `storage_wkb` would have made 2D) fails the load with PostgreSQL's
    words, not a traceback, and nothing changes."""
    frame = pd.DataFrame({"code": ["H9"], "status": ["working"], "source_id": ["H9"]})
    wkb = pa.array([shapely.Point(700_000, 1_187_000, 4).wkb], pa.binary())  # UTM 48N, Z
    with pytest.raises(InvalidInput, match="PostgreSQL refused a value of the file: Geometry "
                                           "has Z dimension but column does not. Nothing"):
        load_chunks(loaded, get_layer("hydrants"), [(frame, wkb)],
                    LoadReport("hydrants", "z.geojson", "replace"))
    assert codes(loaded) == ["H1", "H2", "H3"]


def test_a_survey_csv_with_x_north_is_refused_saying_to_swap(loaded: Engine,
                                                              tmp_path: Path) -> None:
    """VN-2000 coordinates as a Vietnamese survey lists them: X the northing, Y the easting."""
    survey = tmp_path / "khao_sat.csv"
    survey.write_text("code,status,X,Y\nS1,working,1187646.34,606063.15\n"
                      "S2,working,1187696.34,606143.15\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"look like northings .* Swap the two columns .* "
                                           r"then under --crs vn2000-hcm"):
        load_file(loaded, "hydrants", survey, crs="vn2000-hcm")
    assert codes(loaded) == ["H1", "H2", "H3"]


@pytest.mark.parametrize("features, message", [
    ([], "empty.geojson has no features."),
    ([feature({"code": "N1", "status": "working"}, None)],
     "empty.geojson: no feature has a geometry GDAL can read (1 read); hydrants needs them."),
], ids=["no-features", "no-geometry"])
def test_a_file_with_nothing_to_place_is_refused_and_the_layer_kept(
        loaded: Engine, tmp_path: Path, features: list[dict], message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        load_file(loaded, "hydrants", write_geojson(tmp_path / "empty.geojson", features))
    assert codes(loaded) == ["H1", "H2", "H3"]


def test_a_property_named_like_gdals_feature_id_is_an_attribute(migrated_engine: Engine,
                                                                 tmp_path: Path) -> None:
    """GDAL names a GeoJSON's feature id column "id" when a property "id" holds integers:
    two columns of one name, which must not be taken for each other."""
    path = write_geojson(tmp_path / "ids.geojson", [
        feature({"id": 7, "fid": "x", "code": "I1", "status": "working"}, point()),
        feature({"id": 9, "fid": "y", "code": "I2", "status": "working"}, point(0.001))])
    report = load_file(migrated_engine, "hydrants", path)
    assert (report.read, report.rejected_total) == (2, 0), report.summary()
    assert rows(migrated_engine, "SELECT source_id, code FROM hydrants ORDER BY code") == [
        ("7", "I1"), ("9", "I2")]


def test_a_geojson_not_in_utf8_is_refused_then_read_in_the_encoding_given(
        migrated_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "ansi.geojson"
    path.write_bytes(json.dumps({"type": "FeatureCollection", "features": [feature(
        {"code": "A1", "status": "working", "street": "Tân Phong"}, point())]},
        ensure_ascii=False).encode("cp1258"))
    with pytest.raises(InvalidInput, match="ansi.geojson has text that is not UTF-8. Pass "
                                           "the file's encoding with --encoding"):
        load_file(migrated_engine, "hydrants", path)
    load_file(migrated_engine, "hydrants", path, encoding="cp1258")
    assert rows(migrated_engine, "SELECT street FROM hydrants") == [("Tân Phong",)]


def test_an_encoding_for_a_format_that_says_its_own_is_refused(migrated_engine: Engine,
                                                                tmp_path: Path) -> None:
    gpkg = tmp_path / "h.gpkg"
    subprocess.run(["/usr/bin/ogr2ogr", "-f", "GPKG", str(gpkg), str(write_geojson(
        tmp_path / "h.geojson", [hydrant("G1")]))], check=True, capture_output=True)
    with pytest.raises(InvalidInput, match="--encoding is for Shapefiles, CSV and GeoJSON; a "
                                           ".gpkg file keeps its text in UTF-8"):
        load_file(migrated_engine, "hydrants", gpkg, encoding="cp1258")


def test_a_replace_with_every_feature_refused_fails_and_the_layer_is_kept(
        loaded: Engine, tmp_path: Path) -> None:
    """A file of another district, or with a misspelt status everywhere: replacing the layer
    with what passes would empty it."""
    bad = write_geojson(tmp_path / "bad.geojson", [hydrant("X1", status="maybe"),
                                                   hydrant("X2", 0.001, status="??")])
    with pytest.raises(InvalidInput, match=r"Every feature of bad.geojson was refused \(2 status "
                                           r"not one of working, out_of_service\), so replacing "
                                           r"hydrants with it would empty the layer"):
        load_file(loaded, "hydrants", bad)
    assert codes(loaded) == ["H1", "H2", "H3"]
    dry = load_file(loaded, "hydrants", bad, dry_run=True)  # the report, saying as much
    assert (dry.rejected_total, dry.deleted, dry.notes) == (
        2, 0, ["every feature was refused: a load would leave hydrants as it is"])


def test_two_columns_of_one_name_are_refused(loaded: Engine, tmp_path: Path) -> None:
    table = tmp_path / "two_codes.csv"
    table.write_text("code,code,status,lon,lat\nA,B,working,106.72,10.74\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="two_codes.csv has two columns named 'code': "
                                           "rename one"):
        load_file(loaded, "hydrants", table)
    assert codes(loaded) == ["H1", "H2", "H3"]


def test_an_id_too_long_to_be_one_is_refused_not_a_database_error(
        migrated_engine: Engine, tmp_path: Path) -> None:
    """A wrong column taken for the id (a description), longer than an entry of the unique
    index on ids can hold: refused, with the feature that has it, and the rest loaded."""
    text = "".join(random.Random(7).choices(string.ascii_letters, k=4000))  # compresses badly
    path = write_geojson(tmp_path / "long.geojson", [hydrant("L1"), hydrant(text, 0.001)])
    report = load_file(migrated_engine, "hydrants", path)
    assert report.rejected == {"id longer than 255 characters": 1}, report.summary()
    assert report.examples["id longer than 255 characters"] == [text[:20] + "…"]
    assert codes(migrated_engine) == ["L1"]


def test_a_shapefile_whose_dbf_is_cut_short_is_refused(loaded: Engine, tmp_path: Path) -> None:
    """GDAL reads such a file without an error, stopping where the .dbf does: three of five
    hydrants would be lost, and a replace would delete them from the layer."""
    shp = tmp_path / "h.shp"
    five = write_geojson(tmp_path / "five.geojson", [hydrant(f"S{i}", 0.001 * i)
                                                    for i in range(5)])
    subprocess.run(["/usr/bin/ogr2ogr", "-f", "ESRI Shapefile", str(shp), str(five)],
                   check=True, capture_output=True)
    dbf = shp.with_suffix(".dbf")
    dbf.write_bytes(dbf.read_bytes()[: dbf.stat().st_size // 2])
    with pytest.raises(InvalidInput, match="GDAL read 2 features of the 5 h.shp says it has: "
                                           "it is truncated or damaged"):
        load_file(loaded, "hydrants", shp)
    assert codes(loaded) == ["H1", "H2", "H3"]


def test_a_prj_that_is_not_a_crs_is_named_in_the_refusal(loaded: Engine, tmp_path: Path) -> None:
    shp = tmp_path / "h.shp"
    subprocess.run(["/usr/bin/ogr2ogr", "-f", "ESRI Shapefile", str(shp), str(write_geojson(
        tmp_path / "h.geojson", [hydrant("P1")]))], check=True, capture_output=True)
    shp.with_suffix(".prj").write_text("Hệ tọa độ VN-2000, múi 3 độ", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"h.shp: Its h.prj does not describe a coordinate "
                                           r"system. Pass --crs EPSG:4326"):
        load_file(loaded, "hydrants", shp)
    assert codes(loaded) == ["H1", "H2", "H3"]


# Odd features, each of which once ended a load with a traceback or loaded wrongly: a load of
# any of them reports, or refuses with a message; it never raises anything else.
ODD_GEOMETRIES = {
    "collection": {"type": "GeometryCollection", "geometries": [
        point(), {"type": "LineString", "coordinates": [[LON, LAT], [LON + 0.001, LAT]]}]},
    "empty polygon": {"type": "Polygon", "coordinates": []},
    "missing coordinate": {"type": "Point", "coordinates": [LON, None]},
    "far beyond the earth": {"type": "Point", "coordinates": [1e300, 1e300]},
    "one-point line": {"type": "LineString", "coordinates": [[LON, LAT]]},
    "bow tie": {"type": "Polygon", "coordinates": [[
        [LON, LAT], [LON + 0.001, LAT + 0.001], [LON + 0.001, LAT], [LON, LAT + 0.001],
        [LON, LAT]]]},
    "none": None,
}
ODD_PROPERTIES = {
    "nothing": {},
    "lists and objects": {"code": ["a", "b"], "status": {"x": 1}, "name": ["c"]},
    "out of range": {"code": "C1", "status": "có", "pressure_bar": "1e400",
                     "last_inspected": "31/02/2024", "floors": "nhiều", "year_built": "1e20"},
    "ids of every kind": {"fid": "abc", "id": -1, "code": True, "name": 12345678901234567890},
}


def reported_or_refused(engine: Engine, layer: str, path: Path, features: int) -> None:
    try:
        report = load_file(engine, layer, path, dry_run=True)
    except InvalidInput as refused:
        assert path.name in refused.message or "Every feature" in refused.message
    else:
        assert report.read == features == report.inserted + report.rejected_total


@pytest.mark.parametrize("layer", ["hydrants", "roads", "apartments"])
@pytest.mark.parametrize("properties", list(ODD_PROPERTIES))
def test_odd_features_are_reported_or_refused_never_a_traceback(
        migrated_engine: Engine, tmp_path: Path, layer: str, properties: str) -> None:
    """Every odd geometry with the odd properties, beside a plain feature, in one file."""
    features = [feature(ODD_PROPERTIES[properties], geometry)
                for geometry in ODD_GEOMETRIES.values()] + [hydrant("OK1")]
    path = write_geojson(tmp_path / "odd.geojson", features)
    reported_or_refused(migrated_engine, layer, path, len(features))


@pytest.mark.parametrize("geometry", list(ODD_GEOMETRIES))
def test_a_file_of_only_odd_geometries_is_reported_or_refused(
        migrated_engine: Engine, tmp_path: Path, geometry: str) -> None:
    path = write_geojson(tmp_path / "odd.geojson", [
        feature({"code": "O1", "status": "working"}, ODD_GEOMETRIES[geometry])])
    reported_or_refused(migrated_engine, "hydrants", path, 1)
