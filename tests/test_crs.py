"""Coordinate systems: VN-2000 definitions and datum shift, aliases, sanity checks, speed."""

import subprocess
import time

import numpy as np
import pytest
import shapely
from pyproj import CRS, Geod, Transformer
from pyproj.crs import CoordinateOperation
from pyproj.transformer import TransformerGroup

from geo.crs import (
    CRS_ALIASES,
    DISTRICT_7_BBOX_WGS84,
    UTM48N,
    VN2000,
    VN2000_HCM,
    VN2000_HCM_PROJ,
    VN2000_TOWGS84,
    VN2000_UTM48N,
    WGS84,
    canonical_crs,
    coordinate_problem,
    resolve_crs,
    to_storage,
    transformer_to_storage,
)
from geo.errors import InvalidInput

GEOD = Geod(ellps="WGS84")
# Nguyễn Văn Linh / Phú Mỹ Hưng, Tân Thuận Đông, Tân Quy, Phú Mỹ (longitude, latitude).
DISTRICT_7_POINTS = [(106.7219, 10.7290), (106.7480, 10.7560), (106.7050, 10.7420),
                     (106.7350, 10.7060)]

ESRI_HCM_PRJ = (
    'PROJCS["VN_2000_KT105_45_mui_3",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",'
    'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",105.75],PARAMETER["Scale_Factor",0.9999],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]')


def metres_apart(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


def round_trip(crs: CRS, lon: float, lat: float) -> tuple[float, float]:
    forward = Transformer.from_crs(WGS84, crs, always_xy=True)
    backward = Transformer.from_crs(crs, WGS84, always_xy=True)
    return backward.transform(*forward.transform(lon, lat))


@pytest.mark.parametrize("crs", [VN2000_HCM, VN2000, VN2000_UTM48N], ids=lambda c: c.name)
@pytest.mark.parametrize("point", DISTRICT_7_POINTS)
def test_round_trip_within_a_centimetre(crs: CRS, point: tuple[float, float]) -> None:
    assert metres_apart(point, round_trip(crs, *point)) < 0.01


@pytest.mark.parametrize("crs", [VN2000_HCM, VN2000, VN2000_UTM48N], ids=lambda c: c.name)
def test_round_trip_through_storage(crs: CRS) -> None:
    x, y = Transformer.from_crs(WGS84, crs, always_xy=True).transform(*DISTRICT_7_POINTS[0])
    stored = to_storage(np.array([shapely.Point(x, y)]), crs)
    back = Transformer.from_crs(UTM48N, crs, always_xy=True).transform(stored[0].x, stored[0].y)
    if crs.is_geographic:
        assert metres_apart((x, y), back) < 0.01
    else:
        assert np.hypot(back[0] - x, back[1] - y) < 0.01


def test_vn2000_uses_the_official_shift_epsg_6960() -> None:
    official = CoordinateOperation.from_epsg(6960)
    operations = TransformerGroup(4756, 4326, always_xy=True).transformers
    group = [t for t in operations if official.name in t.description]
    ours = Transformer.from_crs(VN2000, WGS84, always_xy=True)
    for lon, lat in DISTRICT_7_POINTS:
        assert metres_apart(ours.transform(lon, lat), group[0].transform(lon, lat)) < 0.001


def test_towgs84_string_is_position_vector_of_epsg_6960() -> None:
    """PROJ's +towgs84 is position-vector; EPSG:6960 is coordinate-frame: rotations flip."""
    proj = CRS(f"+proj=longlat +ellps=WGS84 +towgs84={VN2000_TOWGS84} +no_defs")
    published = VN2000_TOWGS84.split(",")
    published[3:6] = [str(-float(r)) for r in published[3:6]]
    naive = CRS(f"+proj=longlat +ellps=WGS84 +towgs84={','.join(published)} +no_defs")
    lon, lat = DISTRICT_7_POINTS[0]
    ours = Transformer.from_crs(VN2000, WGS84, always_xy=True).transform(lon, lat)
    assert metres_apart(ours, _to_wgs84(proj, lon, lat)) < 0.001
    assert 0.3 < metres_apart(ours, _to_wgs84(naive, lon, lat)) < 1.0


def _to_wgs84(crs: CRS, x: float, y: float) -> tuple[float, float]:
    return Transformer.from_crs(crs, WGS84, always_xy=True).transform(x, y)


def test_hcm_proj_string_matches_the_epsg_based_definition() -> None:
    ours = Transformer.from_crs(WGS84, VN2000_HCM, always_xy=True)
    proj = Transformer.from_crs(WGS84, CRS(VN2000_HCM_PROJ), always_xy=True)
    for lon, lat in DISTRICT_7_POINTS:
        assert np.hypot(*np.subtract(ours.transform(lon, lat), proj.transform(lon, lat))) < 0.001


def test_datum_shift_is_really_applied() -> None:
    """Measured at District 7: VN-2000 grid numbers are 195.7 m west, 112.1 m north of WGS 84's."""
    no_shift = CRS(VN2000_HCM_PROJ.replace(f"+towgs84={VN2000_TOWGS84}", "+datum=WGS84"))
    shifted = Transformer.from_crs(WGS84, VN2000_HCM, always_xy=True)
    plain = Transformer.from_crs(WGS84, no_shift, always_xy=True)
    to_vn2000 = Transformer.from_crs(WGS84, VN2000, always_xy=True)
    for lon, lat in DISTRICT_7_POINTS:
        east, north = np.subtract(shifted.transform(lon, lat), plain.transform(lon, lat))
        assert -200 < east < -190 and 108 < north < 116
        assert 220 < metres_apart((lon, lat), to_vn2000.transform(lon, lat)) < 230


def test_hcm_zone_agrees_with_gdal_command_line() -> None:
    """GDAL 3.6 with Debian's own PROJ, given the same PROJ string, is the independent check."""
    lines = "".join(f"{lon} {lat}\n" for lon, lat in DISTRICT_7_POINTS)
    result = subprocess.run(
        ["/usr/bin/gdaltransform", "-s_srs", "EPSG:4326", "-t_srs", VN2000_HCM_PROJ],
        input=lines, capture_output=True, text=True, check=True, timeout=60)
    gdal = [tuple(map(float, line.split()[:2])) for line in result.stdout.splitlines()]
    ours = Transformer.from_crs(WGS84, VN2000_HCM, always_xy=True)
    assert len(gdal) == len(DISTRICT_7_POINTS)
    for (lon, lat), (x, y) in zip(DISTRICT_7_POINTS, gdal, strict=True):
        assert np.hypot(*np.subtract(ours.transform(lon, lat), (x, y))) < 0.05


def test_esri_prj_of_hcm_zone_gets_the_datum_shift() -> None:
    crs = canonical_crs(CRS(ESRI_HCM_PRJ))
    assert crs is VN2000_HCM
    assert resolve_crs(ESRI_HCM_PRJ) is VN2000_HCM


@pytest.mark.parametrize(("text", "expected"), [
    (ESRI_HCM_PRJ.replace("D_Vietnam_2000", "D_VN_2000"), VN2000_HCM),
    ('GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,'
     '298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]', VN2000),
    (ESRI_HCM_PRJ.replace("105.75", "105.0").replace("0.9999", "0.9996"), VN2000_UTM48N),
    ("EPSG:4756", VN2000),
    ("EPSG:3405", VN2000_UTM48N),
])
def test_vn2000_without_shift_is_recognised(text: str, expected: CRS) -> None:
    assert canonical_crs(CRS(text)) is expected


def test_other_vn2000_zone_gets_the_shift_too() -> None:
    crs = canonical_crs(CRS.from_epsg(5899))  # VN-2000 / TM-3 107-45, Đồng Nai
    assert crs.is_bound and crs.source_crs == CRS.from_epsg(5899)


def test_other_systems_are_left_alone() -> None:
    assert canonical_crs(UTM48N) is UTM48N
    assert canonical_crs(CRS(VN2000_HCM_PROJ)).is_bound


@pytest.mark.parametrize("alias", list(CRS_ALIASES))
def test_every_alias_resolves(alias: str) -> None:
    assert resolve_crs(alias) is CRS_ALIASES[alias]
    assert resolve_crs(f"  {alias.upper()} ") is CRS_ALIASES[alias]


@pytest.mark.parametrize(("text", "epsg"), [
    ("4326", 4326), ("EPSG:32648", 32648), ("epsg:3857", 3857),
    ("+proj=utm +zone=48 +datum=WGS84 +units=m +no_defs", 32648),
])
def test_resolve_codes_and_proj_strings(text: str, epsg: int) -> None:
    assert resolve_crs(text).to_epsg() == epsg


def test_resolve_hcm_proj_string_places_points_like_the_alias() -> None:
    lon, lat = DISTRICT_7_POINTS[0]
    x, y = Transformer.from_crs(WGS84, VN2000_HCM, always_xy=True).transform(lon, lat)
    stored = [to_storage(np.array([shapely.Point(x, y)]), resolve_crs(t))[0]
              for t in (VN2000_HCM_PROJ, "vn2000-hcm")]
    assert stored[0].distance(stored[1]) < 0.001


@pytest.mark.parametrize("text", ["vn2000-hanoi", "", "EPSG:999999"])
def test_unknown_crs_lists_the_aliases(text: str) -> None:
    with pytest.raises(InvalidInput) as error:
        resolve_crs(text)
    assert "vn2000-hcm" in error.value.message and "EPSG:32648" in error.value.message


def test_unknown_datum_shift_is_refused_not_ignored() -> None:
    with pytest.raises(InvalidInput, match="datum shift"):
        transformer_to_storage(CRS("+proj=longlat +ellps=bessel +no_defs"))


def test_transformers_are_cached() -> None:
    assert transformer_to_storage(CRS(ESRI_HCM_PRJ)) is transformer_to_storage(VN2000_HCM)


HCM_METRES = (602000.0, 1184000.0, 608000.0, 1190000.0)  # District 7 in the HCMC 3° zone
UTM_METRES = (685000.0, 1184000.0, 690000.0, 1190000.0)  # District 7 in UTM 48N
DEGREES = (106.70, 10.72, 106.74, 10.75)


@pytest.mark.parametrize(("bounds", "crs", "expected"), [
    (DEGREES, None, ["no coordinate system", "--crs EPSG:4326", "--crs vn2000-hcm"]),
    (HCM_METRES, WGS84, ["projected metres", "Under --crs vn2000-hcm"]),
    ((10.72, 106.70, 10.75, 106.74), WGS84, ["swapped", "GeoJSON"]),
    (DEGREES, UTM48N, ["longitude/latitude degrees", "--crs EPSG:4326"]),
    (HCM_METRES, UTM48N, ["105.96", "79 km", "Under --crs vn2000-hcm", "zone mix-up"]),
    (UTM_METRES, VN2000_HCM, ["107.4", "Under --crs EPSG:32648", "zone mix-up"]),
    ((105.80, 21.00, 105.90, 21.10), WGS84, ["1139 km", "No usual coordinate system"]),
    (HCM_METRES[1::-1] + HCM_METRES[:1:-1], VN2000_HCM,
     ["look like northings", "(X north, Y east)", "Swap the two columns",
      "then under --crs vn2000-hcm"]),
    (HCM_METRES[1::-1] + HCM_METRES[:1:-1], None,
     ["no coordinate system", "look like northings", "then under --crs vn2000-hcm"]),
], ids=["no-crs", "metres-as-degrees", "swapped", "degrees-as-metres", "hcm-as-utm",
        "utm-as-hcm", "hanoi", "survey-x-north", "survey-x-north-no-crs"])
def test_coordinate_problem(bounds: tuple[float, float, float, float], crs: CRS | None,
                            expected: list[str]) -> None:
    message = coordinate_problem(bounds, crs)
    assert message is not None
    for words in expected:
        assert words in message


@pytest.mark.parametrize(("bounds", "crs"), [
    (DEGREES, WGS84), (DEGREES, VN2000), (UTM_METRES, UTM48N), (UTM_METRES, VN2000_UTM48N),
    (HCM_METRES, VN2000_HCM), (HCM_METRES, CRS(ESRI_HCM_PRJ)),
])
def test_correct_files_have_no_problem(bounds: tuple[float, float, float, float],
                                       crs: CRS) -> None:
    assert coordinate_problem(bounds, crs) is None


def test_other_area_of_interest() -> None:
    district_1 = (106.68, 10.76, 106.71, 10.80)
    assert coordinate_problem((106.69, 10.77, 106.70, 10.78), WGS84, district_1) is None
    assert coordinate_problem((105.8, 21.0, 105.9, 21.1), WGS84, district_1) is not None


def test_district_7_bbox_contains_the_sample_district() -> None:
    lon_min, lat_min, lon_max, lat_max = DISTRICT_7_BBOX_WGS84
    assert lon_min < 106.690 and lat_min < 10.698 and lon_max > 106.767 and lat_max > 10.777


def test_to_storage_keeps_z_and_empties() -> None:
    geoms = np.array([None, shapely.Point(106.7, 10.7, 5.0), shapely.Polygon()])
    out = to_storage(geoms, WGS84)
    assert out[0] is None and out[1].has_z and out[1].z == 5.0 and out[2].is_empty


def test_to_storage_a_million_points() -> None:
    rng = np.random.default_rng(7)
    x, y = rng.uniform(600_000, 612_000, 1_000_000), rng.uniform(1_183_000, 1_193_000, 1_000_000)
    started = time.perf_counter()
    stored = shapely.get_coordinates(to_storage(shapely.points(x, y), VN2000_HCM))
    assert time.perf_counter() - started < 30  # about 1.2 s; only a sanity bound
    one_by_one = Transformer.from_crs(VN2000_HCM, UTM48N, always_xy=True)
    for i in rng.choice(len(x), 50, replace=False):
        assert np.hypot(*(stored[i] - one_by_one.transform(x[i], y[i]))) < 0.001
