"""Files the loader cannot take as they are: refused with a message that says what is wrong
and what to do, the layer as it was; odd features reported or refused, never a traceback."""

from __future__ import annotations

import datetime
import json
import random
import re
import string
import struct
import subprocess
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import pytest
import shapely
from hydrant_files import LAT, LON, codes, feature, hydrant, point, rows, write_geojson
from sqlalchemy import Engine
from test_database import libpq_url, urbanmap  # how the suite runs the command

from geo.errors import InvalidInput
from layers import get_layer
from loaders.files import load_file
from loaders.pipeline import load_chunks
from loaders.report import LoadReport

# -- broken files: a message, and the earlier data intact --------------------------------

BROKEN = {
    "truncated.geojson": b'{"type":"FeatureCollection","features":[{"type":"Feature","prope',
    "garbage.gpkg": bytes(range(256)) * 40,
    "garbage.shp": b"\x00\x00\x27\x0a" + b"\xff" * 500,
    "empty.geojson": b"",
    "not-a-zip.zip": b"PK\x03\x04 this is not really a zip",
    "garbage.parquet": b"PAR1" + bytes(range(256)) + b"PAR1",
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_file_is_refused_and_earlier_data_kept(loaded: Engine, tmp_path: Path,
                                                      name: str) -> None:
    broken = tmp_path / name
    broken.write_bytes(BROKEN[name])
    with pytest.raises(InvalidInput, match=name.replace(".", r"\.")) as refused:
        load_file(loaded, "hydrants", broken)
    assert codes(loaded) == ["H1", "H2", "H3"]
    # GDAL's words, without the folders, its C++ source line or its hint of a driver prefix
    said = str(refused.value)
    assert [w for w in (str(tmp_path), ".cpp", "<DRIVER>", "..") if w in said] == [], said


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


def test_cli_prints_brackets_as_written(cluster, tmp_path: Path) -> None:
    """Rich took "[ban do]" in a file's name and the report's "[values.kind]" for styles, and
    printed neither."""
    cluster.create_database("cli_brackets")
    url = libpq_url(cluster, "cli_brackets")
    broken = tmp_path / "[ban do] tru.geojson"
    broken.write_bytes(BROKEN["truncated.geojson"])
    refused = urbanmap("load", "hydrants", str(broken), DATABASE_URL=url)
    assert refused.returncode == 1 and "[ban do] tru.geojson" in " ".join(refused.stderr.split())
    roads = write_geojson(tmp_path / "duong.geojson", [feature(
        {"name": "Hẻm 12", "kind": "Đường hẻm"},
        {"type": "LineString", "coordinates": [[106.72, 10.74], [106.722, 10.74]]})])
    loaded = urbanmap("load", "roads", str(roads), DATABASE_URL=url)
    assert loaded.returncode == 0, loaded.stderr
    assert '[values.kind] "Đường hẻm" = one of them' in " ".join(loaded.stdout.split())


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
    with pytest.raises(InvalidInput, match=r"--encoding is for Shapefiles, CSV and GeoJSON, "
                                           r"and for text typed in a Vietnamese set \(cp1258 "
                                           r".*\); a .gpkg file keeps its text in UTF-8"):
        load_file(migrated_engine, "hydrants", gpkg, encoding="latin1")


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
    assert (dry.rejected_total, dry.deleted, dry.notes) == (2, 0, [
        "2 values of status known as none of its choices (maybe, ??): a mapping file can name "
        'the choice each stands for, [values.status] "maybe" = one of them',
        "every feature was refused: a load would leave hydrants as it is"])


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


# -- damaged files GDAL reads anyway (found by fuzzing the readers) ------------------------
# GDAL hands on what a file holds. PostGIS refuses a whole COPY for one ring that is not
# closed or one coordinate its Web Mercator copy cannot be made of, and pandas a whole batch
# for one date no calendar holds: each of these once ended the load with a traceback.

def _utm_shapefile(tmp_path: Path, features: list[dict]) -> Path:
    shp = tmp_path / "h.shp"
    subprocess.run(["/usr/bin/ogr2ogr", "-f", "ESRI Shapefile", "-t_srs", "EPSG:32648",
                    str(shp), str(write_geojson(tmp_path / "h.geojson", features))],
                   check=True, capture_output=True)
    return shp


def test_a_coordinate_far_beyond_any_map_refuses_that_feature_only(
        migrated_engine: Engine, tmp_path: Path) -> None:
    """The second point's x is 1e12 m, where PROJ gives up; the Shapefile's header still
    gives the file's extent, so the file as a whole looks right."""
    shp = _utm_shapefile(tmp_path, [hydrant("N1"), hydrant("N2", 0.001)])
    data = bytearray(shp.read_bytes())
    data[140:148] = struct.pack("<d", 1e12)  # 100-byte header, 28-byte point records
    shp.write_bytes(data)
    report = load_file(migrated_engine, "hydrants", shp)
    assert (report.inserted, dict(report.rejected)) == (1, {"no geometry": 1})
    assert ("1 geometry lay far outside Vietnam, or had coordinates that are not numbers: "
            "refused") in report.notes
    assert codes(migrated_engine) == ["N1"]


def test_a_vertex_that_is_not_a_number_refuses_that_feature_only(
        migrated_engine: Engine, tmp_path: Path) -> None:
    """A polygon whose second vertex has x = NaN: GEOS leaves it out of the bounds, PROJ
    does not, and PostGIS refused the whole COPY over it."""
    square = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    shp = _utm_shapefile(tmp_path, [
        feature({"land_use_code": "ODT", "zone_code": code}, {"type": "Polygon", "coordinates": [
            [[LON + (x + 2 * i) * 0.001, LAT + y * 0.001] for x, y in square]]})
        for i, code in enumerate(["V1", "V2"])])
    data = bytearray(shp.read_bytes())
    # 100-byte header, 8 of record header, type, box, part and point counts, one part index
    data[172:180] = struct.pack("<d", float("nan"))
    shp.write_bytes(data)
    report = load_file(migrated_engine, "planning_zones", shp)
    assert (report.inserted, dict(report.rejected)) == (1, {"no geometry": 1})
    assert rows(migrated_engine, "SELECT zone_code FROM planning_zones") == [("V2",)]


@pytest.mark.parametrize("srid", [4326, 32648])
def test_a_ring_that_is_not_closed_is_closed_and_said(migrated_engine: Engine, tmp_path: Path,
                                                      srid: int) -> None:
    """A GeoJSON in lon/lat goes through shapely; one in UTM 48N (named crs) is stored as
    GDAL gives it, once checked: the path that met PostGIS's refusal."""
    x, y, side = (LON, LAT, 0.001) if srid == 4326 else (686_000.0, 1_187_000.0, 100.0)
    ring = [[x, y], [x + side, y], [x + side, y + side], [x, y + side]]  # no closing point
    zones = [feature({"land_use_code": "ODT", "zone_code": "U1"},
                     {"type": "Polygon", "coordinates": [ring]}),
             feature({"land_use_code": "CXT", "zone_code": "C1"}, {"type": "Polygon",
                     "coordinates": [[[px + 2 * side, py] for px, py in [*ring, ring[0]]]]})]
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": zones, "crs": {
        "type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{srid}"}}}))
    report = load_file(migrated_engine, "planning_zones", path)
    assert report.inserted == 2 and not report.rejected
    assert "1 polygon had a ring that was not closed: closed" in report.notes
    assert rows(migrated_engine, "SELECT zone_code, ST_IsValid(geom), ST_NPoints(geom) "
                                 "FROM planning_zones ORDER BY zone_code") == [
        ("C1", True, 5), ("U1", True, 5)]


def test_a_date_no_calendar_holds_is_left_empty(migrated_engine: Engine,
                                                tmp_path: Path) -> None:
    """A .dbf date of year 0, which Python's dates cannot hold."""
    shp = _utm_shapefile(tmp_path, [
        feature({"code": "D1", "status": "working", "last_inspected": "2026-06-27"}, point()),
        feature({"code": "D2", "status": "working", "last_inspected": "2026-06-28"},
                point(0.001))])
    dbf = shp.with_suffix(".dbf")
    dbf.write_bytes(dbf.read_bytes().replace(b"20260627", b"00000627"))
    report = load_file(migrated_engine, "hydrants", shp)
    assert report.inserted == 2
    assert "1 value of last_inspected could not be read as date and was left empty" in report.notes
    assert rows(migrated_engine, "SELECT code, last_inspected FROM hydrants ORDER BY code") == [
        ("D1", None), ("D2", datetime.date(2026, 6, 28))]


def test_a_prj_proj_cannot_convert_from_is_refused(loaded: Engine, tmp_path: Path) -> None:
    shp = _utm_shapefile(tmp_path, [hydrant("P1")])
    prj = shp.with_suffix(".prj")
    prj.write_text(prj.read_text().replace("Transverse_Mercator", "Transvepse_Mercator"))
    with pytest.raises(InvalidInput, match="h.shp: The file's coordinates cannot be placed on "
                                           "Earth under WGS 84 / UTM zone 48N"):
        load_file(loaded, "hydrants", shp)
    assert codes(loaded) == ["H1", "H2", "H3"]


def test_a_prj_whose_text_is_not_utf8_is_refused(loaded: Engine, tmp_path: Path) -> None:
    """A .prj naming its system in Windows Vietnamese (cp1258), not UTF-8: pyogrio fails on
    it with an error of its own (UnboundLocalError)."""
    shp = _utm_shapefile(tmp_path, [hydrant("P1")])
    prj = shp.with_suffix(".prj")
    prj.write_bytes(prj.read_text().replace("WGS_1984_UTM_Zone_48N", "VN-2000 Sài Đông")
                    .encode("cp1258"))
    with pytest.raises(InvalidInput, match=r"h.shp: the text of its coordinate system \(a "
                                           r"\.prj\) is not readable"):
        load_file(loaded, "hydrants", shp)
    assert codes(loaded) == ["H1", "H2", "H3"]


@pytest.mark.parametrize("damage", ["checksum", "version", "name", "offset"])
def test_a_damaged_zip_is_refused(loaded: Engine, tmp_path: Path, damage: str) -> None:
    """A zipped Shapefile without its .shx, so copied out to rebuild it, whose .dbf's bytes
    no longer match their checksum; or whose directory asks for zip version 7.7, says a
    name is UTF-8 when it is not, or is said to start further on than it does (zipfile then
    seeks before the file's start: an OSError)."""
    shp = _utm_shapefile(tmp_path, [hydrant("Z1"), hydrant("Z2", 0.001)])
    archive = tmp_path / "h.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zipped:
        for suffix in (".shp", ".dbf", ".prj"):
            zipped.write(shp.with_suffix(suffix), f"h{suffix}")
    data = bytearray(archive.read_bytes())
    if damage == "checksum":
        data[data.index(shp.with_suffix(".dbf").read_bytes()) + 40] ^= 0xFF
    elif damage == "version":  # "version needed to extract", in the central directory
        data[data.index(b"PK\x01\x02") + 6] = 77
    elif damage == "name":  # the UTF-8 flag (bit 11 of the flags), and a byte UTF-8 never
        entry = data.index(b"PK\x01\x02")  # starts with
        data[entry + 9] |= 0x08
        data[entry + 46] = 0xF8
    else:  # the end record's offset of the central directory
        end = data.rindex(b"PK\x05\x06") + 16
        data[end:end + 4] = (int.from_bytes(data[end:end + 4], "little") + 1000).to_bytes(
            4, "little")
    archive.write_bytes(data)
    with pytest.raises(InvalidInput, match=r"h.zip is not a readable zip archive \(truncated "
                                           r"or damaged\?\)"):
        load_file(loaded, "hydrants", archive)
    assert codes(loaded) == ["H1", "H2", "H3"]


def test_a_geometry_only_postgis_refuses_fails_the_load_with_its_words(
        loaded: Engine, tmp_path: Path) -> None:
    """A GeoPackage blob whose inner polygon's byte-order flag is 2: GEOS reads it, PostGIS
    does not; the file is in EPSG:32648, so its WKB goes to PostGIS as GDAL gives it."""
    import geopandas as gpd

    whole = tmp_path / "zones.gpkg"
    gpd.GeoDataFrame({"land_use_code": ["ODT"], "zone_code": ["E1"]},
                     geometry=[shapely.MultiPolygon([shapely.box(686_000, 1_187_000, 686_100,
                                                                 1_187_100)])],
                     crs="EPSG:32648").to_file(whole)
    data = bytearray(whole.read_bytes())
    inner = data.index(bytes.fromhex("01060000000100000001030000"))  # one polygon, little-endian
    data[inner + 9] = 2
    whole.write_bytes(data)
    with pytest.raises(InvalidInput, match="PostgreSQL refused a value of the file: Invalid "
                                           "endian flag value encountered. Nothing was loaded."):
        load_file(loaded, "planning_zones", whole)
    assert rows(loaded, "SELECT count(*) FROM planning_zones") == [(0,)]


def test_parquet_without_geoparquet_metadata_is_refused_saying_so(loaded: Engine,
                                                                   tmp_path: Path) -> None:
    plain = tmp_path / "bang.parquet"
    pq.write_table(pa.table({"code": ["H9"], "wkb": [shapely.Point(106.7, 10.7).wkb]}), plain)
    with pytest.raises(InvalidInput, match=r"bang.parquet is Parquet without GeoParquet's "
                                           r"\"geo\" metadata"):
        load_file(loaded, "hydrants", plain)
    assert codes(loaded) == ["H1", "H2", "H3"]


def test_an_empty_layer_of_a_geopackage_is_named_in_the_refusal(loaded: Engine,
                                                                 tmp_path: Path) -> None:
    """An export of every layer holds empty ones (no billboards yet): say which is empty."""
    package = tmp_path / "quan7.gpkg"
    found = gpd.GeoDataFrame({"code": ["N1"]}, geometry=[shapely.Point(LON, LAT)],
                             crs="EPSG:4326")
    pyogrio.write_dataframe(found, package, layer="hydrants")
    pyogrio.write_dataframe(found.iloc[:0], package, layer="tru_moi", geometry_type="Point")
    with pytest.raises(InvalidInput, match=r"^Layer 'tru_moi' of quan7.gpkg has no features\."):
        load_file(loaded, "hydrants", package, layer="tru_moi")
    assert codes(loaded) == ["H1", "H2", "H3"]
