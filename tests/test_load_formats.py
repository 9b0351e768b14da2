"""Every file format and coordinate system agencies send lands within 0.5 m of the truth.

Each case is the truth (tests/truth_files.py) as ogr2ogr writes it in one format and
coordinate system, with the .prj agencies' software ships where the case says so; a file
with several layers loads the one picked, and a file with no coordinate system waits for
--crs.
"""

from __future__ import annotations

import csv
import json
import re
import uuid
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pyogrio
import pytest
from sqlalchemy import Engine, text
from truth_files import (
    ESRI_PRJ,
    HCM_ZONE,
    PRJ_DIR,
    TARGET,
    TOLERANCE_M,
    TRUTH,
    Builder,
    Files,
    ogr2ogr,
    per_layer,
    rows,
    shapefiles,
    stored_properties,
    truth_properties,
    truth_vertices,
    windows_1258,
    worst_error_m,
    write_geojson,
    write_truth,
)

from geo import migrate
from geo.db import make_engine
from geo.errors import InvalidInput
from loaders.files import load_file

LAYERS_USED = ("hydrants", "roads", "green_spaces")


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

@pytest.fixture(scope="module")
def truth(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_truth(tmp_path_factory.mktemp("truth"))


# -- fixtures in each format, made by Debian's ogr2ogr ---------------------------------

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


def zipped_geodatabase(crs: str, truth: dict[str, Path], out: Path, assign: str) -> Files:
    """All layers in one File Geodatabase, as ArcGIS users send one: its .gdb folder zipped.
    `assign`: the ESRI .prj whose coordinate system its feature classes declare."""
    gdb, files = out / "quan7.gdb", {}
    for layer, source in truth.items():
        projected = ogr2ogr(out / f"{layer}-projected.geojson", source, "-t_srs", TARGET[crs])
        update = ("-update",) if gdb.exists() else ()
        ogr2ogr(gdb, projected, "-f", "OpenFileGDB", *update, "-nln", f"q7_{layer}",
                "-a_srs", str(PRJ_DIR / assign))
        files[layer] = {"layer": f"q7_{layer}"}
    archive = out / "quan7.gdb.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in sorted(gdb.iterdir()):
            zipped.write(part, f"{gdb.name}/{part.name}")
    return {layer: (archive, load) for layer, load in files.items()}

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
    # ArcGIS's own format, its CRS as ArcGIS writes VN-2000: named, with no TOWGS84
    "zipped-filegdb-vn2000-hcm-esri-crs": ("vn2000-hcm", partial(
        zipped_geodatabase, "vn2000-hcm", assign=ESRI_PRJ["vn2000-hcm"])),
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




def test_a_table_without_geometry_beside_the_layer_is_no_layer_of_points(
        engine: Engine, truth: dict[str, Path], tmp_path: Path) -> None:
    """QGIS keeps the styles it saves in a GeoPackage in a table of its own, `layer_styles`,
    which has no geometry. Telling what it holds took its geometry column, and the load
    ended in a KeyError."""
    gpkg = ogr2ogr(tmp_path / "tru_nuoc.gpkg", truth["hydrants"], "-f", "GPKG",
                   "-nln", "tru_nuoc", "-t_srs", "EPSG:32648")
    styles = tmp_path / "layer_styles.csv"
    styles.write_text("f_table_name,styleName,styleQML,useAsDefault\n"
                      'tru_nuoc,tru_nuoc,"<qgis version=""3.34""/>",1\n', encoding="utf-8")
    ogr2ogr(gpkg, styles, "-update", "-nln", "layer_styles")
    assert pyogrio.list_layers(gpkg)[1].tolist() == ["layer_styles", None]
    only = "read layer 'tru_nuoc', the only one with points"
    for layer, notes in ((None, [only]),
                         ("*", [only, "layer 'layer_styles' left out: it has no geometry"])):
        report = load_file(engine, "hydrants", gpkg, layer=layer)
        assert (report.read, report.rejected_total) == (3, 0), report.summary()
        assert report.notes[:len(notes)] == notes, report.notes
    assert stored_properties(engine, "hydrants") == truth_properties("hydrants")
    with pytest.raises(InvalidInput, match=re.escape(
            "tru_nuoc.gpkg has no layer of lines, which roads needs: it holds tru_nuoc "
            "(3 Point), layer_styles (1 row).")):
        load_file(engine, "roads", gpkg)

def test_every_layer_of_a_geopackage_loads_as_one_list_when_asked(
        engine: Engine, tmp_path: Path) -> None:
    """A GeoPackage of a table a ward, as a district's wards send their hydrants: one list
    with --layer '*'; a table of lines beside them is left out. A table in another
    coordinate system is refused: GDAL would read it as if in the first's."""
    gpkg = tmp_path / "tru_nuoc_theo_phuong.gpkg"
    wards = {"phuong_tan_phong": TRUTH["hydrants"][:2], "phuong_tan_hung": TRUTH["hydrants"][2:]}
    tables = {**wards, "duong": TRUTH["roads"]}
    for table, features in tables.items():  # in VN-2000, HCMC zone, as QGIS names it
        source = write_geojson(tmp_path / f"{table}.geojson", features)
        projected = ogr2ogr(tmp_path / f"{table}-vn2000.geojson", source,
                            "-t_srs", TARGET["vn2000-hcm"])
        ogr2ogr(gpkg, projected, "-f", "GPKG", *(("-update",) if gpkg.exists() else ()),
                "-nln", table, "-a_srs", "EPSG:9210")
    report = load_file(engine, "hydrants", gpkg, layer="*")
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    assert report.notes == [
        "read 2 layers as one, features from each: 'phuong_tan_phong' (2), "
        "'phuong_tan_hung' (1)",
        "layer 'duong' left out: it holds LineString, not points"]
    assert stored_properties(engine, "hydrants") == truth_properties("hydrants")
    assert worst_error_m(engine, "hydrants", truth_vertices("hydrants")) < TOLERANCE_M
    # a pattern reads the tables it names: two as one, or the one
    assert load_file(engine, "hydrants", gpkg, layer="phuong_*").notes[:1] == report.notes[:1]
    load_file(engine, "hydrants", gpkg, layer="*_HUNG")
    assert stored_properties(engine, "hydrants") == {
        tuple(props.values()) for props, _, _ in wards["phuong_tan_hung"]}
    with pytest.raises(InvalidInput, match=re.escape(
            "tru_nuoc_theo_phuong.gpkg: --layer 'tram_*' names none of its layers: "
            "phuong_tan_phong, phuong_tan_hung, duong.")):
        load_file(engine, "hydrants", gpkg, layer="tram_*")
    load_file(engine, "hydrants", gpkg, layer="*")
    other = write_geojson(tmp_path / "phuong_tan_kieng.geojson", [
        ({"code": "TN-04", "status": "working", "street": "Lâm Văn Bền"}, "Point",
         [(106.7100, 10.7500)])])
    ogr2ogr(gpkg, other, "-update", "-nln", "phuong_tan_kieng", "-t_srs", "EPSG:32648")
    with pytest.raises(InvalidInput, match=re.escape(
            "tru_nuoc_theo_phuong.gpkg: its layers are in different coordinate systems "
            "(phuong_tan_phong, phuong_tan_hung: EPSG:9210; phuong_tan_kieng: EPSG:32648)")):
        load_file(engine, "hydrants", gpkg, layer="*")
    assert stored_properties(engine, "hydrants") == truth_properties("hydrants")

def test_a_zip_of_a_geojson_a_ward_loads_as_one_when_asked(engine: Engine,
                                                            tmp_path: Path) -> None:
    """Wards' hydrants exported from QGIS as GeoJSON, a folder a ward, zipped: one list with
    --layer '*'. A zip mixing kinds of file is refused: a Shapefile's text may need decoding
    that a GeoJSON's must not get."""
    archive = tmp_path / "tru_nuoc_theo_phuong.zip"
    wards = {"Tan_Phong": TRUTH["hydrants"][:2], "Tan_Hung": TRUTH["hydrants"][2:]}
    with zipfile.ZipFile(archive, "w") as zipped:
        for ward, features in wards.items():
            zipped.write(write_geojson(tmp_path / f"{ward}.geojson", features),
                         f"{ward}/tru_nuoc.geojson")
    report = load_file(engine, "hydrants", archive, layer="*")
    assert report.notes[:1] == ["read 2 files as one, features from each: "
                                "'Tan_Phong/tru_nuoc' (2), 'Tan_Hung/tru_nuoc' (1)"]
    assert stored_properties(engine, "hydrants") == truth_properties("hydrants")
    assert worst_error_m(engine, "hydrants", truth_vertices("hydrants")) < TOLERANCE_M
    # saved in Windows Vietnamese: a union reads GeoJSON in UTF-8 only
    windows = tmp_path / "windows.zip"
    with zipfile.ZipFile(windows, "w") as zipped:
        for ward in wards:
            text = (tmp_path / f"{ward}.geojson").read_text(encoding="utf-8")
            zipped.writestr(f"{ward}/tru_nuoc.geojson", windows_1258(text))
    for encoding in (None, "cp1258"):
        with pytest.raises(InvalidInput, match=re.escape(
                "windows.zip: Tan_Phong/tru_nuoc.geojson is not in UTF-8, and GeoJSON files "
                "are read as one only in UTF-8.")):
            load_file(engine, "hydrants", windows, layer="*", encoding=encoding)
    shp = ogr2ogr(tmp_path / "tru_nuoc.shp", tmp_path / "Tan_Hung.geojson",
                  "-f", "ESRI Shapefile")
    with zipfile.ZipFile(archive, "a") as zipped:
        for part in sorted(tmp_path.glob("tru_nuoc.*")):
            zipped.write(part, f"Tan_Kieng/{part.name}")
    with pytest.raises(InvalidInput, match=re.escape(
            "(--layer '*' reads a zip's files as one when all are Shapefiles or all GeoJSON "
            "or all FlatGeobuf)")):
        load_file(engine, "hydrants", archive, layer="*")
    assert shp.exists() and stored_properties(engine, "hydrants") == \
        truth_properties("hydrants")


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
