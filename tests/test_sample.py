"""The District 7 sample generator: deterministic, and anchored to the real OSM extract.

No database: these tests only read and write files.
"""

from __future__ import annotations

import doctest
import json
import unicodedata
from itertools import combinations
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from geo import sample
from geo.crs import STORAGE_SRID
from layers.landuse_codes import LAND_USE_CODES, land_use_category

HYDRANT_PROPERTIES = ["code", "status", "last_inspected", "pressure_bar", "street", "source_id"]
EPIDEMIC_COLUMNS = ["ward_name", "ward_code", "report_date", "new_cases", "vaccinated_doses",
                    "fully_vaccinated"]  # fmt: skip
DAYS = 123  # 1 July to 31 October 2021


@pytest.fixture(scope="module")
def osm() -> sample.Osm:
    return sample.read_osm()


@pytest.fixture(scope="module")
def district(osm: sample.Osm) -> shapely.Geometry:
    return sample.district_outline(osm)


@pytest.fixture(scope="module")
def osm_ward_names() -> set[str]:
    """Read straight from the extract, independently of the generator's own helper."""
    areas = pyogrio.read_dataframe(sample.OSM_EXTRACT, layer="multipolygons")
    wards = areas[(areas["boundary"] == "administrative") & (areas["admin_level"] == "10")]
    return {unicodedata.normalize("NFC", name) for name in wards["name"]}


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return sample.generate(tmp_path_factory.mktemp("first"), seed=7)


@pytest.fixture(scope="module")
def second(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return sample.generate(tmp_path_factory.mktemp("second"), seed=7)


@pytest.fixture(scope="module")
def features(first: dict[str, Path]) -> list[dict[str, Any]]:
    collection = json.loads(first["hydrants"].read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    return list(collection["features"])


@pytest.fixture(scope="module")
def hydrants(first: dict[str, Path]) -> gpd.GeoSeries:
    """Hydrant points in UTM 48N, for distances in metres."""
    return gpd.read_file(first["hydrants"]).geometry.to_crs(STORAGE_SRID)


@pytest.fixture(scope="module")
def zones(first: dict[str, Path]) -> gpd.GeoDataFrame:
    return gpd.read_file(first["planning_zones"], layer="planning_zones")


@pytest.fixture(scope="module")
def epidemic(first: dict[str, Path]) -> pd.DataFrame:
    return pd.read_csv(first["ward_epidemic"], dtype={"ward_code": str}, encoding="utf-8")


def test_generate_returns_every_file(first: dict[str, Path]) -> None:
    assert set(first) == {"hydrants", "planning_zones", "ward_epidemic", "ward_population"}
    assert all(path.is_file() for path in first.values())


@pytest.mark.parametrize("key", ["hydrants", "ward_epidemic", "ward_population"])
def test_same_seed_gives_identical_bytes(
    first: dict[str, Path], second: dict[str, Path], key: str
) -> None:
    assert first[key].read_bytes() == second[key].read_bytes()


def test_same_seed_gives_identical_zones(first: dict[str, Path], second: dict[str, Path]) -> None:
    one, two = (pyogrio.read_dataframe(run["planning_zones"]) for run in (first, second))
    pd.testing.assert_frame_equal(one.drop(columns="geometry"), two.drop(columns="geometry"))
    assert list(one.geometry.to_wkb()) == list(two.geometry.to_wkb())


def test_other_seed_moves_hydrants(
    osm: sample.Osm, district: shapely.Geometry, first: dict[str, Path], tmp_path: Path
) -> None:
    other = sample.write_hydrants(osm, district, tmp_path, seed=8)
    moved = gpd.read_file(other).geometry
    assert not moved.geom_equals(gpd.read_file(first["hydrants"]).geometry).all()


def test_25_hydrants_with_exact_properties(features: list[dict[str, Any]]) -> None:
    assert len(features) == 25
    assert all(list(f["properties"]) == HYDRANT_PROPERTIES for f in features)


def test_hydrant_codes_unique_and_reused_as_source_id(features: list[dict[str, Any]]) -> None:
    codes = [f["properties"]["code"] for f in features]
    assert len(set(codes)) == 25
    assert all(f["properties"]["source_id"] == f["properties"]["code"] for f in features)


def test_hydrant_status_and_pressure_agree(features: list[dict[str, Any]]) -> None:
    props = [f["properties"] for f in features]
    broken = [p for p in props if p["status"] == "out_of_service"]
    assert 2 <= len(broken) <= 6
    assert all(p["pressure_bar"] == 0 for p in broken)
    assert all(p["pressure_bar"] > 0 for p in props if p["status"] == "working")


def test_hydrants_inspected_in_2025_or_2026(features: list[dict[str, Any]]) -> None:
    days = [f["properties"]["last_inspected"] for f in features]
    assert all("2025-01-01" <= day <= "2026-12-31" and len(day) == 10 for day in days)


def test_hydrant_streets_are_nfc(features: list[dict[str, Any]]) -> None:
    streets = [f["properties"]["street"] for f in features if f["properties"]["street"]]
    assert streets
    assert all(unicodedata.is_normalized("NFC", s) for s in streets)


def test_hydrant_coordinates_are_lon_lat(features: list[dict[str, Any]]) -> None:
    for feature in features:
        lon, lat = feature["geometry"]["coordinates"]
        assert 106.6 < lon < 106.8
        assert 10.6 < lat < 10.8


def test_hydrants_stand_on_roads(osm: sample.Osm, hydrants: gpd.GeoSeries) -> None:
    lines = osm["lines"]
    roads = lines[lines["highway"].isin(sample.HYDRANT_ROADS)].union_all()
    assert max(point.distance(roads) for point in hydrants) < 1.0


def test_hydrants_inside_district(district: shapely.Geometry, hydrants: gpd.GeoSeries) -> None:
    assert hydrants.within(district).all()


def test_hydrants_spread_out(hydrants: gpd.GeoSeries) -> None:
    assert min(a.distance(b) for a, b in combinations(hydrants, 2)) >= 200.0


def test_zones_in_utm_48n(zones: gpd.GeoDataFrame) -> None:
    assert zones.crs.to_epsg() == STORAGE_SRID


def test_zones_valid_nonempty_multipolygons(zones: gpd.GeoDataFrame) -> None:
    assert zones.is_valid.all()
    assert not zones.is_empty.any()
    assert set(zones.geom_type) == {"MultiPolygon"}


def test_zone_codes_known_and_categorised(zones: gpd.GeoDataFrame) -> None:
    assert set(zones["land_use_code"]) <= set(LAND_USE_CODES)
    expected = [land_use_category(code) for code in zones["land_use_code"]]
    assert list(zones["land_use_category"]) == expected
    assert zones["zone_code"].is_unique
    assert (zones["source_id"] == zones["zone_code"]).all()


def test_zones_cover_district(zones: gpd.GeoDataFrame, district: shapely.Geometry) -> None:
    assert zones.union_all().intersection(district).area >= 0.95 * district.area


def test_zones_do_not_overlap(zones: gpd.GeoDataFrame) -> None:
    assert zones.area.sum() == pytest.approx(zones.union_all().area, rel=0.01)


def test_epidemic_one_row_per_ward_and_day(
    epidemic: pd.DataFrame, osm_ward_names: set[str]
) -> None:
    assert list(epidemic.columns) == EPIDEMIC_COLUMNS
    assert len(osm_ward_names) == 10
    assert len(epidemic) == 10 * DAYS
    assert set(epidemic["ward_name"]) == osm_ward_names
    assert not epidemic.duplicated(["ward_name", "report_date"]).any()
    assert (epidemic["report_date"].min(), epidemic["report_date"].max()) == (
        "2021-07-01", "2021-10-31")  # fmt: skip


def test_epidemic_names_are_nfc(epidemic: pd.DataFrame) -> None:
    assert all(unicodedata.is_normalized("NFC", name) for name in epidemic["ward_name"])


def test_epidemic_counts_plausible(epidemic: pd.DataFrame) -> None:
    counts = epidemic[["new_cases", "vaccinated_doses", "fully_vaccinated"]]
    assert (counts >= 0).all().all()
    rising = epidemic.groupby("ward_name")["fully_vaccinated"].apply(
        lambda s: s.is_monotonic_increasing)  # fmt: skip
    assert rising.all()


def test_epidemic_peaks_in_august(epidemic: pd.DataFrame) -> None:
    for _, ward in epidemic.groupby("ward_name"):
        weekly = ward.set_index("report_date")["new_cases"].rolling(7, center=True).mean()
        assert weekly.idxmax().startswith("2021-08")


def test_ward_population(first: dict[str, Path], osm_ward_names: set[str]) -> None:
    population = pd.read_csv(first["ward_population"], encoding="utf-8")
    assert list(population.columns) == ["ward_name", "population"]
    assert len(population) == 10
    assert set(population["ward_name"]) == osm_ward_names
    assert population["population"].between(20_000, 75_000).all()


def test_helpers_doctests() -> None:
    assert doctest.testmod(sample).failed == 0
