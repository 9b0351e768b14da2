"""The District 7 sample as stored: counts, provenance, NFC text, coordinates where they belong."""

import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from geo.errors import InvalidInput
from loaders.files import load_file


def scalar(engine: Engine, sql: str):
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


@pytest.mark.parametrize("layer_id, expected", [
    ("wards", 10), ("hydrants", 25), ("hospitals", 4), ("apartments", 63), ("malls", 3),
])
def test_sample_layer_counts(sample_engine: Engine, layer_id: str, expected: int) -> None:
    assert scalar(sample_engine, f"SELECT count(*) FROM {layer_id}") == expected


def test_sample_has_roads_alleys_water_and_epidemic_days(sample_engine: Engine) -> None:
    assert scalar(sample_engine, "SELECT count(*) FROM roads") > 1000
    assert scalar(sample_engine, "SELECT count(*) FROM alleys WHERE number IS NOT NULL") > 150
    assert scalar(sample_engine, "SELECT count(*) FROM waterways WHERE name LIKE 'Rạch%'") > 0
    assert scalar(sample_engine, "SELECT count(DISTINCT ward_name) FROM ward_epidemic") == 10
    assert scalar(sample_engine, "SELECT count(*) FROM wards WHERE population > 0") == 10


def test_every_feature_keeps_its_provenance(sample_engine: Engine) -> None:
    assert scalar(sample_engine, "SELECT count(*) FROM hydrants WHERE source_file = "
                  "'hydrants.geojson' AND source_id LIKE 'Q7-%' AND loaded_at IS NOT NULL") == 25
    assert scalar(sample_engine,
                  "SELECT bool_and(source_id LIKE 'osm:%') FROM roads") is True


def test_geometries_lie_in_district_7_in_utm_48n(sample_engine: Engine) -> None:
    # District 7 spans roughly 683-692 km E, 1180-1190 km N in UTM 48N.
    box = scalar(sample_engine, "SELECT ST_Extent(geom)::text FROM roads")
    xmin, ymin, xmax, ymax = map(float, box[4:-1].replace(",", " ").split())
    assert 680_000 < xmin < xmax < 695_000 and 1_175_000 < ymin < ymax < 1_195_000
    assert scalar(sample_engine, "SELECT max(ST_Distance(ST_Transform(geom, 3857), geom_3857)) "
                  "FROM hydrants") < 1e-6


def test_names_are_stored_in_nfc(sample_engine: Engine) -> None:
    with sample_engine.connect() as conn:
        names = conn.execute(text("SELECT name FROM roads WHERE name IS NOT NULL")).scalars()
        assert all(unicodedata.is_normalized("NFC", name) for name in names)


def test_planning_zone_category_is_derived_from_the_code(sample_engine: Engine) -> None:
    assert scalar(sample_engine, "SELECT count(*) FROM planning_zones WHERE land_use_code = "
                  "'ODT' AND land_use_category <> 'residential'") == 0
    assert scalar(sample_engine, "SELECT min(area_m2) FROM planning_zones") > 0


def test_each_load_is_recorded_and_bumps_the_data_version(sample_engine: Engine) -> None:
    assert scalar(sample_engine, "SELECT count(*) FROM loads WHERE layer_id = 'hydrants'") >= 1
    assert scalar(sample_engine,
                  "SELECT data_version FROM layer_versions WHERE layer_id = 'hydrants'") >= 1


def test_a_failed_load_leaves_the_previous_data(migrated_engine: Engine, tmp_path: Path) -> None:
    good = tmp_path / "hydrants.geojson"
    good.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
                    '{"code":"H1","status":"working"},"geometry":{"type":"Point",'
                    '"coordinates":[106.72,10.73]}}]}')
    load_file(migrated_engine, "hydrants", good)
    broken = tmp_path / "broken.geojson"
    broken.write_bytes(b'{"type":"FeatureCollection","features":[{"type":"Feat')
    with pytest.raises(InvalidInput, match="broken.geojson"):
        load_file(migrated_engine, "hydrants", broken)
    assert scalar(migrated_engine, "SELECT string_agg(code, ',') FROM hydrants") == "H1"
