"""Risk models: the flood and epidemic overlays on hand-made data, and the machinery every
model shares (stored parameters, recompute on load, staleness, the CLI, serving by day).

The fire models have their own file, tests/test_risk_fire.py.
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from geo import risk
from geo.catalog import bump_version, data_versions
from geo.errors import InvalidInput
from geo.settings import Settings
from loaders.files import load_file
from loaders.history import recent_loads
from server import create_app

URBANMAP = str(Path(sys.executable).parent / "urbanmap")
UTM = "EPSG:32648"
# A 2 km square ward in UTM 48N, inside District 7, with a 10 m wide canal along y = Y0.
X0, Y0 = 687_000.0, 1_189_000.0
WARD = f"POLYGON(({X0 - 1000} {Y0 - 1000}, {X0 + 1000} {Y0 - 1000}, {X0 + 1000} {Y0 + 1000}, " \
       f"{X0 - 1000} {Y0 + 1000}, {X0 - 1000} {Y0 - 1000}))"


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def add_ward(engine: Engine, name: str, population: int | None, code: str | None = None,
             wkt: str = WARD) -> None:
    """A ward written straight to its table: no load, so no model runs behind the test."""
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO wards (geom, name, code, population, source_id) VALUES "
            "(ST_Multi(ST_GeomFromText(:wkt, 32648)), :name, :code, :population, :name)"),
            {"wkt": wkt, "name": name, "code": code, "population": population})


def write_geojson(path: Path, features: list[tuple[dict, dict]]) -> Path:
    path.write_text(json.dumps({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32648"}},
        "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features],
    }, ensure_ascii=False))
    return path


def canal(path: Path, width_m: float = 10.0) -> Path:
    line = {"type": "LineString", "coordinates": [[X0 - 1000, Y0], [X0 + 1000, Y0]]}
    return write_geojson(path, [({"id": "c1", "name": "Rạch Thử", "kind": "canal",
                                  "width_m": width_m}, line)])


def spot(x: float, y: float, elevation: float, source_id: str) -> tuple[dict, dict]:
    return ({"id": source_id, "elevation_m": elevation}, {"type": "Point", "coordinates": [x, y]})


def flood_level(engine: Engine, x: float, y: float) -> str | None:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT level FROM flood_risk WHERE ST_Intersects(geom, ST_SetSRID("
            "ST_MakePoint(:x, :y), 32648))"), {"x": x, "y": y}).scalar()


def version(engine: Engine, layer_id: str) -> int:
    with engine.connect() as conn:
        return data_versions(conn).get(layer_id, 0)


# -- flood bands ---------------------------------------------------------------------------

@pytest.fixture
def canal_ward(migrated_engine: Engine, tmp_path: Path) -> Engine:
    add_ward(migrated_engine, "Phường Thử", 10_000)
    load_file(migrated_engine, "waterways", canal(tmp_path / "canal.geojson"))
    return migrated_engine


def test_loading_a_canal_computes_the_flood_bands_by_distance(canal_ward: Engine) -> None:
    # The canal's edge is 5 m from its centre line: high within 50 m of the edge, medium
    # within 200 m, nothing beyond; and nothing on the water itself.
    assert flood_level(canal_ward, X0, Y0 + 5 + 40) == "high"
    assert flood_level(canal_ward, X0, Y0 - 5 - 45) == "high"
    assert flood_level(canal_ward, X0, Y0 + 5 + 60) == "medium"
    assert flood_level(canal_ward, X0, Y0 + 5 + 190) == "medium"
    assert flood_level(canal_ward, X0, Y0 + 5 + 210) is None
    assert flood_level(canal_ward, X0, Y0) is None
    assert version(canal_ward, "flood_risk") == 1


def test_flood_band_areas_match_the_geometry(canal_ward: Engine) -> None:
    with canal_ward.connect() as conn:
        areas = {band: area for band, area in conn.execute(
            text("SELECT band, sum(area_m2) FROM flood_risk GROUP BY 1"))}
    # A 2 km canal cut by the ward's sides: 2 × 2000 m × 50 m high (measured from the
    # water's edge), 2 × 2000 m × 150 m medium. The ward square cuts off the end caps.
    assert areas["high"] == pytest.approx(2 * 2000 * 50, rel=0.005)
    assert areas["medium"] == pytest.approx(2 * 2000 * 150, rel=0.005)


def test_spot_heights_raise_low_ground_and_lower_high_ground(canal_ward: Engine,
                                                             tmp_path: Path) -> None:
    heights = write_geojson(tmp_path / "heights.geojson", [
        spot(X0, Y0 + 100, 1.0, "low"),      # low ground north of the canal
        spot(X0, Y0 - 40, 3.0, "high"),      # high ground south of it
    ])
    load_file(canal_ward, "spot_heights", heights)
    assert flood_level(canal_ward, X0, Y0 + 100) == "high"        # medium, raised
    assert flood_level(canal_ward, X0, Y0 - 40) == "medium"       # high, lowered
    assert flood_level(canal_ward, X0, Y0 - 120) == "low"         # medium, lowered
    # 800 m from either height, beyond elevation_reach_m (300 m): the band as it is.
    assert flood_level(canal_ward, X0 - 800, Y0 + 100) == "medium"
    with canal_ward.connect() as conn:
        effects = set(conn.execute(text("SELECT elevation_effect FROM flood_risk")).scalars())
    assert effects == {"raised", "lowered", None}


def test_parameters_set_once_are_kept_for_later_recomputes(canal_ward: Engine,
                                                           tmp_path: Path) -> None:
    model = risk.get_model("flood_bands")
    with canal_ward.begin() as conn:
        run = risk.compute(conn, model, {"high_m": "100"})
    assert run.parameters["high_m"] == 100.0
    assert flood_level(canal_ward, X0, Y0 + 5 + 90) == "high"
    # A new canal file recomputes the bands by itself, still with high_m = 100.
    load_file(canal_ward, "waterways", canal(tmp_path / "wider.geojson", width_m=30.0))
    assert flood_level(canal_ward, X0, Y0 + 15 + 90) == "high"
    assert flood_level(canal_ward, X0, Y0 + 15 + 110) == "medium"
    with canal_ward.begin() as conn:
        risk.compute(conn, model, defaults=True)
        assert risk.stored_parameters(conn, model)["high_m"] == 50.0
    assert flood_level(canal_ward, X0, Y0 + 15 + 90) == "medium"


def test_bad_parameters_are_refused_with_the_model_s_own_words(canal_ward: Engine) -> None:
    model = risk.get_model("flood_bands")
    with canal_ward.begin() as conn:
        with pytest.raises(InvalidInput, match="high_m takes a number"):
            risk.compute(conn, model, {"high_m": "wide"})
        with pytest.raises(InvalidInput, match="no parameter 'width'.*high_m"):
            risk.compute(conn, model, {"width": "3"})
    with pytest.raises(InvalidInput, match="no risk model 'floods'.*flood_bands"):
        risk.get_model("floods")


def test_an_overlay_cannot_be_loaded(canal_ward: Engine, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="risk compute flood_bands"):
        load_file(canal_ward, "flood_risk", canal(tmp_path / "c.geojson"))
    assert flood_level(canal_ward, X0, Y0 + 45) == "high"


def test_an_input_changed_outside_a_load_shows_the_model_as_stale(canal_ward: Engine) -> None:
    def state(model_id: str) -> str:
        with canal_ward.connect() as conn:
            return {s.model.id: s.state for s in risk.model_states(conn)}[model_id]

    assert state("flood_bands") == "current"
    assert state("epidemic_levels") == "never computed"
    with canal_ward.begin() as conn:
        bump_version(conn, "waterways")  # e.g. an edit made with another tool
    assert state("flood_bands") == "stale: waterways changed"


def test_a_failed_load_leaves_the_overlay_as_it_was(canal_ward: Engine, tmp_path: Path) -> None:
    broken = tmp_path / "broken.geojson"
    broken.write_text(canal(tmp_path / "c.geojson").read_text()[:-40])
    with pytest.raises(InvalidInput):
        load_file(canal_ward, "waterways", broken)
    assert flood_level(canal_ward, X0, Y0 + 45) == "high"
    assert version(canal_ward, "flood_risk") == 1


# -- epidemic levels -----------------------------------------------------------------------

def write_reports(path: Path, rows: list[tuple]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["ward_name", "ward_code", "report_date", "new_cases",
                         "fully_vaccinated"])
        writer.writerows(rows)
    return path


def day(n: int) -> str:
    return (datetime.date(2021, 8, 1) + datetime.timedelta(days=n - 1)).isoformat()


@pytest.fixture
def epidemic(migrated_engine: Engine, tmp_path: Path) -> Engine:
    add_ward(migrated_engine, "Phường Một", 50_000, code="W1")
    add_ward(migrated_engine, "Phường Tân Thuận Đông", 100_000)
    add_ward(migrated_engine, "Phường Chưa Rõ", None)
    rows = [
        # Ward W1, matched on its code though the name differs: cases 1,1,1,1,1,2,2 on
        # days 1–7 (9 in a week: 18 per 100,000, level 1; 80 % vaccinated, no raise).
        # Day 8 brings 2 and day 1 leaves the window: 10, i.e. 20 per 100,000, level 2.
        *[("Ward one", "W1", day(n), c, 40_000) for n, c in
          enumerate([1, 1, 1, 1, 1, 2, 2, 2], start=1)],
        # Matched on its name in another case: 150 cases on day 1 is 150 per 100,000,
        # level 4 (vaccination unknown: no change). On day 9 the day-1 cases have left the
        # window: 60 cases, level 3, raised to 4 because only 50 % are vaccinated.
        ("phường tân thuận đông", "", day(1), 150, None),
        ("phường tân thuận đông", "", day(9), 60, 50_000),
        # No population: the rate and the level are unknown, not zero.
        ("Phường Chưa Rõ", "", day(1), 5, None),
    ]
    load_file(migrated_engine, "ward_epidemic", write_reports(tmp_path / "cases.csv", rows))
    return migrated_engine


def levels(engine: Engine) -> dict[tuple[str, str], tuple]:
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT ward_name, report_date::text, cases_7d, rate_per_100k, level, level_name "
            "FROM epidemic_risk"))
        return {(r[0], r[1]): tuple(r[2:]) for r in rows}


def test_ward_levels_follow_the_seven_day_rate_and_vaccination(epidemic: Engine) -> None:
    found = levels(epidemic)
    assert found[("Phường Một", day(7))] == (9, 18.0, 1, "Nguy cơ thấp (bình thường mới)")
    assert found[("Phường Một", day(8))] == (10, 20.0, 2, "Nguy cơ trung bình")
    assert found[("Phường Tân Thuận Đông", day(1))] == (150, 150.0, 4, "Nguy cơ rất cao")
    assert found[("Phường Tân Thuận Đông", day(9))] == (60, 60.0, 4, "Nguy cơ rất cao")
    assert found[("Phường Chưa Rõ", day(1))] == (5, None, None, None)
    assert len(found) == 8 + 2 + 1


def test_a_report_names_its_ward_as_people_write_it_and_one_naming_none_is_told(
        epidemic: Engine, tmp_path: Path) -> None:
    """Health reports write a ward "P. Tân Thuận Đông" or "Tan Thuan Dong" as often as the
    wards layer's "Phường Tân Thuận Đông": each is that ward, and its report of a day is
    one report however it is written. A report naming no ward is left out of the levels,
    and the load says so, not the map alone by a missing ward."""
    report = load_file(epidemic, "ward_epidemic", write_reports(tmp_path / "more.csv", [
        ("P. Tân Thuận Đông", "", day(20), 30, None),
        ("TAN THUAN DONG", "", day(21), 20, None),
        ("phuong tan thuan dong", "", day(21), 25, None),  # day 21 again: not added
        ("Phường Tân Thuận Tây", "", day(20), 7, None),  # a ward the layer lacks
    ]))
    assert levels(epidemic)[("Phường Tân Thuận Đông", day(21))][:2] == (50, 50.0)
    assert report.examples["duplicate source id in the file"] == [
        f"tan thuan dong | {day(21)}"]
    told = ("ward reports that name no ward of the wards layer: 1 (e.g. "
            "'Phường Tân Thuận Tây'), left out of the epidemic levels")
    assert report.notes[-1] == told
    with epidemic.connect() as conn:  # and the load's record says it too
        assert recent_loads(conn, "ward_epidemic", last=1)[0]["report"]["notes"][-1] == told


def test_vaccination_target_is_a_parameter(epidemic: Engine) -> None:
    with epidemic.begin() as conn:
        risk.compute(conn, risk.get_model("epidemic_levels"), {"vaccination_target_pct": "40"})
    assert levels(epidemic)[("Phường Tân Thuận Đông", day(9))][2:] == (3, "Nguy cơ cao")


def test_a_new_report_file_recomputes_the_levels(epidemic: Engine, tmp_path: Path) -> None:
    before = version(epidemic, "epidemic_risk")
    rows = [("Ward one", "W1", day(n), 30, 40_000) for n in range(1, 8)]
    new = write_reports(tmp_path / "new.csv", rows)
    load_file(epidemic, "ward_epidemic", new, dry_run=True)  # a dry run computes nothing
    assert version(epidemic, "epidemic_risk") == before
    load_file(epidemic, "ward_epidemic", new)
    assert version(epidemic, "epidemic_risk") == before + 1
    assert levels(epidemic)[("Phường Một", day(7))][:3] == (210, 420.0, 4)


def test_loading_the_same_reports_again_recomputes_nothing(epidemic: Engine,
                                                           tmp_path: Path) -> None:
    with epidemic.connect() as conn:
        computed = conn.execute(text("SELECT computed_at FROM risk_runs "
                                     "WHERE model_id = 'epidemic_levels'")).scalar()
    rows = [("Ward one", "W1", day(1), 1, 40_000)]
    load_file(epidemic, "ward_epidemic", write_reports(tmp_path / "a.csv", rows))
    version_after_change = version(epidemic, "epidemic_risk")
    load_file(epidemic, "ward_epidemic", write_reports(tmp_path / "a.csv", rows))
    assert version(epidemic, "epidemic_risk") == version_after_change
    with epidemic.connect() as conn:
        assert conn.execute(text("SELECT computed_at FROM risk_runs WHERE model_id = "
                                 "'epidemic_levels'")).scalar() > computed


# -- serving the overlays ------------------------------------------------------------------

@pytest.fixture
def client(epidemic: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=url_of(epidemic)))) as client:
        yield client


def test_overlays_are_collections_with_items_by_day(client: TestClient) -> None:
    ids = {c["id"] for c in client.get("/collections").json()["collections"]}
    assert {"epidemic_risk", "flood_risk", "fire_hydrant_gaps", "fire_narrow_alleys",
            "fire_blocked_buildings", "fire_apartments_no_hydrant"} <= ids
    body = client.get(f"/collections/epidemic_risk/items?datetime={day(1)}").json()
    assert {f["properties"]["report_date"] for f in body["features"]} == {day(1)}
    assert body["numberMatched"] == 3
    body = client.get(f"/collections/epidemic_risk/items?datetime={day(8)}/..").json()
    assert sorted(f["properties"]["report_date"] for f in body["features"]) == [day(8), day(9)]
    body = client.get(f"/collections/epidemic_risk/items?datetime=../{day(2)}").json()
    assert body["numberMatched"] == 4


@pytest.mark.parametrize("query, message", [
    ("/collections/epidemic_risk/items?datetime=yesterday", "datetime must be a date"),
    (f"/collections/epidemic_risk/items?datetime={day(5)}/{day(2)}", "ends before it starts"),
    (f"/collections/wards/items?datetime={day(1)}", "does not change with time"),
    (f"/tiles/wards/12/3262/1925.pbf?datetime={day(1)}", "only to layers that change by day"),
    ("/tiles/epidemic_risk/12/3262/1925.pbf?datetime=2021-13-01", "datetime must be a date"),
])
def test_bad_datetime_is_a_400_that_says_why(client: TestClient, query: str,
                                             message: str) -> None:
    response = client.get(query)
    assert response.status_code == 400
    assert message in response.json()["description"]


def test_a_tile_shows_the_day_asked_for_and_else_the_latest(client: TestClient) -> None:
    # z12 tile over the test ward (lon 106.72, lat 10.75).
    url = "/tiles/epidemic_risk/12/3262/1925.pbf"

    def days(query: str = "") -> set[str]:
        response = client.get(url + query, headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200
        tile = mapbox_vector_tile.decode(response.content)
        return {f["properties"]["report_date"] for f in tile["epidemic_risk"]["features"]}

    assert days(f"?datetime={day(1)}") == {day(1)}
    assert days(f"?datetime={day(3)}T08:00:00Z") == {day(3)}
    assert days() == {day(9)}
    first = client.get(url + f"?datetime={day(1)}").headers["etag"]
    assert first != client.get(url + f"?datetime={day(2)}").headers["etag"]


def test_the_map_style_draws_the_overlays_with_a_legend(client: TestClient) -> None:
    style = client.get("/styles/map.json").json()
    assert {"epidemic_risk", "flood_risk", "fire_hydrant_gaps"} <= {
        layer["id"] for layer in style["layers"]}
    epidemic = client.get("/styles/epidemic_risk.json").json()
    fill = next(layer for layer in epidemic["layers"] if layer["id"] == "epidemic_risk")
    assert fill["paint"]["fill-color"][0] == "match"
    legend = epidemic["metadata"]["urbanmap:legend"]["epidemic_risk"]
    assert legend["domain"] == "risk"
    levels = [entry["label_vi"][:5] for entry in legend["entries"][:4]]
    assert levels == ["Cấp 1", "Cấp 2", "Cấp 3", "Cấp 4"]


# -- the command line ----------------------------------------------------------------------

def run_cli(engine: Engine, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([URBANMAP, "risk", *args], capture_output=True, text=True,
                          timeout=180, env=os.environ | {"DATABASE_URL": url_of(engine),
                                                         "COLUMNS": "200"})


def test_cli_lists_computes_and_explains(canal_ward: Engine) -> None:
    listed = run_cli(canal_ward, "list")
    assert listed.returncode == 0, listed.stderr
    assert "flood_bands" in listed.stdout and "current" in listed.stdout
    computed = run_cli(canal_ward, "compute", "flood_bands", "--set", "medium_m=300")
    assert computed.returncode == 0, computed.stderr
    assert "flood_bands → flood_risk" in computed.stdout and "medium_m=300" in computed.stdout
    assert flood_level(canal_ward, X0, Y0 + 5 + 250) == "medium"
    explained = run_cli(canal_ward, "explain", "flood_bands")
    assert "medium_m = 200.0 m" in explained.stdout and "ST_Buffer" in explained.stdout
    wrong = run_cli(canal_ward, "compute", "flood_bands", "--set", "medium_m")
    assert wrong.returncode == 1 and "NAME=VALUE" in wrong.stderr
    assert "Traceback" not in wrong.stderr


# -- the District 7 sample -------------------------------------------------------------------

def test_a_new_hydrant_file_changes_the_coverage_tiles_without_a_restart(
        migrated_engine: Engine, tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    from geo.tiles import tile_range
    from loaders.sample import load_sample

    load_sample(migrated_engine, tmp_path / "sample")
    with migrated_engine.connect() as conn:
        # The ward with the most land beyond hydrant reach, a street point in that gap
        # (where a new hydrant helps), and the same point in WGS 84 for the tile.
        ward, x, y, lon, lat = conn.execute(text(
            "WITH gap AS (SELECT ward_name, geom FROM fire_hydrant_gaps "
            "             ORDER BY uncovered_m2 DESC LIMIT 1), "
            "spot AS (SELECT ST_ClosestPoint(r.geom, ST_PointOnSurface(gap.geom)) AS p "
            "         FROM gap, roads AS r WHERE ST_Intersects(r.geom, gap.geom) "
            "         ORDER BY r.geom <-> ST_PointOnSurface(gap.geom) LIMIT 1) "
            "SELECT gap.ward_name, ST_X(p), ST_Y(p), ST_X(ST_Transform(p, 4326)), "
            "       ST_Y(ST_Transform(p, 4326)) FROM gap, spot")).one()
    column, row, *_ = tile_range((lon, lat, lon, lat), 14)
    url = f"/tiles/fire_hydrant_gaps/14/{column}/{row}.pbf"

    def uncovered(client: TestClient) -> tuple[str, float]:
        response = client.get(url, headers={"Accept-Encoding": "identity"})
        features = mapbox_vector_tile.decode(response.content)["fire_hydrant_gaps"]["features"]
        return response.headers["etag"], next(f["properties"]["uncovered_m2"] for f in features
                                              if f["properties"]["ward_name"] == ward)

    with TestClient(create_app(Settings(database_url=url_of(migrated_engine)))) as client:
        etag_before, before = uncovered(client)
        hydrants = gpd.read_file(tmp_path / "sample" / "hydrants.geojson")
        new = gpd.GeoDataFrame(
            {"code": ["Q7-NEW-1"], "status": ["working"]},
            geometry=[Point(x, y)], crs=UTM).to_crs(hydrants.crs)
        more = gpd.GeoDataFrame(gpd.pd.concat([hydrants, new], ignore_index=True),
                                crs=hydrants.crs)
        more.to_file(tmp_path / "more_hydrants.geojson", driver="GeoJSON")
        load_file(migrated_engine, "hydrants", tmp_path / "more_hydrants.geojson")
        etag_after, after = uncovered(client)
    assert etag_after != etag_before
    # A hydrant covers at most π·(150 m + 30 m)² of land; on a street grid, far less.
    assert 0 < before - after < 3.1416 * 180 ** 2
