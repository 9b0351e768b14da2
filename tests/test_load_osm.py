"""OpenStreetMap import: one file fills several layers, clipped to a chosen boundary."""

from pathlib import Path

import geopandas as gpd
from sqlalchemy import Engine, text

from geo.osm import admin_areas, read_osm
from geo.sample import OSM_EXTRACT
from loaders.osm import load_osm


def count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def test_riverbanks_drawn_as_closed_ways_become_water_areas(sample_engine: Engine) -> None:
    assert count(sample_engine, "SELECT count(*) FROM water_areas WHERE source_id LIKE "
                                "'osm:way/%' AND kind = 'river'") >= 5


def test_a_boundary_file_clips_the_extract_to_one_ward(migrated_engine: Engine,
                                                        tmp_path: Path) -> None:
    wards = admin_areas(read_osm(OSM_EXTRACT, ("multipolygons",))["multipolygons"], "10")
    ward = wards[wards["name"] == "Phường Tân Phong"][["name", "geometry"]]
    boundary = tmp_path / "tan_phong.geojson"
    gpd.GeoDataFrame(ward, crs="EPSG:4326").to_file(boundary)
    load_osm(migrated_engine, OSM_EXTRACT, boundary_file=boundary)
    roads = count(migrated_engine, "SELECT count(*) FROM roads")
    assert 20 < roads < 1000
    outside = count(migrated_engine, "SELECT count(*) FROM roads r, wards w WHERE w.name = "
                    "'Phường Tân Phong' AND NOT ST_DWithin(r.geom, w.geom, 1)")
    assert outside == 0


def test_dry_run_of_an_extract_writes_nothing(migrated_engine: Engine) -> None:
    reports = load_osm(migrated_engine, OSM_EXTRACT, dry_run=True)
    assert {r.layer_id for r in reports} >= {"wards", "roads", "alleys", "bridges"}
    assert sum(r.inserted for r in reports) > 2000
    assert count(migrated_engine, "SELECT count(*) FROM roads") == 0


def test_loading_the_extract_twice_changes_nothing(migrated_engine: Engine) -> None:
    load_osm(migrated_engine, OSM_EXTRACT)
    again = load_osm(migrated_engine, OSM_EXTRACT)
    assert all(not r.changed for r in again), [r.summary() for r in again if r.changed]
