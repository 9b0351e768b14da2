"""Every file format and coordinate system agencies send lands within 0.5 m of the truth.

The fixtures are made independently of urbanmap's own transformation code: Debian's
`/usr/bin/ogr2ogr` (GDAL 3.6 with its own PROJ) writes a small WGS 84 truth table of
District 7 features in each format, projected with explicit PROJ strings that carry
VN-2000's +towgs84. Where a case says so, the .prj GDAL wrote is replaced by the ESRI WKT
Vietnamese agencies' software ships, with no TOWGS84 (tests/fixtures/formats/). Stored
geometries are compared with the truth as PostGIS itself projects it to EPSG:32648.
"""

from __future__ import annotations

import csv
import json
import math
import re
import shutil
import subprocess
import unicodedata
import uuid
import zipfile
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pyogrio
import pytest
import shapely
from pyproj import Transformer
from sqlalchemy import Engine, text

from geo import migrate
from geo.db import make_engine
from geo.errors import InvalidInput
from loaders.files import load_file
from loaders.osm import load_osm

OGR2OGR = "/usr/bin/ogr2ogr"
PRJ_DIR = Path(__file__).parent / "fixtures" / "formats"
SAMPLE_PBF = Path(__file__).parent.parent / "sample" / "district7-2018-01-01.osm.pbf"
TOLERANCE_M = 0.5

# EPSG:6960 (VN-2000 to WGS 84) in PROJ's position-vector convention, typed out here rather
# than imported from geo.crs so that the fixtures cannot share a mistake with the loader.
TOWGS84 = ("+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,"
           "0.00427372,0.252906278")
HCM_ZONE = "+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84"
TARGET = {  # what ogr2ogr projects the truth to, per coordinate system
    "wgs84": "EPSG:4326",
    "utm48n": "EPSG:32648",
    "vn2000": f"+proj=longlat +ellps=WGS84 {TOWGS84} +no_defs",
    "vn2000-utm48n": f"+proj=utm +zone=48 +ellps=WGS84 {TOWGS84} +units=m +no_defs",
    "vn2000-hcm": f"{HCM_ZONE} {TOWGS84} +units=m +no_defs",
}
# ESRI .prj files as agencies' software writes them: VN-2000 named, no TOWGS84.
ESRI_PRJ = {"vn2000": "vn2000_esri.prj", "vn2000-utm48n": "vn2000_utm48n_esri.prj",
            "vn2000-hcm": "vn2000_hcm_105_45_esri.prj"}

Vertices = list[tuple[float, float]]
# layer -> features as (properties, GeoJSON geometry type, vertices in WGS 84 lon/lat).
TRUTH: dict[str, list[tuple[dict, str, Vertices]]] = {
    "hydrants": [
        ({"code": "TN-01", "status": "working", "street": "Nguyễn Văn Linh"}, "Point",
         [(106.72190, 10.72900)]),
        ({"code": "TN-02", "status": "working", "street": "Huỳnh Tấn Phát"}, "Point",
         [(106.73000, 10.74500)]),
        ({"code": "TN-03", "status": "out_of_service", "street": "Trần Xuân Soạn"}, "Point",
         [(106.70500, 10.74200)]),
    ],
    "roads": [
        ({"name": "Nguyễn Văn Linh", "kind": "primary"}, "LineString",
         [(106.6990, 10.7300), (106.7100, 10.7293), (106.7219, 10.7290), (106.7350, 10.7296)]),
    ],
    "green_spaces": [
        ({"name": "Công viên Hưng Vượng", "kind": "park"}, "Polygon",
         [(106.7040, 10.7280), (106.7075, 10.7280), (106.7075, 10.7310), (106.7040, 10.7310),
          (106.7040, 10.7280)]),
    ],
}
KEY = {"hydrants": "code", "roads": "name", "green_spaces": "name", "alleys": "source_id"}
LAYERS_USED = ("hydrants", "roads", "green_spaces", "alleys")


# -- the database and the truth --------------------------------------------------------

@pytest.fixture(scope="module")
def engine(cluster) -> Iterator[Engine]:
    """One migrated database for the module, with no wards: nothing is 'outside'."""
    engine = make_engine(cluster.create_database(f"formats_{uuid.uuid4().hex[:10]}"))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def empty_layers(engine: Engine) -> None:
    """Each test starts from empty layers: a load that silently skips a column must not be
    hidden by the values an earlier test's load left in it (features match on source id)."""
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(LAYERS_USED)}"))


def geojson_geometry(kind: str, vertices: Vertices) -> dict:
    coordinates = {"Point": vertices[0], "LineString": vertices, "Polygon": [vertices]}[kind]
    return {"type": kind, "coordinates": coordinates}


def write_geojson(path: Path, features: list[tuple[dict, str, Vertices]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": geojson_geometry(kind, vertices)}
        for props, kind, vertices in features]}, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def truth(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("truth")
    return {layer: write_geojson(folder / f"{layer}.geojson", features)
            for layer, features in TRUTH.items()}


def ogr2ogr(destination: Path, source: Path, *options: str) -> Path:
    subprocess.run([OGR2OGR, *options, str(destination), str(source)], check=True,
                   capture_output=True, timeout=60)
    return destination


def rows(engine: Engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params).all()]


def worst_error_m(engine: Engine, layer: str, expected: dict[str, Vertices]) -> float:
    """Largest distance from a truth vertex, projected by PostGIS, to its feature's nearest
    stored vertex; every feature must have as many vertices stored as the truth has."""
    keys, lons, lats = zip(*((key, lon, lat) for key, vertices in expected.items()
                             for lon, lat in vertices), strict=True)
    errors = rows(engine, f"""
        WITH truth AS (SELECT * FROM unnest(CAST(:keys AS text[]), CAST(:lons AS float8[]),
                                            CAST(:lats AS float8[])) AS t(key, lon, lat)),
             stored AS (SELECT {KEY[layer]} AS key, (ST_DumpPoints(geom)).geom AS vertex
                        FROM {layer})
        SELECT truth.key, min(ST_Distance(stored.vertex, ST_Transform(
                   ST_SetSRID(ST_MakePoint(truth.lon, truth.lat), 4326), 32648)))
        FROM truth LEFT JOIN stored ON stored.key = truth.key
        GROUP BY truth.key, truth.lon, truth.lat""", keys=list(keys), lons=list(lons),
        lats=list(lats))
    assert [key for key, error in errors if error is None] == []
    counts = dict(rows(engine, f"SELECT {KEY[layer]}, ST_NPoints(geom) FROM {layer} "
                               f"WHERE {KEY[layer]} = ANY(:keys)", keys=list(expected)))
    assert counts == {key: len(vertices) for key, vertices in expected.items()}
    return max(error for _, error in errors)


def truth_vertices(layer: str) -> dict[str, Vertices]:
    return {props[KEY[layer]]: vertices for props, _, vertices in TRUTH[layer]}


def stored_properties(engine: Engine, layer: str) -> set[tuple]:
    names = list(TRUTH[layer][0][0])
    return set(rows(engine, f"SELECT {', '.join(names)} FROM {layer}"))


def truth_properties(layer: str) -> set[tuple]:
    return {tuple(props.values()) for props, _, _ in TRUTH[layer]}


# -- fixtures in each format, made by Debian's ogr2ogr ---------------------------------

Files = dict[str, tuple[Path, dict]]  # layer -> (file to load, load_file options)
Builder = Callable[[dict[str, Path], Path], Files]


def per_layer(driver: str, suffix: str, crs: str, truth: dict[str, Path], out: Path,
              prj: str | None = None, assign: str | None = None, options: tuple = (),
              load: dict | None = None) -> Files:
    """One file per layer; `prj` replaces GDAL's .prj, `assign` declares an EPSG code for
    coordinates projected with the PROJ string (PROJ strings carry no code)."""
    files = {}
    for layer, source in truth.items():
        destination = out / f"{layer}{suffix}"
        if assign:
            source = ogr2ogr(out / f"{layer}-projected.geojson", source, "-t_srs", TARGET[crs])
            ogr2ogr(destination, source, "-f", driver, "-a_srs", assign, *options)
        else:
            ogr2ogr(destination, source, "-f", driver, "-t_srs", TARGET[crs], *options)
        if prj:
            shutil.copy(PRJ_DIR / prj, destination.with_suffix(".prj"))
        files[layer] = (destination, dict(load or {}))
    return files


def shapefiles(crs: str, truth: dict[str, Path], out: Path, esri_prj: bool = False,
               zipped: bool = False) -> Files:
    files = per_layer("ESRI Shapefile", ".shp", crs, truth, out,
                      prj=ESRI_PRJ[crs] if esri_prj else None, options=("-lco", "ENCODING=UTF-8"))
    return {layer: (zip_shapefile(shp) if zipped else shp, load)
            for layer, (shp, load) in files.items()}


def zip_shapefile(shp: Path) -> Path:
    archive = shp.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w") as zipped:
        for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            zipped.write(shp.with_suffix(suffix), shp.with_suffix(suffix).name)
    return archive


def geopackage(crs: str, truth: dict[str, Path], out: Path, assign: str | None = None) -> Files:
    """All layers in one GeoPackage, under names that are not layer ids: layer= picks."""
    gpkg, files = out / "quan7.gpkg", {}
    for layer, source in truth.items():
        name = f"q7_{layer}"
        projection = ("-t_srs", TARGET[crs])
        if assign:
            source = ogr2ogr(out / f"{layer}-projected.geojson", source, *projection)
            projection = ("-a_srs", assign)
        update = ("-update",) if gpkg.exists() else ()
        ogr2ogr(gpkg, source, "-f", "GPKG", *update, "-nln", name, *projection)
        files[layer] = (gpkg, {"layer": name})
    return files


def geojson_named_crs(crs: str, urn: str, truth: dict[str, Path], out: Path) -> Files:
    files = per_layer("GeoJSON", ".geojson", crs, truth, out)
    for path, _ in files.values():
        data = json.loads(path.read_text(encoding="utf-8"))
        data["crs"] = {"type": "name", "properties": {"name": urn}}
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return files


def csv_points(crs: str, lon: str, lat: str, truth: dict[str, Path], out: Path,
               load: dict | None = None) -> Files:
    """Hydrants as a CSV with longitude/latitude columns, coordinates from ogr2ogr."""
    projected = ogr2ogr(out / "projected.geojson", truth["hydrants"], "-t_srs", TARGET[crs],
                        "-lco", "COORDINATE_PRECISION=10")
    features = json.loads(projected.read_text(encoding="utf-8"))["features"]
    path = out / "hydrants.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "status", "street", lon, lat])
        for feature in features:
            props, (x, y) = feature["properties"], feature["geometry"]["coordinates"]
            writer.writerow([props["code"], props["status"], props["street"], x, y])
    return {"hydrants": (path, dict(load or {}))}


def windows_csv(crs: str, truth: dict[str, Path], out: Path, zipped: bool = False) -> Files:
    """CSVs with WKT as a Vietnamese Windows PC saves them: in cp1258, with the ESRI .prj
    of the agency's software beside them (in a folder of the zip when `zipped`)."""
    files = per_layer("CSV", ".csv", crs, truth, out, prj=ESRI_PRJ[crs], options=WKT_CSV,
                      load={"encoding": "cp1258"})
    for layer, (path, load) in files.items():
        path.write_bytes(windows_1258(path.read_text(encoding="utf-8")))
        if zipped:
            archive = path.with_suffix(".zip")
            with zipfile.ZipFile(archive, "w") as zipped_file:
                for member in (path, path.with_suffix(".prj")):
                    zipped_file.write(member, f"so_lieu/{member.name}")
            files[layer] = (archive, load)
    return files


WKT_CSV = ("-lco", "GEOMETRY=AS_WKT")
XYZ = ("-dim", "XYZ")
CASES: dict[str, tuple[str, Builder]] = {  # case -> (coordinate system, how it is made)
    "shapefile-wgs84": ("wgs84", partial(shapefiles, "wgs84")),
    "shapefile-utm48n": ("utm48n", partial(shapefiles, "utm48n")),
    "shapefile-vn2000-esri-prj": ("vn2000", partial(shapefiles, "vn2000", esri_prj=True)),
    "shapefile-vn2000-utm48n-esri-prj": (
        "vn2000-utm48n", partial(shapefiles, "vn2000-utm48n", esri_prj=True)),
    "shapefile-vn2000-hcm-esri-prj": (
        "vn2000-hcm", partial(shapefiles, "vn2000-hcm", esri_prj=True)),
    "zipped-shapefile-vn2000-hcm-esri-prj": (
        "vn2000-hcm", partial(shapefiles, "vn2000-hcm", esri_prj=True, zipped=True)),
    "geopackage-utm48n": ("utm48n", partial(geopackage, "utm48n")),
    "geopackage-vn2000-hcm-epsg9210": (
        "vn2000-hcm", partial(geopackage, "vn2000-hcm", assign="EPSG:9210")),
    "geojson-wgs84": ("wgs84", partial(per_layer, "GeoJSON", ".geojson", "wgs84",
                                       options=("-lco", "RFC7946=YES"))),
    "geojson-named-crs-utm48n": (
        "utm48n", partial(geojson_named_crs, "utm48n", "urn:ogc:def:crs:EPSG::32648")),
    "geojson-named-crs-vn2000-hcm": (
        "vn2000-hcm", partial(geojson_named_crs, "vn2000-hcm", "urn:ogc:def:crs:EPSG::9210")),
    "kml-wgs84": ("wgs84", partial(per_layer, "KML", ".kml", "wgs84")),
    # Google Earth writes an altitude with every point: ",0".
    "kml-wgs84-with-altitudes": (
        "wgs84", partial(per_layer, "KML", ".kml", "wgs84", options=XYZ)),
    # In the storage CRS already, but 3D: the WKB cannot be kept as it is.
    "shapefile-utm48n-3d": (
        "utm48n", partial(per_layer, "ESRI Shapefile", ".shp", "utm48n",
                          options=("-lco", "ENCODING=UTF-8", *XYZ))),
    # As GDAL and QGIS write a custom CRS: the file's own WKT carries TOWGS84.
    "flatgeobuf-vn2000-hcm-own-towgs84": (
        "vn2000-hcm", partial(per_layer, "FlatGeobuf", ".fgb", "vn2000-hcm")),
    "flatgeobuf-vn2000-utm48n-own-towgs84": (
        "vn2000-utm48n", partial(per_layer, "FlatGeobuf", ".fgb", "vn2000-utm48n")),
    "flatgeobuf-vn2000-utm48n-epsg3405": (
        "vn2000-utm48n",
        partial(per_layer, "FlatGeobuf", ".fgb", "vn2000-utm48n", assign="EPSG:3405")),
    "csv-lon-lat-wgs84": ("wgs84", partial(csv_points, "wgs84", "lon", "lat")),
    "csv-kinh-do-vi-do-vn2000": (
        "vn2000", partial(csv_points, "vn2000", "kinh_do", "vi_do", load={"crs": "vn2000"})),
    "csv-wkt-vn2000-hcm": ("vn2000-hcm", partial(
        per_layer, "CSV", ".csv", "vn2000-hcm", options=WKT_CSV, load={"crs": "vn2000-hcm"})),
    "csv-wkt-cp1258-vn2000-hcm-esri-prj": ("vn2000-hcm", partial(windows_csv, "vn2000-hcm")),
    "zipped-csv-wkt-cp1258-vn2000-hcm-esri-prj": (
        "vn2000-hcm", partial(windows_csv, "vn2000-hcm", zipped=True)),
    "csv-wkt-utm48n": ("utm48n", partial(
        per_layer, "CSV", ".csv", "utm48n", options=WKT_CSV, load={"crs": "EPSG:32648"})),
}


# -- every format and coordinate system ------------------------------------------------

@pytest.mark.parametrize("case", CASES)
def test_stored_geometry_is_within_half_a_metre_of_the_truth(
        engine: Engine, truth: dict[str, Path], tmp_path: Path, case: str) -> None:
    crs, build = CASES[case]
    worst = 0.0
    for layer, (path, options) in build(truth, tmp_path).items():
        report = load_file(engine, layer, path, **options)
        assert (report.read, report.rejected_total) == (len(TRUTH[layer]), 0), report.summary()
        assert stored_properties(engine, layer) == truth_properties(layer)
        worst = max(worst, worst_error_m(engine, layer, truth_vertices(layer)))
    print(f"\n{case} ({crs}): worst error {worst:.4f} m")
    assert worst < TOLERANCE_M


def test_fixtures_declare_what_the_cases_claim(truth: dict[str, Path], tmp_path: Path) -> None:
    """The named-crs GeoJSON carries the member, and the agencies' .prj has no TOWGS84."""
    _, build = CASES["geojson-named-crs-utm48n"]
    path, _ = build(truth, tmp_path)["hydrants"]
    assert json.loads(path.read_text(encoding="utf-8"))["crs"] == {
        "type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32648"}}
    for prj in ESRI_PRJ.values():
        wkt = (PRJ_DIR / prj).read_text()
        assert "D_Vietnam_2000" in wkt and "TOWGS84" not in wkt


def test_vn2000_coordinates_read_without_the_datum_shift_land_far_off(
        engine: Engine, truth: dict[str, Path], tmp_path: Path) -> None:
    """The negative control: the same file, declared without +towgs84, must visibly miss."""
    path, _ = shapefiles("vn2000-hcm", truth, tmp_path, esri_prj=True)["hydrants"]
    no_shift = f"{HCM_ZONE} +units=m"
    try:
        load_file(engine, "hydrants", path, crs=no_shift)
    except InvalidInput as refusal:
        assert "--crs" in str(refusal)
    else:
        miss = worst_error_m(engine, "hydrants", truth_vertices("hydrants"))
        print(f"\nwithout the datum shift: {miss:.1f} m off")
        assert miss > 100


# -- Vietnamese as Windows writes it (the encodings' tests: test_load_legacy_text.py) ------

VIETNAMESE_STATUS = {"working": "Hoạt động", "out_of_service": "Hư hỏng"}


def windows_1258(text: str) -> bytes:
    """`text` as Windows Vietnamese writes it: a letter with its tone as one character where
    the code page has one (à), else the letter and then the tone as a combining mark (ộ is
    ô and a dot below); Python's codec knows only the first form."""
    tones = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below
    encoded = bytearray()
    for letter in re.findall(r".[\u0300-\u036f]*", unicodedata.normalize("NFD", text), re.S):
        try:
            encoded += unicodedata.normalize("NFC", letter).encode("cp1258")
        except UnicodeEncodeError:
            marks = "".join(m for m in letter[1:] if m not in tones)
            tone = "".join(m for m in letter[1:] if m in tones)
            encoded += (unicodedata.normalize("NFC", letter[0] + marks) + tone).encode("cp1258")
    return bytes(encoded)


# -- files as agencies' software leaves them: heights, KML columns, missing parts, arcs ---

def with_height(coordinates: list, height: float) -> list:
    """GeoJSON coordinates, every position given `height` as its Z."""
    if coordinates and isinstance(coordinates[0], (int, float)):
        return [*coordinates[:2], height]
    return [with_height(part, height) for part in coordinates]


@pytest.mark.parametrize("height", [4.5, 0.0], ids=["measured", "zero"])
def test_heights_are_dropped_and_said_so(engine: Engine, truth: dict[str, Path],
                                         tmp_path: Path, height: float) -> None:
    """A Z of 0 everywhere, as Google Earth and CAD exports write, is no height: nothing
    is said of it."""
    for layer, source in truth.items():
        data = json.loads(source.read_text(encoding="utf-8"))
        for feature in data["features"]:
            geometry = feature["geometry"]
            geometry["coordinates"] = with_height(geometry["coordinates"], height)
        (tmp_path / f"{layer}.geojson").write_text(json.dumps(data), encoding="utf-8")
    files = per_layer("ESRI Shapefile", ".shp", "utm48n",
                      {layer: tmp_path / f"{layer}.geojson" for layer in truth}, tmp_path,
                      options=("-lco", "ENCODING=UTF-8"))
    for layer, (path, _) in files.items():
        assert "Z" in pyogrio.read_info(path)["geometry_type"]  # the fixture is 3D
        report = load_file(engine, layer, path)
        count = len(TRUTH[layer])
        plural = "s" if count > 1 else ""
        assert report.notes == ([f"{count} feature{plural} had heights (Z): dropped, {layer} "
                                 "is 2D"] if height else []), report.summary()
        assert rows(engine, f"SELECT DISTINCT ST_NDims(geom) FROM {layer}") == [(2,)]
        assert worst_error_m(engine, layer, truth_vertices(layer)) < TOLERANCE_M


def my_maps_kml(path: Path, code_column: bool = True, hydrants: list | None = None) -> Path:
    """Hydrants as Google My Maps exports them: Vietnamese column names in ExtendedData,
    values as typed, an altitude with every point; each placemark named by its code, which
    a column may say too."""
    placemarks = []
    for props, _, [(lon, lat)] in hydrants or TRUTH["hydrants"]:
        number = int(props["code"].removeprefix("TN-"))  # TN-02: 2,5 bar
        data = {"Mã trụ": props["code"], "Tình trạng": VIETNAMESE_STATUS[props["status"]],
                "Tên đường": props["street"], "Áp lực (bar)": f"{number},5"}
        if not code_column:
            del data["Mã trụ"]
        extended = "".join(f'<Data name="{name}"><value>{value}</value></Data>'
                           for name, value in data.items())
        placemarks.append(f"<Placemark><name>{props['code']}</name><ExtendedData>{extended}"
                          f"</ExtendedData><Point><coordinates>{lon},{lat},0</coordinates>"
                          "</Point></Placemark>")
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>'
                    '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
                    "<name>Trụ nước Quận 7</name><Folder><name>Trụ nước</name>"
                    f"{''.join(placemarks)}</Folder></Document></kml>", encoding="utf-8")
    return path


def test_google_my_maps_kml_loads_its_vietnamese_columns(engine: Engine,
                                                          tmp_path: Path) -> None:
    report = load_file(engine, "hydrants", my_maps_kml(tmp_path / "tru_nuoc.kml"))
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    assert stored_properties(engine, "hydrants") == truth_properties("hydrants")
    assert rows(engine, "SELECT pressure_bar FROM hydrants ORDER BY code") == [
        (1.5,), (2.5,), (3.5,)]


def gps_gpx(path: Path, track: bool = False) -> Path:
    """Hydrants a field team marked with a handheld GPS receiver: a waypoint each, named by
    its code, its state typed as the waypoint's description; with `track`, the walk too."""
    waypoints = "".join(
        f'<wpt lat="{lat}" lon="{lon}"><ele>2.1</ele><time>2026-11-20T02:10:00Z</time>'
        f"<name>{props['code']}</name><desc>{VIETNAMESE_STATUS[props['status']]}</desc></wpt>"
        for props, _, [(lon, lat)] in TRUTH["hydrants"])
    walk = "".join(f'<trkpt lat="{lat}" lon="{lon}"/>'
                   for _, _, [(lon, lat)] in TRUTH["hydrants"])
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="eTrex" '
                    'xmlns="http://www.topografix.com/GPX/1/1">'
                    f"{waypoints}{f'<trk><trkseg>{walk}</trkseg></trk>' if track else ''}</gpx>",
                    encoding="utf-8")
    return path


def test_a_gps_receivers_gpx_loads_its_waypoints(engine: Engine, tmp_path: Path) -> None:
    """A GPX has five layers (waypoints, routes, tracks and their points); the only one with
    points is read, and said so. With a track walked too, two have points: refused with
    what each holds, then read as --layer says."""
    report = load_file(engine, "hydrants", gps_gpx(tmp_path / "tru_nuoc.gpx"),
                       overrides={"desc": "status"})
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    assert report.notes[0] == "read layer 'waypoints', the only one with points"
    assert stored_properties(engine, "hydrants") == {
        (code, status, None) for code, status, _ in truth_properties("hydrants")}
    assert worst_error_m(engine, "hydrants", truth_vertices("hydrants")) < TOLERANCE_M
    walked = gps_gpx(tmp_path / "walked.gpx", track=True)
    with pytest.raises(InvalidInput, match=re.escape(
            "walked.gpx holds several layers: waypoints (3 Point), routes (0 LineString), "
            "tracks (1 MultiLineString), route_points (0 Point), track_points (3 Point). Pick "
            "one with --layer.")):
        load_file(engine, "hydrants", walked, overrides={"desc": "status"})
    again = load_file(engine, "hydrants", walked, layer="waypoints", overrides={"desc": "status"})
    assert (again.read, again.unchanged) == (3, 3)


def test_a_my_maps_kml_without_a_code_column_goes_by_the_placemarks_names(
        engine: Engine, tmp_path: Path) -> None:
    """A hydrant's placemark name is its code. LIBKML's id column is blank for every
    placemark, so each is known by its code, not its place: the team's next export, with a
    hydrant added first, changes none of the others."""
    report = load_file(engine, "hydrants", my_maps_kml(tmp_path / "a.kml", code_column=False))
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    assert stored_properties(engine, "hydrants") == truth_properties("hydrants")
    assert rows(engine, "SELECT source_id FROM hydrants ORDER BY code") == [
        (props["code"],) for props, _, _ in sorted(TRUTH["hydrants"], key=lambda f: f[0]["code"])]
    added = ({**TRUTH["hydrants"][0][0], "code": "TN-00"}, "Point", [(106.7200, 10.7300)])
    again = load_file(engine, "hydrants", my_maps_kml(tmp_path / "b.kml", code_column=False,
                                                      hydrants=[added, *TRUTH["hydrants"]]))
    assert (again.inserted, again.updated, again.unchanged, again.deleted) == (1, 0, 3, 0)
    assert worst_error_m(engine, "hydrants", truth_vertices("hydrants")) < TOLERANCE_M


@pytest.mark.parametrize("zipped", [False, True], ids=["beside", "zipped"])
def test_shapefile_without_its_shx_loads_from_a_rebuilt_one(
        engine: Engine, truth: dict[str, Path], tmp_path: Path, zipped: bool) -> None:
    path, _ = shapefiles("vn2000-hcm", truth, tmp_path, esri_prj=True)["hydrants"]
    path.with_suffix(".shx").unlink()
    if zipped:
        archive = path.with_suffix(".zip")
        with zipfile.ZipFile(archive, "w") as zipped_file:
            for part in sorted(path.parent.glob("hydrants.*")):
                zipped_file.write(part, part.name)
        path = archive
    before = sorted(p.name for p in tmp_path.iterdir())
    report = load_file(engine, "hydrants", path)
    assert report.notes == ["hydrants.shx was missing; rebuilt from hydrants.shp"]
    assert stored_properties(engine, "hydrants") == truth_properties("hydrants")
    assert worst_error_m(engine, "hydrants", truth_vertices("hydrants")) < TOLERANCE_M
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # the sender's folder as it was


def test_shapefile_without_its_dbf_is_refused_and_the_layer_kept(
        engine: Engine, truth: dict[str, Path], tmp_path: Path) -> None:
    path, _ = shapefiles("utm48n", truth, tmp_path)["hydrants"]
    load_file(engine, "hydrants", path)
    path.with_suffix(".dbf").unlink()
    with pytest.raises(InvalidInput, match=r"hydrants.shp comes without hydrants.dbf, which "
                                           r"holds its attributes"):
        load_file(engine, "hydrants", path)
    assert stored_properties(engine, "hydrants") == truth_properties("hydrants")


SPOT_HEIGHTS = [(106.7150, 10.7350, 1.25), (106.7200, 10.7400, 0.85), (106.7250, 10.7450, 2.10)]


def test_survey_points_give_their_heights_to_elevation(engine: Engine, tmp_path: Path) -> None:
    """Spot heights as a survey delivers them: 3D points in VN-2000 (HCMC zone, the
    agency's ESRI .prj), the height in Z and in no column."""
    truth = write_geojson(tmp_path / "truth.geojson", [
        ({"id": f"CD-{n}"}, "Point", [(lon, lat)]) for n, (lon, lat, _) in
        enumerate(SPOT_HEIGHTS, start=1)])
    data = json.loads(truth.read_text(encoding="utf-8"))
    for feature, (_, _, height) in zip(data["features"], SPOT_HEIGHTS, strict=True):
        feature["geometry"]["coordinates"].append(height)
    truth.write_text(json.dumps(data), encoding="utf-8")
    shp = ogr2ogr(tmp_path / "diem_cao_do.shp", truth, "-t_srs", TARGET["vn2000-hcm"])
    shutil.copy(PRJ_DIR / ESRI_PRJ["vn2000-hcm"], shp.with_suffix(".prj"))
    assert pyogrio.read_info(shp)["geometry_type"] == "Point Z"
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE spot_heights"))
    report = load_file(engine, "spot_heights", shp)
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    assert "3 features had heights (Z): stored as elevation_m" in report.notes
    stored = rows(engine, "SELECT source_id, elevation_m, ST_NDims(geom) FROM spot_heights "
                          "ORDER BY source_id")
    assert stored == [(f"CD-{n}", pytest.approx(height, abs=1e-9), 2)
                      for n, (_, _, height) in enumerate(SPOT_HEIGHTS, start=1)]


@pytest.mark.parametrize("crs", ["utm48n", "vn2000-hcm"])
def test_curves_are_loaded_as_straight_segments(engine: Engine, tmp_path: Path,
                                                crs: str) -> None:
    """A round park and a bend drawn with arcs, as ArcGIS and CAD keep them (a GeoPackage's
    CurvePolygon and CompoundCurve): stored as polygons and lines of short segments."""
    x, y = 686_500.0, 1_187_500.0  # District 7, UTM 48N
    if crs != "utm48n":  # the same place in the HCMC zone: reprojected by the loader
        x, y = Transformer.from_crs("EPSG:32648", TARGET[crs], always_xy=True).transform(x, y)
    table = tmp_path / "cong_vien.csv"
    table.write_text(
        "WKT,name,kind\n"
        f'"CURVEPOLYGON(CIRCULARSTRING({x} {y},{x + 100} {y},{x} {y}))",Công viên tròn,park\n'
        f'"POLYGON(({x} {y + 200},{x + 50} {y + 200},{x + 50} {y + 250},{x} {y + 200}))",'
        "Vườn hoa,garden\n", encoding="utf-8")
    gpkg = ogr2ogr(tmp_path / "cong_vien.gpkg", table, "-a_srs", TARGET[crs],
                   "-nlt", "GEOMETRY", "-nln", "green_spaces")
    assert "CURVEPOLYGON" in subprocess.run(["/usr/bin/ogrinfo", "-al", "-q", str(gpkg)],
                                            capture_output=True, text=True).stdout
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE green_spaces"))
    report = load_file(engine, "green_spaces", gpkg)
    assert (report.read, report.rejected_total) == (2, 0), report.summary()
    circle = rows(engine, "SELECT GeometryType(geom), ST_Area(geom), ST_NPoints(geom) "
                          "FROM green_spaces WHERE kind = 'park'")
    [(kind, area, points)] = circle
    assert kind == "MULTIPOLYGON" and points > 32
    assert area == pytest.approx(math.pi * 50**2, rel=0.005)  # a circle of 50 m radius

# -- picking what to load --------------------------------------------------------------

@pytest.fixture
def two_layer_geopackage(truth: dict[str, Path], tmp_path: Path) -> Path:
    """Hydrants inspected in 2023 (all three) and 2024 (two, one now broken)."""
    gpkg = tmp_path / "tru_nuoc.gpkg"
    ogr2ogr(gpkg, truth["hydrants"], "-f", "GPKG", "-nln", "tru_nuoc_2023")
    later = [({**props, "status": "out_of_service"}, kind, vertices)
             for props, kind, vertices in TRUTH["hydrants"][:2]]
    ogr2ogr(gpkg, write_geojson(tmp_path / "2024.geojson", later), "-update",
            "-nln", "tru_nuoc_2024")
    return gpkg


@pytest.mark.parametrize("layer, expected", [
    ("tru_nuoc_2023", [("TN-01", "working"), ("TN-02", "working"),
                       ("TN-03", "out_of_service")]),
    ("tru_nuoc_2024", [("TN-01", "out_of_service"), ("TN-02", "out_of_service")]),
])
def test_geopackage_layer_is_chosen_with_layer(engine: Engine, two_layer_geopackage: Path,
                                               layer: str, expected: list) -> None:
    load_file(engine, "hydrants", two_layer_geopackage, layer=layer)
    assert rows(engine, "SELECT code, status FROM hydrants ORDER BY code") == expected
    vertices = {code: truth_vertices("hydrants")[code] for code, _ in expected}
    assert worst_error_m(engine, "hydrants", vertices) < TOLERANCE_M


def test_geopackage_with_two_layers_and_no_layer_is_refused_naming_both(
        engine: Engine, two_layer_geopackage: Path) -> None:
    with pytest.raises(InvalidInput) as refusal:
        load_file(engine, "hydrants", two_layer_geopackage)
    assert "tru_nuoc_2023" in str(refusal.value) and "tru_nuoc_2024" in str(refusal.value)
    assert "--layer" in str(refusal.value)


def test_zipped_shapefile_loads_with_its_cpg_and_prj(engine: Engine, truth: dict[str, Path],
                                                     tmp_path: Path) -> None:
    archive, _ = shapefiles("vn2000-hcm", truth, tmp_path, esri_prj=True,
                            zipped=True)["hydrants"]
    assert sorted(zipfile.ZipFile(archive).namelist()) == [
        f"hydrants{suffix}" for suffix in (".cpg", ".dbf", ".prj", ".shp", ".shx")]
    report = load_file(engine, "hydrants", archive)
    assert report.read == 3 and report.rejected_total == 0
    assert stored_properties(engine, "hydrants") == truth_properties("hydrants")
    assert worst_error_m(engine, "hydrants", truth_vertices("hydrants")) < TOLERANCE_M


NO_CRS = {  # a file whose coordinates are UTM 48N but which does not say so
    "shapefile-without-prj": lambda truth, out: shapefiles("utm48n", truth, out),
    "csv-with-wkt": partial(per_layer, "CSV", ".csv", "utm48n", options=WKT_CSV),
}


@pytest.mark.parametrize("kind", NO_CRS)
def test_file_without_crs_is_refused_until_crs_is_given(engine: Engine, truth: dict[str, Path],
                                                         tmp_path: Path, kind: str) -> None:
    path, _ = NO_CRS[kind](truth, tmp_path)["hydrants"]
    path.with_suffix(".prj").unlink(missing_ok=True)
    with pytest.raises(InvalidInput, match="--crs"):
        load_file(engine, "hydrants", path)
    report = load_file(engine, "hydrants", path, crs="EPSG:32648")
    assert report.read == 3 and report.rejected_total == 0
    assert worst_error_m(engine, "hydrants", truth_vertices("hydrants")) < TOLERANCE_M


# -- OpenStreetMap ---------------------------------------------------------------------

def test_osm_pbf_loads_ten_wards_and_parses_alley_names(migrated_engine: Engine) -> None:
    reports = {report.layer_id: report for report in load_osm(migrated_engine, SAMPLE_PBF)}
    assert reports["wards"].inserted == 10
    assert rows(migrated_engine, "SELECT count(*) FROM wards") == [(10,)]
    alleys = rows(migrated_engine, "SELECT source_id, number, opens_from, kind FROM alleys "
                                   "WHERE source_id = ANY(:ids) ORDER BY source_id",
                  ids=["osm:way/205521376", "osm:way/32585224"])
    assert alleys == [("osm:way/205521376", "1041/62", "Trần Xuân Soạn", "alley"),
                      ("osm:way/32585224", "458", "Huỳnh Tấn Phát", "alley")]
    # The way's nodes as GDAL reads them from the file, placed by PostGIS.
    way = pyogrio.read_dataframe(SAMPLE_PBF, layer="lines", where="osm_id = '32585224'")
    vertices = [(x, y) for x, y in shapely.get_coordinates(way.geometry.iloc[0]).tolist()]
    assert len(vertices) == 10
    assert worst_error_m(migrated_engine, "alleys", {"osm:way/32585224": vertices}) < TOLERANCE_M


OSM_NODES = {  # id -> (lon, lat, tags)
    1: (106.72190, 10.72900, {"emergency": "fire_hydrant", "ref": "TN-OSM-1"}),
    2: (106.73000, 10.74500, {}), 3: (106.73060, 10.74530, {}), 4: (106.73110, 10.74580, {}),
    5: (106.72950, 10.74400, {}), 6: (106.73050, 10.74700, {}),
}
OSM_WAYS = {  # id -> (node ids, tags)
    10: ([2, 3, 4], {"highway": "service", "name": "Hẻm 458/12 Huỳnh Tấn Phát"}),
    11: ([5, 2, 6], {"highway": "primary", "name": "Huỳnh Tấn Phát"}),
}


def osm_tags(tags: dict[str, str]) -> str:
    return "".join(f'<tag k="{key}" v="{value}"/>' for key, value in tags.items())


def osm_way(way_id: int, refs: list[int], tags: dict[str, str]) -> str:
    members = "".join(f'<nd ref="{ref}"/>' for ref in refs)
    return f'<way id="{way_id}" version="1">{members}{osm_tags(tags)}</way>'


def write_osm_xml(path: Path, nodes: dict = OSM_NODES) -> Path:
    """A hand-written .osm file: GDAL can read OpenStreetMap XML but cannot write it."""
    nodes = [f'<node id="{i}" version="1" lat="{lat}" lon="{lon}">{osm_tags(tags)}</node>'
             for i, (lon, lat, tags) in nodes.items()]
    ways = [osm_way(i, refs, tags) for i, (refs, tags) in OSM_WAYS.items()]
    path.write_text("\n".join(['<?xml version="1.0" encoding="UTF-8"?>',
                               '<osm version="0.6" generator="hand">', *nodes, *ways,
                               "</osm>", ""]), encoding="utf-8")
    return path


def test_osm_xml_fills_hydrants_and_alleys(engine: Engine, tmp_path: Path) -> None:
    reports = load_osm(engine, write_osm_xml(tmp_path / "tiny.osm"), clip=False)
    assert {r.layer_id: r.inserted for r in reports} == {"hydrants": 1, "alleys": 1, "roads": 1}
    assert rows(engine, "SELECT code, status FROM hydrants") == [("TN-OSM-1", "working")]
    assert rows(engine, "SELECT name, number, opens_from, kind FROM alleys") == [
        ("Hẻm 458/12 Huỳnh Tấn Phát", "458/12", "Huỳnh Tấn Phát", "alley")]
    assert rows(engine, "SELECT name, kind FROM roads") == [("Huỳnh Tấn Phát", "primary")]
    alley = {"osm:way/10": [OSM_NODES[n][:2] for n in OSM_WAYS[10][0]]}
    assert worst_error_m(engine, "alleys", alley) < TOLERANCE_M
    hydrant = {"TN-OSM-1": [OSM_NODES[1][:2]]}
    assert worst_error_m(engine, "hydrants", hydrant) < TOLERANCE_M


def test_an_extract_leaves_alone_the_layers_it_has_nothing_for(
        engine: Engine, truth: dict[str, Path], tmp_path: Path) -> None:
    """The agency's hydrants stay when the extract's only hydrant is outside the boundary,
    or has no code (every feature refused): the other layers load."""
    load_file(engine, "hydrants", truth["hydrants"])
    agency = stored_properties(engine, "hydrants")
    around_the_roads = tmp_path / "boundary.geojson"
    write_geojson(around_the_roads, [({"name": "khu"}, "Polygon", [
        (106.728, 10.743), (106.733, 10.743), (106.733, 10.748), (106.728, 10.748),
        (106.728, 10.743)])])
    reports = load_osm(engine, write_osm_xml(tmp_path / "tiny.osm"),
                       boundary_file=around_the_roads)
    assert {r.layer_id for r in reports} == {"alleys", "roads"}
    no_code = {**OSM_NODES, 1: (*OSM_NODES[1][:2], {"emergency": "fire_hydrant"})}
    reports = load_osm(engine, write_osm_xml(tmp_path / "no_code.osm", no_code), clip=False)
    hydrants = next(r for r in reports if r.layer_id == "hydrants")
    assert hydrants.notes == ["every feature was refused; hydrants is left as it was"]
    assert stored_properties(engine, "hydrants") == agency
    assert rows(engine, "SELECT name FROM roads") == [("Huỳnh Tấn Phát",)]
