"""GIS export: every format in every CRS written from the District 7 sample and read back with
GDAL (Debian's ogrinfo and validate_gpkg.py, and pyogrio), compared with what PostGIS holds:
feature counts, every attribute (Vietnamese text intact) and every geometry within 0.5 m
after the round trip through the output CRS. Then the choices (ward, bbox, filter,
properties), the packaging rule, the sidecar, styles, streaming, the CLI and the HTTP
endpoint (HEAD, Range, Content-Disposition, caching, errors)."""

from __future__ import annotations

import csv
import datetime
import io
import json
import math
import re
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.dom import minidom

import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import pytest
import shapely
from pyproj import CRS, Transformer
from sqlalchemy import Engine, text

from geo.crs import UTM48N, VN2000_TOWGS84, canonical_crs
from geo.errors import BadRequest, NotFound
from geo.export import build_request
from geo.export_formats import FORMATS, short_field_names
from geo.export_package import Artefact, run_export
from geo.export_styles import layer_look
from layers import REGISTRY

LAYERS = ("hydrants", "roads", "green_spaces")  # point, line, polygon; dates, booleans, reals
CRS_NAMES = ("wgs84", "utm48n", "vn2000", "vn2000-hcm")
CASES = [(f, c) for f in FORMATS for c in CRS_NAMES if not (FORMATS[f].wgs84_only and c != "wgs84")]
VALIDATE_GPKG = "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"
TOLERANCE_M = 0.5
WARD = "Tân Thuận Đông"


def rows(engine: Engine, sql: str, **params) -> list:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).all()


@pytest.fixture(scope="module")
def truth(sample_engine: Engine) -> dict[str, dict[int, tuple[dict, object]]]:
    """Every feature of the test layers as PostGIS has it: fid → (properties, UTM geometry)."""
    found = {}
    for layer in LAYERS:
        spec = REGISTRY[layer]
        columns = ", ".join(spec.property_names)
        found[layer] = {
            row[0]: (dict(zip(spec.property_names, row[1:-1], strict=True)),
                     shapely.from_wkb(bytes(row[-1])))
            for row in rows(sample_engine, f"SELECT fid, {columns}, ST_AsBinary(geom) "
                                           f"FROM {layer}")}
        assert found[layer], f"the sample has no {layer}"
    return found


# -- reading an export back ---------------------------------------------------------------

def layer_paths(artefact: Artefact) -> dict[str, str]:
    """Each layer's dataset as GDAL names it (inside a zip: /vsizip/…)."""
    paths = {}
    for layer in artefact.metadata["layers"]:
        main = next(f for f in layer["files"] if not f.endswith((".cpg", ".dbf", ".prj",
                                                                 ".shx", ".fields.csv")))
        paths[layer["id"]] = (f"/vsizip/{artefact.path}/{main}"
                              if artefact.path.suffix == ".zip" else str(artefact.path))
    return paths


def ogrinfo_count(path: str, layer: str) -> int:
    """Feature count by Debian's ogrinfo (GDAL 3.6), not the library that wrote the file."""
    listing = subprocess.run(["ogrinfo", "-ro", "-so", path, layer], capture_output=True,
                             text=True, check=True).stdout
    return int(re.search(r"Feature Count: (\d+)", listing).group(1))


def read_back(path: str, layer: str, artefact: Artefact) -> dict[int, tuple[dict, object]]:
    """fid → (properties by their full names, geometry in UTM 48N), as GDAL reads the file."""
    fmt = artefact.metadata["format"]["id"]
    entry = next(e for e in artefact.metadata["layers"] if e["id"] == layer)
    if fmt == "parquet":  # no GDAL here has the Parquet driver: read with pyarrow
        table = _parquet_in_zip(path) if ".zip/" in path else pq.read_table(path)
        geo = json.loads(table.schema.metadata[b"geo"])
        crs = CRS.from_json_dict(geo["columns"]["geometry"]["crs"])
        geometry_name = "geometry"
    else:
        meta, table = pyogrio.read_arrow(path, layer=None if fmt != "gpkg" else layer,
                                         return_fids=fmt == "gpkg")
        geometry_name = meta["geometry_name"] or "wkb_geometry"
        crs = CRS.from_user_input(meta["crs"]) if meta["crs"] else \
            CRS.from_wkt(artefact.metadata["crs"]["wkt"])  # CSV: the CRS is in the sidecar
    names = {short: full for full, short in entry.get("field_names", {}).items()}
    if fmt == "kml":  # the KML <name> holds the layer's name field
        names["Name"] = next(n for n in ("name", "code") if n in REGISTRY[layer].property_names)
    to_utm = Transformer.from_crs(canonical_crs(crs), UTM48N, always_xy=True)
    found = {}
    for record in table.to_pylist():
        record = {names.get(k, k): v for k, v in record.items()}
        geometry = shapely.transform(shapely.from_wkb(record.pop(geometry_name)),
                                     lambda *xy: to_utm.transform(*xy), interleaved=False)
        found[int(record["fid"])] = (record, geometry)
    return found


def _parquet_in_zip(path: str) -> pa.Table:
    archive, member = path.removeprefix("/vsizip/").split(".zip/")
    with zipfile.ZipFile(archive + ".zip") as z:
        return pq.read_table(io.BytesIO(z.read(member)))


def same(expected, got, kind: str) -> bool:
    """A value as the format gives it back: text formats give text, dBase has no NULL
    text, KML and CSV write booleans as 1/0 and dates as ISO text."""
    if expected is None or expected == "":
        return got is None or got == "" or (isinstance(got, float) and math.isnan(got))
    if kind == "text":
        return got == expected
    if kind in ("integer", "real"):
        return got is not None and math.isclose(float(got), float(expected), rel_tol=1e-12)
    if kind == "boolean":
        return str(got).lower() in (("true", "1") if expected else ("false", "0"))
    if isinstance(got, datetime.datetime):
        got = got.date()
    return str(got)[:10] == expected.isoformat()


def compare(truth: dict, found: dict, layer: str) -> int:
    """Every property and geometry as PostGIS has them; the number of non-ASCII texts met."""
    spec = REGISTRY[layer]
    assert found.keys() == truth.keys()
    vietnamese = 0
    for fid, (expected, geometry) in truth.items():
        got, got_geometry = found[fid]
        for name in spec.property_names:
            assert same(expected[name], got.get(name), spec.field(name).type), \
                f"{layer} {fid} {name}: {expected[name]!r} came back as {got.get(name)!r}"
            vietnamese += isinstance(expected[name], str) and not expected[name].isascii()
        distance = shapely.hausdorff_distance(geometry, got_geometry)
        assert distance < TOLERANCE_M, f"{layer} {fid} moved {distance:.3f} m"
    return vietnamese


@pytest.mark.parametrize(("fmt", "crs"), CASES)
def test_every_format_and_crs_reads_back_with_gdal(sample_engine: Engine, truth: dict,
                                                   tmp_path: Path, fmt: str, crs: str) -> None:
    artefact = run_export(sample_engine, build_request(LAYERS, fmt, crs), tmp_path)
    paths = layer_paths(artefact)
    vietnamese = 0
    for layer in LAYERS:
        if fmt != "parquet":
            assert ogrinfo_count(paths[layer], layer if fmt == "gpkg" else
                                 _gdal_layer_name(paths[layer])) == len(truth[layer])
        entry = next(e for e in artefact.metadata["layers"] if e["id"] == layer)
        assert entry["features"] == len(truth[layer])
        vietnamese += compare(truth[layer], read_back(paths[layer], layer, artefact), layer)
    assert vietnamese > 100  # names such as "Đường Nguyễn Thị Thập" came back intact


def _gdal_layer_name(path: str) -> str:
    return Path(path).stem


@pytest.mark.parametrize("crs", ["utm48n", "vn2000-hcm"])
def test_geoparquet_metadata_is_readable_by_geopandas(sample_engine: Engine, tmp_path: Path,
                                                      crs: str) -> None:
    import geopandas

    artefact = run_export(sample_engine, build_request(["roads"], "parquet", crs), tmp_path)
    frame = geopandas.read_parquet(artefact.path)
    assert len(frame) == rows(sample_engine, "SELECT count(*) FROM roads")[0][0]
    assert canonical_crs(frame.crs).equals(build_request(["roads"], crs=crs).crs.crs)


def test_the_vn2000_datum_shift_is_in_the_geopackage(sample_engine: Engine,
                                                     tmp_path: Path) -> None:
    artefact = run_export(sample_engine, build_request(["hydrants"], "gpkg", "vn2000-hcm"),
                          tmp_path)
    with sqlite3.connect(artefact.path) as db:
        definition = db.execute("SELECT definition FROM gpkg_spatial_ref_sys s JOIN "
                                "gpkg_geometry_columns g ON g.srs_id = s.srs_id").fetchone()[0]
    shift = re.search(r"TOWGS84\[([^\]]+)\]", definition).group(1).split(",")
    assert [float(v) for v in shift] == pytest.approx(
        [float(v) for v in VN2000_TOWGS84.split(",")], abs=1e-8)
    assert "105.75" in definition and "0.9999" in definition


# -- GeoPackage: validity, metadata, styles ----------------------------------------------

def test_geopackage_passes_validate_gpkg_and_carries_metadata_and_styles(
        sample_engine: Engine, tmp_path: Path) -> None:
    artefact = run_export(sample_engine, build_request(LAYERS, "gpkg", "vn2000-hcm"),
                          tmp_path)
    check = subprocess.run(["/usr/bin/python3", VALIDATE_GPKG, str(artefact.path)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    with sqlite3.connect(artefact.path) as db:
        [(mime, document)] = db.execute("SELECT mime_type, metadata FROM gpkg_metadata m JOIN "
                                        "gpkg_metadata_reference r ON r.md_file_id = m.id "
                                        "WHERE r.reference_scope = 'geopackage'").fetchall()
        styles = {row[0]: row[1:] for row in db.execute(
            "SELECT f_table_name, styleQML, styleSLD, useAsDefault FROM layer_styles")}
        titles = dict(db.execute("SELECT table_name, identifier FROM gpkg_contents"))
    assert mime == "application/json"
    assert json.loads(document) == json.loads(artefact.sidecar.read_text())
    assert set(styles) == set(LAYERS) and all(default == 1 for *_, default in styles.values())
    assert titles["roads"] == "Roads (Đường)"
    for layer, (qml_text, sld_text, _) in styles.items():
        minidom.parseString(sld_text)
        minidom.parseString(qml_text.split("\n", 1)[1])
        for rule in layer_look(REGISTRY[layer]).rules:  # every colour of styles/<layer>.json
            assert rule.colour.lower() in sld_text.lower()


def test_geopackage_styles_follow_the_style_files(sample_engine: Engine,
                                                  tmp_path: Path) -> None:
    style = json.loads((Path(__file__).parent.parent / "styles" / "hydrants.json").read_text())
    colours = style["layers"][0]["paint"]["circle-color"]  # match status working/out_of_service
    artefact = run_export(sample_engine, build_request(["hydrants"], "gpkg"), tmp_path)
    with sqlite3.connect(artefact.path) as db:
        sld_text = db.execute("SELECT styleSLD FROM layer_styles").fetchone()[0]
    working = sld_text.split("<ogc:Literal>working</ogc:Literal>")[1].split("</se:Rule>")[0]
    assert colours[colours.index("working") + 1] in working


# -- the other formats' particulars -------------------------------------------------------

def test_shapefile_zip_has_utf8_cpg_and_a_field_name_mapping(sample_engine: Engine,
                                                             tmp_path: Path) -> None:
    artefact = run_export(sample_engine, build_request(["planning_zones", "pharmacies"],
                                                       "shp"), tmp_path)
    with zipfile.ZipFile(artefact.path) as archive:
        names = set(archive.namelist())
        cpg = archive.read("planning_zones.cpg").decode().strip()
        mapping = list(csv.DictReader(io.StringIO(archive.read(
            "planning_zones.fields.csv").decode("utf-8-sig"))))
        sidecar = json.loads(archive.read(f"{artefact.path.stem}.metadata.json"))
    assert cpg == "UTF-8"
    assert {"planning_zones.shp", "planning_zones.dbf", "planning_zones.prj",
            "pharmacies.shp", "pharmacies.fields.csv"} <= names
    short = {row["field"]: row["shapefile_field"] for row in mapping}
    zones = next(e for e in sidecar["layers"] if e["id"] == "planning_zones")
    assert short == zones["field_names"]
    assert all(len(s) <= 10 for s in short.values())
    assert len({s.lower() for s in short.values()}) == len(short)  # no collisions
    fields = pyogrio.read_info(f"/vsizip/{artefact.path}/planning_zones.shp")["fields"]
    assert list(fields) == list(short.values())


def test_short_field_names_are_deterministic_and_distinct() -> None:
    names = ["licence_number", "licence_expires", "licence_nu", "land_use_code",
             "land_use_category", "a" * 30, "a" * 31, "A" * 12]
    short = short_field_names(names)
    assert short == short_field_names(names)
    assert len({v.lower() for v in short.values()}) == len(names)
    assert all(len(v) <= 10 for v in short.values())


def test_csv_has_a_bom_and_xy_columns_in_the_crs(sample_engine: Engine, truth: dict,
                                                 tmp_path: Path) -> None:
    for crs, (x, y) in (("wgs84", ("lon", "lat")), ("vn2000-hcm", ("x", "y"))):
        artefact = run_export(sample_engine, build_request(["hydrants"], "csv", crs,
                                                           coordinates="xy"), tmp_path)
        raw = artefact.path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        assert list(table[0])[-2:] == [x, y]
        to_utm = Transformer.from_crs(canonical_crs(CRS.from_wkt(
            artefact.metadata["crs"]["wkt"])), UTM48N, always_xy=True)
        for row in table:
            point = shapely.Point(to_utm.transform(float(row[x]), float(row[y])))
            assert point.distance(truth["hydrants"][int(row["fid"])][1]) < TOLERANCE_M
            assert row["street"] == (truth["hydrants"][int(row["fid"])][0]["street"] or "")


def test_kml_placemarks_take_the_style_of_their_rule(sample_engine: Engine,
                                                     tmp_path: Path) -> None:
    artefact = run_export(sample_engine, build_request(["hydrants"], "kml"), tmp_path)
    document = minidom.parse(str(artefact.path))
    styles = {s.getAttribute("id"): s.getElementsByTagName("color")[0].firstChild.data
              for s in document.getElementsByTagName("Style")}
    statuses = dict(rows(sample_engine, "SELECT code, status FROM hydrants"))
    for placemark in document.getElementsByTagName("Placemark"):
        code = placemark.getElementsByTagName("name")[0].firstChild.data
        url = placemark.getElementsByTagName("styleUrl")[0].firstChild.data.lstrip("#")
        rgb = styles[url][6:8] + styles[url][4:6] + styles[url][2:4]  # KML is aabbggrr
        expected = "e15759" if statuses[code] == "working" else "9e9e9e"
        assert rgb == expected, code


# -- choices ------------------------------------------------------------------------------

def test_ward_bbox_filter_and_properties_select_what_postgis_selects(
        sample_engine: Engine, tmp_path: Path) -> None:
    box = "106.69,10.72,106.72,10.735"  # the north-east of Tân Phong is outside it
    request = build_request(["roads", "green_spaces"], "fgb", "vn2000-hcm", ward="tan phong",
                            bbox=box, filter="name IS NOT NULL", properties="name,kind")
    artefact = run_export(sample_engine, request, tmp_path)
    paths = layer_paths(artefact)
    for layer in ("roads", "green_spaces"):
        relation = "ST_Relate(t.geom, w.geom, 'T********')" if layer == "green_spaces" \
            else "ST_Intersects(t.geom, w.geom)"
        in_ward = (f"SELECT t.fid FROM {layer} t, wards w WHERE w.name = 'Phường Tân Phong' "
                   f"AND {relation} AND t.name IS NOT NULL")
        in_box = (" AND ST_Intersects(t.geom, ST_Transform(ST_MakeEnvelope("
                  f"{box}, 4326), 32648))")
        expected = {fid for (fid,) in rows(sample_engine, in_ward + in_box)}
        assert expected, f"the selection of {layer} is empty: the test would prove nothing"
        meta, table = pyogrio.read_arrow(paths[layer])
        assert set(table.column("fid").to_pylist()) == expected
        assert list(meta["fields"]) == ["fid", "source_id", "name", "kind"]
    assert len(rows(sample_engine, in_ward.replace("green_spaces", "roads").replace(
        "ST_Relate(t.geom, w.geom, 'T********')", "ST_Intersects(t.geom, w.geom)"))) > \
        len(pyogrio.read_arrow(paths["roads"])[1])  # the bbox did cut
    assert artefact.metadata["selection"]["ward"]["name"] == "Phường Tân Phong"
    assert "wards" in artefact.metadata["data_versions"]


@pytest.mark.parametrize(("arguments", "error", "words"), [
    ({"format": "dwg"}, BadRequest, "Unknown export format"),
    ({"layers": ["nope"]}, NotFound, "no spatial layer 'nope'"),
    ({"crs": "EPSG:999999"}, BadRequest, "Unknown coordinate system"),
    ({"crs": "+proj=longlat +nadgrids=/etc/passwd"}, BadRequest, "Unknown coordinate system"),
    ({"bbox": "1,2,3"}, BadRequest, "bbox must be four numbers"),
    ({"filter": "name LIKE"}, BadRequest, "could not be read"),
    ({"filter": "status = 'working'"}, BadRequest, "applies to hydrants but not to roads"),
    ({"properties": "colour"}, BadRequest, "no layer of this export has 'colour'"),
    ({"format": "kml", "crs": "vn2000-hcm"}, BadRequest, "KML is always WGS 84"),
    ({"coordinates": "xy", "format": "csv"}, BadRequest, "needs point layers"),
    ({"coordinates": "xy"}, BadRequest, "applies to CSV only"),
])
def test_bad_choices_are_refused_with_a_message(arguments: dict, error: type,
                                                words: str) -> None:
    kwargs = {"layers": ["hydrants", "roads"], **arguments}
    with pytest.raises(error, match=re.escape(words)):
        build_request(kwargs.pop("layers"), **kwargs)


@pytest.mark.parametrize("name", ["vn2000-hcm", "VN2000-HCM", "9210", "EPSG:9210",
                                  "http://www.opengis.net/def/crs/EPSG/0/9210"])
def test_the_hcmc_zone_by_any_of_its_names_carries_the_datum_shift(name: str) -> None:
    chosen = build_request(["hydrants"], crs=name).crs
    assert chosen.crs.is_bound and chosen.postgis_srid is None  # pyproj, with EPSG:6960
    assert chosen.crs.source_crs.name == "VN-2000 / TM-3 105-45"


def test_an_unknown_ward_names_the_wards(sample_engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="Phường Tân Thuận Đông"):
        run_export(sample_engine, build_request(["roads"], ward="Atlantis"), tmp_path)
    assert not list(tmp_path.iterdir())  # nothing half-written is left


# -- packaging and the sidecar ------------------------------------------------------------

def test_one_layer_is_the_file_and_several_are_a_zip_with_the_sidecar(
        sample_engine: Engine, tmp_path: Path) -> None:
    one = run_export(sample_engine, build_request(["hydrants"], "fgb"), tmp_path / "one")
    assert one.path.name.endswith(".fgb") and one.sidecar.name.endswith(".metadata.json")
    several = run_export(sample_engine, build_request(["hydrants", "roads"], "geojson"),
                         tmp_path / "several")
    assert several.path.suffix == ".zip" and several.sidecar is None
    with zipfile.ZipFile(several.path) as archive:
        assert sorted(archive.namelist()) == sorted(
            ["hydrants.geojson", "roads.geojson", f"{several.path.stem}.metadata.json"])
    gpkg = run_export(sample_engine, build_request(["hydrants", "roads"], "gpkg"),
                      tmp_path / "gpkg")
    assert gpkg.path.suffix == ".gpkg"
    spatial = [name for name, geometry in pyogrio.list_layers(gpkg.path) if geometry]
    assert sorted(spatial) == ["hydrants", "roads"]  # and layer_styles, a table


def test_the_sidecar_says_layers_counts_crs_versions_time_and_licence(
        sample_engine: Engine, tmp_path: Path) -> None:
    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    artefact = run_export(sample_engine, build_request(["hydrants", "roads"], "gpkg",
                                                       "vn2000-hcm"), tmp_path)
    sidecar = json.loads(artefact.sidecar.read_text(encoding="utf-8"))
    counts = {e["id"]: e["features"] for e in sidecar["layers"]}
    assert counts == {layer: rows(sample_engine, f"SELECT count(*) FROM {layer}")[0][0]
                      for layer in ("hydrants", "roads")}
    versions = dict(rows(sample_engine, "SELECT layer_id, data_version FROM layer_versions "
                                        "WHERE layer_id IN ('hydrants', 'roads')"))
    assert sidecar["data_versions"] == versions
    assert sidecar["crs"]["name"] == "vn2000-hcm" and sidecar["crs"]["epsg"] == 9210
    assert "TOWGS84" in sidecar["crs"]["wkt"] or "BOUNDCRS" in sidecar["crs"]["wkt"]
    created = datetime.datetime.fromisoformat(sidecar["created"].replace("Z", "+00:00"))
    assert before <= created <= datetime.datetime.now(datetime.UTC)
    assert sidecar["licence"]["attribution"] == "© OpenStreetMap contributors"
    assert "ODbL" in sidecar["licence"]["name"]
    hydrants = next(e for e in sidecar["layers"] if e["id"] == "hydrants")
    assert hydrants["last_load"]["source_file"] == "hydrants.geojson"
    assert [f["name"] for f in hydrants["fields"]] == list(REGISTRY["hydrants"].property_names)


# -- streaming -----------------------------------------------------------------------------

BIG = 60_000


@pytest.fixture(scope="module")
def big_engine(cluster) -> Engine:
    """A migrated database with BIG convenience stores, inserted by SQL in the district."""
    from geo import migrate
    from geo.db import make_engine

    engine = make_engine(cluster.create_database("export_big"))
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO convenience_stores (geom, name, address, operator, source_id) "
            "SELECT ST_Transform(ST_SetSRID(ST_MakePoint(106.69 + (i % 300) * 0.0003, "
            "10.70 + (i / 300) * 0.0003), 4326), 32648), 'Cửa hàng số ' || i, "
            "i || ' Huỳnh Tấn Phát, Phường Tân Thuận Đông, Quận 7', "
            "'Công ty TNHH Vòng Tròn Đỏ', 'gen-' || i FROM generate_series(1, :n) i"), {"n": BIG})
    return engine


def test_a_layer_is_read_in_batches_of_bounded_size(big_engine: Engine) -> None:
    from geo.export import stream_layer

    request = build_request(["convenience_stores"], "gpkg")
    with big_engine.connect() as conn:
        stream, source = stream_layer(conn, REGISTRY["convenience_stores"], request, None,
                                      block_bytes=256 * 1024)
        sizes = [batch.num_rows for batch in stream.reader]
        source.close()
    assert sum(sizes) == BIG
    assert len(sizes) > 20 and max(sizes) < BIG / 10


def test_a_large_export_never_holds_the_layer_in_memory(big_engine: Engine,
                                                        tmp_path: Path) -> None:
    """Arrow's allocations, sampled after every batch the writer takes, stay a few blocks
    while the layer is many times larger: the writer consumes batches as they come."""
    block = 256 * 1024
    peaks: list[int] = []

    class Sampler:
        def start(self, layer: str, total: int) -> None:
            assert total == BIG

        def advance(self, rows: int) -> None:
            peaks.append(pa.total_allocated_bytes())

    artefact = run_export(big_engine, build_request(["convenience_stores"], "gpkg"), tmp_path,
                          progress=Sampler(), block_bytes=block)
    written = artefact.path.stat().st_size
    assert artefact.metadata["layers"][0]["features"] == BIG
    assert len(peaks) > 20
    assert max(peaks) < 16 * block < written / 2, (max(peaks), written)


def test_hex_to_binary_handles_slices_and_nulls() -> None:
    from geo.export_stream import hex_to_binary

    values = pa.array(["0101", None, "ff00aa", "", "AbCd"])
    assert hex_to_binary(values.slice(1)).to_pylist() == [None, b"\xff\x00\xaa", b"",
                                                          b"\xab\xcd"]
    assert hex_to_binary(values.slice(2, 1)).to_pylist() == [b"\xff\x00\xaa"]


# -- the command line ----------------------------------------------------------------------

def _urbanmap(engine: Engine, *arguments: str) -> subprocess.CompletedProcess:
    url = engine.url.render_as_string(hide_password=False).replace("+psycopg2", "")
    return subprocess.run([str(Path(sys.executable).parent / "urbanmap"), *arguments],
                          capture_output=True, text=True, env={"DATABASE_URL": url,
                                                               "PATH": "/usr/bin:/bin"})


def test_urbanmap_export_writes_the_file_and_its_sidecar(sample_engine: Engine,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "hydrants.geojson"
    done = _urbanmap(sample_engine, "export", "hydrants", "--format", "geojson",
                     "--crs", "vn2000-hcm", "--out", str(out))
    assert done.returncode == 0, done.stderr + done.stdout
    assert ogrinfo_count(str(out), "hydrants") == \
        rows(sample_engine, "SELECT count(*) FROM hydrants")[0][0]
    assert json.loads((tmp_path / "hydrants.metadata.json").read_text())["crs"]["epsg"] == 9210
    refused = _urbanmap(sample_engine, "export", "hydrants", "roads", "--format", "fgb",
                        "--out", str(tmp_path / "x.fgb"))
    assert refused.returncode == 1 and ".zip" in refused.stderr
