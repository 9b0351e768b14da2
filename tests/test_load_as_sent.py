"""Files as agencies' software leaves them: heights in Z, Google My Maps' KML columns, a GPS
receiver's GPX, a shapefile missing a part, arcs from ArcGIS and CAD. Each lands within
0.5 m of the truth (tests/truth_files.py), or is refused saying what is missing."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pyogrio
import pytest
from pyproj import Transformer
from sqlalchemy import Engine
from truth_files import (
    ESRI_PRJ,
    PRJ_DIR,
    TARGET,
    TOLERANCE_M,
    TRUTH,
    VIETNAMESE_STATUS,
    ogr2ogr,
    per_layer,
    rows,
    shapefiles,
    stored_properties,
    truth_properties,
    truth_vertices,
    worst_error_m,
    write_geojson,
    write_truth,
)

from geo.errors import InvalidInput
from loaders.files import load_file


@pytest.fixture(scope="module")
def truth(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_truth(tmp_path_factory.mktemp("truth"))


def with_height(coordinates: list, height: float) -> list:
    """GeoJSON coordinates, every position given `height` as its Z."""
    if coordinates and isinstance(coordinates[0], (int, float)):
        return [*coordinates[:2], height]
    return [with_height(part, height) for part in coordinates]


@pytest.mark.parametrize("height", [4.5, 0.0], ids=["measured", "zero"])
def test_heights_are_dropped_and_said_so(migrated_engine: Engine, truth: dict[str, Path],
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
        report = load_file(migrated_engine, layer, path)
        count = len(TRUTH[layer])
        plural = "s" if count > 1 else ""
        assert report.notes == ([f"{count} feature{plural} had heights (Z): dropped, {layer} "
                                 "is 2D"] if height else []), report.summary()
        assert rows(migrated_engine, f"SELECT DISTINCT ST_NDims(geom) FROM {layer}") == [(2,)]
        assert worst_error_m(migrated_engine, layer, truth_vertices(layer)) < TOLERANCE_M


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


def test_google_my_maps_kml_loads_its_vietnamese_columns(migrated_engine: Engine,
                                                          tmp_path: Path) -> None:
    report = load_file(migrated_engine, "hydrants", my_maps_kml(tmp_path / "tru_nuoc.kml"))
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    assert stored_properties(migrated_engine, "hydrants") == truth_properties("hydrants")
    assert rows(migrated_engine, "SELECT pressure_bar FROM hydrants ORDER BY code") == [
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


def test_a_gps_receivers_gpx_loads_its_waypoints(migrated_engine: Engine, tmp_path: Path) -> None:
    """A GPX has five layers (waypoints, routes, tracks and their points); the only one with
    points is read, and said so. With a track walked too, two have points: refused with
    what each holds, then read as --layer says."""
    report = load_file(migrated_engine, "hydrants", gps_gpx(tmp_path / "tru_nuoc.gpx"),
                       overrides={"desc": "status"})
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    assert report.notes[0] == "read layer 'waypoints', the only one with points"
    assert stored_properties(migrated_engine, "hydrants") == {
        (code, status, None) for code, status, _ in truth_properties("hydrants")}
    assert worst_error_m(migrated_engine, "hydrants", truth_vertices("hydrants")) < TOLERANCE_M
    walked = gps_gpx(tmp_path / "walked.gpx", track=True)
    with pytest.raises(InvalidInput, match=re.escape(
            "walked.gpx holds several layers: waypoints (3 Point), routes (0 LineString), "
            "tracks (1 MultiLineString), route_points (0 Point), track_points (3 Point). Pick "
            "one with --layer.")):
        load_file(migrated_engine, "hydrants", walked, overrides={"desc": "status"})
    again = load_file(migrated_engine, "hydrants", walked, layer="waypoints",
                      overrides={"desc": "status"})
    assert (again.read, again.unchanged) == (3, 3)


def test_a_my_maps_kml_without_a_code_column_goes_by_the_placemarks_names(
        migrated_engine: Engine, tmp_path: Path) -> None:
    """A hydrant's placemark name is its code. LIBKML's id column is blank for every
    placemark, so each is known by its code, not its place: the team's next export, with a
    hydrant added first, changes none of the others."""
    kml = my_maps_kml(tmp_path / "a.kml", code_column=False)
    report = load_file(migrated_engine, "hydrants", kml)
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    assert stored_properties(migrated_engine, "hydrants") == truth_properties("hydrants")
    assert rows(migrated_engine, "SELECT source_id FROM hydrants ORDER BY code") == [
        (props["code"],) for props, _, _ in sorted(TRUTH["hydrants"], key=lambda f: f[0]["code"])]
    added = ({**TRUTH["hydrants"][0][0], "code": "TN-00"}, "Point", [(106.7200, 10.7300)])
    kml = my_maps_kml(tmp_path / "b.kml", code_column=False, hydrants=[added, *TRUTH["hydrants"]])
    again = load_file(migrated_engine, "hydrants", kml)
    assert (again.inserted, again.updated, again.unchanged, again.deleted) == (1, 0, 3, 0)
    assert worst_error_m(migrated_engine, "hydrants", truth_vertices("hydrants")) < TOLERANCE_M


@pytest.mark.parametrize("zipped", [False, True], ids=["beside", "zipped"])
def test_shapefile_without_its_shx_loads_from_a_rebuilt_one(
        migrated_engine: Engine, truth: dict[str, Path], tmp_path: Path, zipped: bool) -> None:
    path, _ = shapefiles("vn2000-hcm", truth, tmp_path, esri_prj=True)["hydrants"]
    path.with_suffix(".shx").unlink()
    if zipped:
        archive = path.with_suffix(".zip")
        with zipfile.ZipFile(archive, "w") as zipped_file:
            for part in sorted(path.parent.glob("hydrants.*")):
                zipped_file.write(part, part.name)
        path = archive
    before = sorted(p.name for p in tmp_path.iterdir())
    report = load_file(migrated_engine, "hydrants", path)
    assert report.notes == ["hydrants.shx was missing; rebuilt from hydrants.shp"]
    assert stored_properties(migrated_engine, "hydrants") == truth_properties("hydrants")
    assert worst_error_m(migrated_engine, "hydrants", truth_vertices("hydrants")) < TOLERANCE_M
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # the sender's folder as it was


def test_shapefile_without_its_dbf_is_refused_and_the_layer_kept(
        migrated_engine: Engine, truth: dict[str, Path], tmp_path: Path) -> None:
    path, _ = shapefiles("utm48n", truth, tmp_path)["hydrants"]
    load_file(migrated_engine, "hydrants", path)
    path.with_suffix(".dbf").unlink()
    with pytest.raises(InvalidInput, match=r"hydrants.shp comes without hydrants.dbf, which "
                                           r"holds its attributes"):
        load_file(migrated_engine, "hydrants", path)
    assert stored_properties(migrated_engine, "hydrants") == truth_properties("hydrants")


SPOT_HEIGHTS = [(106.7150, 10.7350, 1.25), (106.7200, 10.7400, 0.85), (106.7250, 10.7450, 2.10)]


def test_survey_points_give_their_heights_to_elevation(migrated_engine: Engine,
                                                       tmp_path: Path) -> None:
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
    report = load_file(migrated_engine, "spot_heights", shp)
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    assert "3 features had heights (Z): stored as elevation_m" in report.notes
    stored = rows(migrated_engine, "SELECT source_id, elevation_m, ST_NDims(geom) "
                                   "FROM spot_heights ORDER BY source_id")
    assert stored == [(f"CD-{n}", pytest.approx(height, abs=1e-9), 2)
                      for n, (_, _, height) in enumerate(SPOT_HEIGHTS, start=1)]


@pytest.mark.parametrize("crs", ["utm48n", "vn2000-hcm"])
def test_curves_are_loaded_as_straight_segments(migrated_engine: Engine, tmp_path: Path,
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
    report = load_file(migrated_engine, "green_spaces", gpkg)
    assert (report.read, report.rejected_total) == (2, 0), report.summary()
    circle = rows(migrated_engine, "SELECT GeometryType(geom), ST_Area(geom), "
                                   "ST_NPoints(geom) FROM green_spaces WHERE kind = 'park'")
    [(kind, area, points)] = circle
    assert kind == "MULTIPOLYGON" and points > 32
    assert area == pytest.approx(math.pi * 50**2, rel=0.005)  # a circle of 50 m radius



# Debian's GDAL Python bindings (python3-gdal, which the Makefile installs with gdal-bin):
# ogr2ogr cannot give a field a domain, and pyogrio cannot write one.
CODED_DOMAIN_GDB = """
import json, sys
from osgeo import gdal, ogr, osr
gdal.UseExceptions()
hydrants, path = json.loads(sys.argv[1]), sys.argv[2]
gdb = gdal.GetDriverByName("OpenFileGDB").Create(path, 0, 0, 0, gdal.GDT_Unknown)
gdb.AddFieldDomain(ogr.CreateCodedFieldDomain(
    "TinhTrang", "Tình trạng trụ", ogr.OFTInteger, ogr.OFSTNone, {1: "Hoạt động", 2: "Hư hỏng"}))
srs = osr.SpatialReference()
srs.ImportFromEPSG(4326)
layer = gdb.CreateLayer("TruChuaChay", srs, ogr.wkbPoint)
layer.CreateField(ogr.FieldDefn("MA_TRU", ogr.OFTString))
state = ogr.FieldDefn("TINH_TRANG", ogr.OFTInteger)
state.SetDomainName("TinhTrang")
layer.CreateField(state)
for code, value, lon, lat in hydrants:
    feature = ogr.Feature(layer.GetLayerDefn())
    feature["MA_TRU"], feature["TINH_TRANG"] = code, value
    feature.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT ({lon} {lat})"))
    layer.CreateFeature(feature)
"""


def test_a_geodatabases_coded_values_load_as_arcgis_shows_them(migrated_engine: Engine,
                                                               tmp_path: Path) -> None:
    """ArcGIS keeps a hydrant's state as a code, 1 or 2, and shows the description its
    domain gives the code. GDAL reads such a column as Arrow's dictionary of descriptions,
    which pandas refused with a ValueError that ended the load."""
    codes = {"working": 1, "out_of_service": 2}
    hydrants = [(props["code"], codes[props["status"]], *vertices[0])
                for props, _, vertices in TRUTH["hydrants"]]
    gdb = tmp_path / "tru_chua_chay.gdb"
    subprocess.run(["/usr/bin/python3", "-c", CODED_DOMAIN_GDB, json.dumps(hydrants), str(gdb)],
                   check=True, capture_output=True, timeout=60)
    assert "domain name=TinhTrang" in subprocess.run(
        ["/usr/bin/ogrinfo", "-al", "-so", str(gdb)], capture_output=True, text=True).stdout
    report = load_file(migrated_engine, "hydrants", gdb)
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    assert "TINH_TRANG read as the descriptions its domain gives the codes stored (Hoạt " \
           "động, Hư hỏng), as ArcGIS shows them" in report.notes, report.notes
    assert rows(migrated_engine, "SELECT code, status FROM hydrants ORDER BY code") == [
        (props["code"], props["status"]) for props, _, _ in TRUTH["hydrants"]]
    assert worst_error_m(migrated_engine, "hydrants", truth_vertices("hydrants")) < TOLERANCE_M
