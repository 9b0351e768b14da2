"""Fire-response risk models on small hand-made networks, with the expected figures worked
out by hand, and on the District 7 sample.

Hand-made data is written straight to the tables (no load, so no model runs behind the
test) in UTM 48N metres, around a point inside District 7. Threshold 150 m, hose reach
30 m, snap 50 m, truck width 3.5 m, access 20 m: the defaults.
"""

from __future__ import annotations

import itertools
import math

import pytest
from sqlalchemy import Connection, Engine, text

from geo import risk

X0, Y0 = 686_000.0, 1_189_000.0
_ids = itertools.count()



def circle_area(radius: float) -> float:
    """PostGIS draws a buffer's round ends with 8 segments a quarter circle: the two ends
    of a line's buffer, or a point's buffer, make a 32-gon of area 16 r² sin(2π/32)."""
    return 16 * radius**2 * math.sin(2 * math.pi / 32)


def xy(dx: float, dy: float) -> str:
    return f"{X0 + dx} {Y0 + dy}"


def line(*points: tuple[float, float]) -> str:
    return f"LINESTRING({', '.join(xy(*p) for p in points)})"


def polygon(*points: tuple[float, float]) -> str:
    ring = [*points, points[0]]
    return f"POLYGON(({', '.join(xy(*p) for p in ring)}))"


def point(dx: float, dy: float) -> str:
    return f"POINT({xy(dx, dy)})"


SQUARE_WARD = polygon((-500, -500), (500, -500), (500, 500), (-500, 500))


def add(conn: Connection, table: str, wkt: str, **fields) -> None:
    fields.setdefault("source_id", f"{table}-{next(_ids)}")
    geom = "ST_GeomFromText(:wkt, 32648)"
    if table != "hydrants":
        geom = f"ST_Multi({geom})"
    names = ", ".join(fields)
    values = ", ".join(f":{name}" for name in fields)
    conn.execute(text(f"INSERT INTO {table} (geom, {names}) VALUES ({geom}, {values})"),
                 {"wkt": wkt, **fields})


def hydrant(conn: Connection, code: str, dx: float, dy: float,
            status: str = "working") -> None:
    add(conn, "hydrants", point(dx, dy), code=code, status=status)


def compute(engine: Engine, model_id: str) -> tuple[risk.RiskRun, list[dict]]:
    """Run the model and return its run and its overlay's rows."""
    model = risk.get_model(model_id)
    with engine.begin() as conn:
        run = risk.compute(conn, model)
        rows = conn.execute(text(f'SELECT * FROM "{model.layer.table}" ORDER BY source_id'))
        return run, [dict(row) for row in rows.mappings()]


def in_gap(engine: Engine, dx: float, dy: float) -> bool:
    """Whether the point lies in the hydrant gap of some ward."""
    with engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT EXISTS (SELECT FROM fire_hydrant_gaps WHERE ST_Intersects(geom, "
            "ST_GeomFromText(:wkt, 32648)))"), {"wkt": point(dx, dy)}).scalar())


def drop_pgrouting(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP EXTENSION pgrouting"))


# -- hydrant coverage ---------------------------------------------------------------------

@pytest.fixture
def alley_off_a_road(migrated_engine: Engine) -> Engine:
    """A road along y = 0 and an alley 250 m north from it, ending at (0, 250)."""
    with migrated_engine.begin() as conn:
        add(conn, "wards", SQUARE_WARD, name="Phường Thử")
        add(conn, "roads", line((-300, 0), (300, 0)), name="Đường Thử", kind="residential")
        add(conn, "alleys", line((0, 0), (0, 250)), name="Hẻm 12 Đường Thử", number="12",
            kind="alley")
    return migrated_engine


@pytest.mark.parametrize("hydrant_y, end_covered", [
    (150, True),    # 100 m down the alley from its end: within 150 m
    (50, False),    # 200 m from the end: covered up to y = 200, plus 30 m of hose
])
def test_hydrant_covers_the_alley_end_within_the_threshold(alley_off_a_road: Engine,
                                                            hydrant_y: float,
                                                            end_covered: bool) -> None:
    with alley_off_a_road.begin() as conn:
        hydrant(conn, "H1", 3, hydrant_y)  # 3 m beside the alley: joins it at (0, y)
    run, rows = compute(alley_off_a_road, "hydrant_coverage")
    assert run.steps == "risk_fire_network+risk_hydrant_coverage+risk_hydrant_gaps"
    assert [(r["ward_name"], r["method"], r["threshold_m"]) for r in rows] == [
        ("Phường Thử", "network", 150.0)]
    assert in_gap(alley_off_a_road, 0, 250) is not end_covered
    assert in_gap(alley_off_a_road, 0, 240) is not end_covered
    assert not in_gap(alley_off_a_road, 0, hydrant_y + 5)  # beside the hydrant itself


def test_covered_area_is_the_hose_reach_around_the_covered_street(
        migrated_engine: Engine) -> None:
    """One 500 m alley, a hydrant joining it 100 m from its west end: the 100 m behind it
    and 150 m ahead of it are covered, 250 m of street with 30 m of hose either side."""
    with migrated_engine.begin() as conn:
        add(conn, "wards", SQUARE_WARD, name="Phường Thử")
        add(conn, "alleys", line((-250, 0), (250, 0)), kind="alley")
        hydrant(conn, "H1", -150, 10)
    _, [row] = compute(migrated_engine, "hydrant_coverage")
    covered = 250 * 60 + circle_area(30)
    assert row["uncovered_m2"] == pytest.approx(1_000_000 - covered, abs=1)
    assert row["uncovered_pct"] == pytest.approx(100 * (1 - covered / 1_000_000), abs=1e-4)
    # The covered street ends at x = 0: hose reaches 30 m past it.
    assert not in_gap(migrated_engine, 25, 0) and in_gap(migrated_engine, 35, 0)


@pytest.mark.parametrize("status, dx", [
    ("out_of_service", 0),   # on the alley, but broken
    ("working", 60),         # working, but 60 m from every street (snap_m is 50)
])
def test_hydrant_that_cannot_serve_covers_nothing(alley_off_a_road: Engine, status: str,
                                                   dx: float) -> None:
    with alley_off_a_road.begin() as conn:
        hydrant(conn, "H1", dx, 150, status=status)
    _, [row] = compute(alley_off_a_road, "hydrant_coverage")
    assert row["uncovered_m2"] == pytest.approx(1_000_000, rel=1e-9)
    assert row["uncovered_pct"] == pytest.approx(100)


@pytest.fixture
def u_street(migrated_engine: Engine) -> Engine:
    """A U-shaped street: up 200 m, across 100 m, down 200 m; a hydrant at the first end.
    The second end, (100, 0), is 100 m from it in a straight line but 500 m along."""
    with migrated_engine.begin() as conn:
        add(conn, "wards", SQUARE_WARD, name="Phường Thử")
        add(conn, "roads", line((0, 0), (0, 200), (100, 200), (100, 0)), kind="residential")
        hydrant(conn, "H1", 0, 0)
    return migrated_engine


def test_distance_is_along_the_streets_not_straight(u_street: Engine) -> None:
    _, [row] = compute(u_street, "hydrant_coverage")
    assert in_gap(u_street, 100, 0)
    assert not in_gap(u_street, 0, 140)
    # Covered: the first 150 m of the first arm, with 30 m of hose around it.
    assert row["uncovered_m2"] == pytest.approx(1_000_000 - 150 * 60 - circle_area(30), abs=1)


def test_without_pgrouting_coverage_falls_back_to_straight_lines(u_street: Engine) -> None:
    drop_pgrouting(u_street)
    run, [row] = compute(u_street, "hydrant_coverage")
    assert run.steps == "risk_hydrant_coverage_straight+risk_hydrant_gaps"
    assert row["method"] == "straight_line"
    assert not in_gap(u_street, 100, 0)  # 100 m away in a straight line: covered
    assert in_gap(u_street, 0, 160)
    assert row["uncovered_m2"] == pytest.approx(1_000_000 - circle_area(150), abs=1)


@pytest.mark.parametrize("on_bridge", [False, True])
def test_a_bridge_passing_over_a_street_is_no_junction(migrated_engine: Engine,
                                                       on_bridge: bool) -> None:
    """Two roads cross at (0, 0) with no shared vertex; the hydrant is on the east-west
    one, 20 m from the crossing. Drawn at grade, the north end of the other road is 120 m
    away along it; on a bridge, it cannot be reached at all."""
    with migrated_engine.begin() as conn:
        add(conn, "wards", SQUARE_WARD, name="Phường Thử")
        add(conn, "roads", line((-300, 0), (300, 0)), kind="residential")
        add(conn, "roads", line((0, -100), (0, 100)), kind="tertiary")
        if on_bridge:
            add(conn, "bridges", line((0, -100), (0, 100)), name="Cầu Thử")
        hydrant(conn, "H1", 20, 0)
    compute(migrated_engine, "hydrant_coverage")
    assert in_gap(migrated_engine, 0, 100) is on_bridge


@pytest.mark.parametrize("short_by, joined", [(1.5, True), (5.0, False)])
def test_an_alley_stopping_just_short_of_the_road_is_joined_to_it(
        migrated_engine: Engine, short_by: float, joined: bool) -> None:
    """An alley drawn to end short of the road: by up to 2 m it is a drawing error and is
    joined; the hydrant on the road is then 100 m + the gap from the alley's far end."""
    with migrated_engine.begin() as conn:
        add(conn, "wards", SQUARE_WARD, name="Phường Thử")
        add(conn, "roads", line((-300, 0), (300, 0)), kind="residential")
        add(conn, "alleys", line((0, short_by), (0, 100 + short_by)), kind="alley")
        hydrant(conn, "H1", 0, 0)
    compute(migrated_engine, "hydrant_coverage")
    assert in_gap(migrated_engine, 0, 100 + short_by) is not joined



def test_cuts_a_float_apart_make_no_edge_without_ends(migrated_engine: Engine) -> None:
    """A crossing and a hydrant's street point one float apart along a way (coordinates
    rounded once, as by an export and its re-load) cut a piece GEOS returns as a point: an
    edge with no target, which pgRouting refused, and with it the load of the roads."""
    with migrated_engine.begin() as conn:
        conn.execute(text(
            "CREATE TEMP TABLE fire_ways ON COMMIT DROP AS SELECT way_id::bigint, "
            "'roads' AS way_layer, way_id::bigint AS fid, ST_GeomFromText(wkt, 32648) AS geom "
            "FROM (VALUES (1, :corner), (2, :across)) AS way(way_id, wkt)"),
            {"corner": line((0, 0), (100, 0), (100, 100)), "across": line((50, -50), (150, 50))})
        conn.execute(text(
            "CREATE TEMP TABLE fire_hydrant_joins ON COMMIT DROP AS SELECT 1::bigint AS fid, "
            "'H1' AS code, ST_GeomFromText(:hydrant, 32648) AS geom, 1::bigint AS way_id, "
            "CAST(:frac AS float8) AS frac, ST_GeomFromText(:street, 32648) AS street_point, "
            "1.0::float8 AS snap_m"),
            {"hydrant": point(101, 0), "street": point(100, 0),
             "frac": math.nextafter(0.5, 1)})  # the crossing (100, 0) is at 0.5
        for statement in risk.statements("fire_network_edges"):
            conn.execute(statement)
        edges = conn.execute(text(
            "SELECT count(*), count(*) FILTER (WHERE source IS NULL OR target IS NULL) "
            "FROM fire_edges")).one()
    assert tuple(edges) == (4, 0)  # each way in two at the crossing


# -- apartment blocks and hydrants ----------------------------------------------------------

def block(apex_dx: float) -> str:
    """A triangular block whose lowest point, (apex_dx, 10), is 10 m north of the road
    along y = 0 and is also its point nearest to anything south-west of it."""
    return polygon((apex_dx, 10), (apex_dx + 40, 20), (apex_dx + 10, 40))


@pytest.fixture
def blocks(migrated_engine: Engine) -> Engine:
    """A road along y = 0 from x = -100 to 400 with hydrant H1 on it at x = 0; hydrant H3 on
    an alley 120 m north that no street connects to; a broken hydrant beside block Far."""
    with migrated_engine.begin() as conn:
        add(conn, "roads", line((-100, 0), (400, 0)), kind="residential")
        add(conn, "alleys", line((150, 120), (250, 120)), kind="footway")
        hydrant(conn, "H1", 0, 0)
        hydrant(conn, "H3", 200, 120)
        hydrant(conn, "H9", 205, 5, status="out_of_service")
        add(conn, "apartments", block(50), name="Near")
        add(conn, "apartments", block(200), name="Far")
        add(conn, "apartments", block(350), name="Farther")
    return migrated_engine


def test_blocks_with_no_hydrant_within_reach_along_the_streets(blocks: Engine) -> None:
    run, rows = compute(blocks, "apartment_hydrants")
    assert run.steps == "risk_fire_network+risk_apartment_hydrants"
    found = {r["name"]: r for r in rows}
    # Near: 10 m to the road, 50 m along it to H1: 60 m, not listed.
    assert set(found) == {"Far", "Farther"}
    far = found["Far"]
    # H3 is 80.6 m away in a straight line but cannot be reached along a street.
    assert far["nearest_hydrant"] == "H1"
    assert far["network_distance_m"] == pytest.approx(10 + 200, abs=1e-6)
    assert far["straight_distance_m"] == pytest.approx(math.hypot(200, 10), abs=1e-6)
    assert far["threshold_m"] == 150.0
    farther = found["Farther"]
    assert farther["nearest_hydrant"] == "H1"
    assert farther["network_distance_m"] == pytest.approx(10 + 350, abs=1e-6)
    assert farther["straight_distance_m"] == pytest.approx(math.hypot(350, 10), abs=1e-6)
    with blocks.connect() as conn:
        fids = dict(conn.execute(text("SELECT name, fid FROM apartments")).all())
    assert far["apartment_fid"] == fids["Far"]


def test_block_beside_a_stray_footway_joins_the_street_in_front(
        migrated_engine: Engine) -> None:
    """The block's nearest way is a footway 5 m behind it that joins nothing; the road 30 m
    in front leads to H1, 200 m along it."""
    with migrated_engine.begin() as conn:
        add(conn, "roads", line((-100, 0), (400, 0)), kind="residential")
        add(conn, "alleys", line((50, 65), (150, 65)), kind="footway")
        hydrant(conn, "H1", -100, 0)
        add(conn, "apartments", polygon((100, 30), (140, 40), (110, 60)), name="Estate")
    _, [row] = compute(migrated_engine, "apartment_hydrants")
    assert row["nearest_hydrant"] == "H1"
    assert row["network_distance_m"] == pytest.approx(30 + 200, abs=1e-6)
    assert row["straight_distance_m"] == pytest.approx(math.hypot(200, 30), abs=1e-6)


def test_blocks_without_pgrouting_use_straight_lines(blocks: Engine) -> None:
    drop_pgrouting(blocks)
    run, rows = compute(blocks, "apartment_hydrants")
    assert run.steps == "risk_apartment_hydrants_straight"
    # Far has H3 at 80.6 m in a straight line. Farther's nearest point to H3, (360, 40),
    # is 178.9 m from it, nearer than H1 at 350.1 m.
    [farther] = rows
    assert farther["name"] == "Farther"
    assert farther["nearest_hydrant"] == "H3"
    assert farther["network_distance_m"] is None
    assert farther["straight_distance_m"] == pytest.approx(math.hypot(160, 80), abs=1e-6)


def test_blocks_with_no_working_hydrant_at_all_are_all_listed(migrated_engine: Engine) -> None:
    with migrated_engine.begin() as conn:
        add(conn, "roads", line((-100, 0), (400, 0)), kind="residential")
        hydrant(conn, "H9", 50, 0, status="out_of_service")
        add(conn, "apartments", block(50), name="Near")
    _, [row] = compute(migrated_engine, "apartment_hydrants")
    assert (row["name"], row["nearest_hydrant"], row["network_distance_m"],
            row["straight_distance_m"]) == ("Near", None, None, None)


# -- fire-truck access ----------------------------------------------------------------------

@pytest.fixture
def alley_with_building(migrated_engine: Engine):
    """A tertiary road along y = 0 (width unknown), an alley 150 m north from it, and a
    block 5 m east of the alley, 100 m from the road."""
    def make(width_m: float | None, kind: str) -> Engine:
        with migrated_engine.begin() as conn:
            add(conn, "roads", line((-300, 0), (300, 0)), name="Đường Thử", kind="tertiary")
            add(conn, "alleys", line((0, 0), (0, 150)), name="Hẻm 12 Đường Thử",
                number="12", kind=kind, width_m=width_m)
            add(conn, "apartments", polygon((5, 100), (25, 100), (25, 120), (5, 120)),
                name="Chung cư Thử")
        return migrated_engine
    return make


@pytest.mark.parametrize("width_m, kind, narrow, width_used", [
    (3.0, "alley", True, 3.0),         # measured, narrow
    (4.0, "alley", False, 4.0),        # measured, wide enough
    (None, "alley", True, 3.0),        # a hẻm of unknown width: 3 m from the table
    (None, "service", False, 4.0),     # a service way of unknown width: 4 m
])
def test_narrow_alley_blocks_the_building_behind_it(alley_with_building, width_m, kind,
                                                     narrow: bool, width_used: float) -> None:
    engine = alley_with_building(width_m, kind)
    _, ways = compute(engine, "fire_truck_access")
    _, blocked = compute(engine, "building_truck_access")
    if not narrow:
        assert ways == [] and blocked == []
        return
    # The road, a tertiary of unknown width (9 m from the table), is never listed.
    [way] = ways
    assert (way["way_layer"], way["number"], way["kind"], way["width_m"],
            way["width_estimated"], way["min_width_m"]) == (
        "alleys", "12", kind, width_used, width_m is None, 3.5)
    [building] = blocked
    assert (building["name"], building["building_layer"], building["via"],
            building["via_width_m"]) == ("Chung cư Thử", "apartments", "Hẻm 12 Đường Thử",
                                         width_used)
    assert building["truck_distance_m"] == pytest.approx(100)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT fid FROM apartments")).scalar() == \
            building["building_fid"]


def test_wide_way_reached_only_through_a_narrow_alley_is_no_truck_access(
        migrated_engine: Engine) -> None:
    """A 6 m service way at the end of a 3 m alley: wide, but a truck cannot get to it."""
    with migrated_engine.begin() as conn:
        add(conn, "roads", line((-300, 0), (300, 0)), kind="primary")
        add(conn, "alleys", line((0, 0), (0, 100)), kind="alley", width_m=3.0)
        add(conn, "alleys", line((0, 100), (200, 100)), kind="service", width_m=6.0,
            source_id="yard")
        add(conn, "apartments", polygon((180, 105), (200, 105), (200, 125), (180, 125)))
    _, [building] = compute(migrated_engine, "building_truck_access")
    assert building["via"] == "unnamed service (yard)"
    assert building["via_width_m"] == 6.0
    assert building["truck_distance_m"] == pytest.approx(105)


def test_narrow_road_is_listed_too(migrated_engine: Engine) -> None:
    with migrated_engine.begin() as conn:
        add(conn, "roads", line((-300, 0), (300, 0)), name="Đường Hẹp", kind="residential",
            width_m=3.2)
        add(conn, "roads", line((-300, 50), (300, 50)), name="Đường Rộng", kind="residential")
    _, [way] = compute(migrated_engine, "fire_truck_access")
    assert (way["name"], way["way_layer"], way["width_m"], way["width_estimated"]) == (
        "Đường Hẹp", "roads", pytest.approx(3.2), False)


# -- the District 7 sample ------------------------------------------------------------------

FIRE_MODELS = ("hydrant_coverage", "apartment_hydrants", "fire_truck_access",
               "building_truck_access")


def sample_rows(engine: Engine, sql: str) -> list[dict]:
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(text(sql)).mappings()]


def test_sample_fire_overlays_are_computed_by_the_load(sample_engine: Engine) -> None:
    runs = {r["model_id"]: r for r in sample_rows(
        sample_engine, "SELECT model_id, features, steps, seconds FROM risk_runs")}
    for model_id in FIRE_MODELS:
        layer = risk.get_model(model_id).layer.table
        count = sample_rows(sample_engine, f'SELECT count(*) AS n FROM "{layer}"')[0]["n"]
        assert count > 0, layer
        assert runs[model_id]["features"] == count
    assert runs["hydrant_coverage"]["steps"] == \
        "risk_fire_network+risk_hydrant_coverage+risk_hydrant_gaps"


def test_sample_hydrant_gaps_are_consistent(sample_engine: Engine) -> None:
    gaps = sample_rows(sample_engine, """
        SELECT g.ward_name, g.uncovered_m2, g.uncovered_pct, g.method, g.threshold_m,
               ST_Area(w.geom) AS ward_m2, ST_Area(g.geom) AS gap_m2,
               ST_CoveredBy(g.geom, ST_Buffer(w.geom, 0.01)) AS inside
        FROM fire_hydrant_gaps AS g JOIN wards AS w ON w.name = g.ward_name""")
    wards = sample_rows(sample_engine, "SELECT count(*) AS n FROM wards")[0]["n"]
    assert 0 < len(gaps) <= wards
    for gap in gaps:
        assert 0 < gap["uncovered_pct"] <= 100
        assert gap["uncovered_m2"] == pytest.approx(gap["gap_m2"])
        assert gap["uncovered_pct"] == pytest.approx(100 * gap["gap_m2"] / gap["ward_m2"])
        assert gap["inside"] and (gap["method"], gap["threshold_m"]) == ("network", 150.0)
    # 21 working hydrants each cover some of the district.
    assert sum(g["gap_m2"] for g in gaps) < 0.99 * sum(g["ward_m2"] for g in gaps)


def test_sample_apartment_and_building_overlays_are_consistent(sample_engine: Engine) -> None:
    listed = sample_rows(sample_engine, """
        SELECT f.*, a.fid IS NOT NULL AS is_apartment, h.status,
               ST_Equals(f.geom, a.geom) AS same_shape
        FROM fire_apartments_no_hydrant AS f
        LEFT JOIN apartments AS a ON a.fid = f.apartment_fid
        LEFT JOIN hydrants AS h ON h.code = f.nearest_hydrant""")
    assert listed
    # Every block in the sample is near a street that leads to some working hydrant.
    assert all(row["network_distance_m"] is not None for row in listed)
    for row in listed:
        assert row["is_apartment"] and row["same_shape"] and row["status"] == "working"
        # Along the streets is never shorter than straight, and always beyond the threshold.
        assert row["network_distance_m"] >= row["straight_distance_m"] - 1e-6
        assert row["network_distance_m"] > row["threshold_m"]
    blocked = sample_rows(sample_engine, """
        SELECT b.*, a.fid IS NOT NULL AS is_apartment
        FROM fire_blocked_buildings AS b
        LEFT JOIN apartments AS a ON a.fid = b.building_fid""")
    assert blocked
    for row in blocked:
        assert row["is_apartment"] and row["building_layer"] == "apartments"
        assert row["via"] and row["truck_distance_m"] > 20
    narrow = sample_rows(sample_engine, "SELECT * FROM fire_narrow_alleys")
    assert narrow
    assert all(row["min_width_m"] == 3.5 and row["width_m"] < 3.5 for row in narrow)
