"""The field team's lookups: nearest hydrants along the streets, what is here, and a way's
width for a fire truck, on small hand-made districts whose answers are worked out by hand,
and on the District 7 sample.

Hand-made data is written straight to the tables in UTM 48N metres around a point inside
District 7; the lookups are asked in WGS 84, as a phone asks.
"""

from __future__ import annotations

import itertools
import json
import math
import unicodedata
import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer
from sqlalchemy import Connection, Engine, text

from geo import migrate, risk
from geo.db import make_engine
from geo.localdb import LocalPostgis
from geo.lookup_here import asset_layers, what_is_here
from geo.lookup_hydrants import candidates, nearest_hydrants, routes_in_window
from geo.lookup_point import LookupPoint
from geo.lookup_ways import find_ways
from geo.risk_fire import HYDRANT_COVERAGE
from geo.settings import Settings
from layers import get_layer
from server import create_app

X0, Y0 = 686_000.0, 1_189_000.0
TO_WGS84 = Transformer.from_crs(32648, 4326, always_xy=True)
TO_UTM = Transformer.from_crs(4326, 32648, always_xy=True)
_ids = itertools.count()


def at(dx: float, dy: float) -> LookupPoint:
    """The WGS 84 point of the local metres (dx, dy), as a phone would send it."""
    lon, lat = TO_WGS84.transform(X0 + dx, Y0 + dy)
    return LookupPoint(lon, lat)


def local(lon: float, lat: float) -> tuple[float, float]:
    x, y = TO_UTM.transform(lon, lat)
    return x - X0, y - Y0


def wkt(kind: str, *points: tuple[float, float]) -> str:
    coords = ", ".join(f"{X0 + dx} {Y0 + dy}" for dx, dy in points)
    return {"point": f"POINT({coords})", "line": f"LINESTRING({coords})",
            "polygon": f"POLYGON(({coords}, {X0 + points[0][0]} {Y0 + points[0][1]}))"}[kind]


def square(x0: float, y0: float, x1: float, y1: float) -> str:
    return wkt("polygon", (x0, y0), (x1, y0), (x1, y1), (x0, y1))


def add(conn: Connection, layer_id: str, geometry: str | None, **fields) -> None:
    """A feature written straight to its table: no load, so no model runs behind it."""
    spec = get_layer(layer_id)
    fields.setdefault("source_id", f"{layer_id}-{next(_ids)}")
    names = list(fields)
    values = [f":{name}" for name in names]
    if geometry is not None:
        geom = "ST_GeomFromText(:wkt, 32648)"
        names.insert(0, "geom")
        values.insert(0, geom if spec.geometry == "Point" else f"ST_Multi({geom})")
    conn.execute(text(f"INSERT INTO {spec.table} ({', '.join(names)}) "
                      f"VALUES ({', '.join(values)})"), {"wkt": geometry, **fields})


def client_of(engine: Engine) -> TestClient:
    url = engine.url.render_as_string(hide_password=False)
    return TestClient(create_app(Settings(database_url=url)), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def module_database(cluster: LocalPostgis) -> Iterator[Callable[[], Engine]]:
    """Migrated databases shared by the tests of this module that only read: a district
    is built once, not once per test."""
    engines: list[Engine] = []

    def make() -> Engine:
        engines.append(make_engine(cluster.create_database(f"lookup_{uuid.uuid4().hex[:10]}")))
        migrate.upgrade(engines[-1])
        return engines[-1]

    yield make
    for engine in engines:
        engine.dispose()


# -- nearest hydrants -----------------------------------------------------------------------

# The asked point, 4 m east of an alley that runs north from a road.
P = (4.0, 50.0)


def build_hydrant_streets(engine: Engine) -> Engine:
    """A road along y = 0; alley A north from (0, 0) to (0, 200); alley B north from
    (150, 0) to (150, 60), then west to (60, 60), ending 60 m from alley A; a footway
    x = -100, y 100..200 that joins nothing. Hydrants:
      H1 (3, 150)   beside alley A, 100 m up it from P's street point (0, 50)
      H2 (60, 62)   2 m north of alley B's west end: 57 m from P, but 356 m along
      H3 (2, 60)    on alley A, out of service
      H4 (-98, 150) beside the footway, which no street reaches
      H5 (-200, 70) 70 m from the road, beyond the 50 m a hydrant may stand from a street
    """
    with engine.begin() as conn:
        add(conn, "wards", square(-500, -500, 500, 500), name="Phường Thử")
        add(conn, "roads", wkt("line", (-400, 0), (400, 0)), name="Đường Thử",
            kind="residential")
        add(conn, "alleys", wkt("line", (0, 0), (0, 200)), number="12", kind="alley")
        add(conn, "alleys", wkt("line", (150, 0), (150, 60), (60, 60)), number="30",
            kind="alley")
        add(conn, "alleys", wkt("line", (-100, 100), (-100, 200)), kind="footway")
        for code, (dx, dy), status in (("H1", (3, 150), "working"),
                                       ("H2", (60, 62), "working"),
                                       ("H3", (2, 60), "out_of_service"),
                                       ("H4", (-98, 150), "working"),
                                       ("H5", (-200, 70), "working")):
            add(conn, "hydrants", wkt("point", (dx, dy)), code=code, status=status,
                street="Đường Thử")
    return engine


@pytest.fixture(scope="module")
def hydrant_streets(module_database: Callable[[], Engine]) -> Engine:
    return build_hydrant_streets(module_database())


def lookup(engine: Engine, point: tuple[float, float], limit: int = 10,
           max_m: float = 1000) -> dict:
    with engine.connect() as conn:
        return nearest_hydrants(conn, at(*point), limit, max_m)


def by_code(answer: dict) -> dict[str, dict]:
    return {f["properties"]["code"]: f["properties"] for f in answer["features"]}


# Hand-computed (straight, network): H1 is 4 m to the alley, 100 m up it and 3 m to the
# hydrant; H2 is 4 + 50 down alley A + 150 along the road + 60 + 90 along alley B + 2.
EXPECTED = {"H1": (math.hypot(1, 100), 4 + 100 + 3),
            "H2": (math.hypot(56, 12), 4 + 50 + 150 + 60 + 90 + 2),
            "H4": (math.hypot(102, 100), None),
            "H5": (math.hypot(204, 20), None)}


def test_hydrants_rank_by_distance_along_the_streets(hydrant_streets: Engine) -> None:
    answer = lookup(hydrant_streets, P)
    # H2 is the nearest in a straight line, H1 along the streets; H3 is out of service;
    # the two no street leads to come last, by straight distance.
    assert [f["properties"]["code"] for f in answer["features"]] == ["H1", "H2", "H4", "H5"]
    assert answer["method"].startswith("network:")
    for code, props in by_code(answer).items():
        straight, network = EXPECTED[code]
        assert props["straight_m"] == pytest.approx(straight, abs=0.5), code
        assert props["network_m"] == (pytest.approx(network, abs=0.5) if network else None)
        assert (props["route"] is None) is (network is None)


def route_length(route: dict) -> float:
    points = [local(lon, lat) for lon, lat in route["coordinates"]]
    return sum(math.dist(a, b) for a, b in itertools.pairwise(points))


@pytest.mark.parametrize("code, hydrant_at", [("H1", (3, 150)), ("H2", (60, 62))])
def test_route_runs_from_the_point_to_the_hydrant_and_is_as_long_as_network_m(
        hydrant_streets: Engine, code: str, hydrant_at: tuple[float, float]) -> None:
    props = by_code(lookup(hydrant_streets, P))[code]
    route = props["route"]
    assert route["type"] == "LineString"
    assert math.dist(local(*route["coordinates"][0]), P) < 0.05
    assert math.dist(local(*route["coordinates"][-1]), hydrant_at) < 0.05
    assert route_length(route) == pytest.approx(props["network_m"], abs=0.5)
    if code == "H2":  # the corner where alley B turns west is on the way
        assert min(math.dist(local(*c), (150, 60)) for c in route["coordinates"]) < 0.05


def test_the_nearest_along_the_streets_wins_even_with_limit_1(hydrant_streets: Engine
                                                                ) -> None:
    # The first window (from H2's 57 m) holds H1's route but not H2's: still H1.
    [only] = lookup(hydrant_streets, P, limit=1)["features"]
    assert only["properties"]["code"] == "H1"
    assert only["properties"]["network_m"] == pytest.approx(107, abs=0.5)


def test_a_hydrant_twice_max_m_away_along_the_streets_has_no_network_distance(
        hydrant_streets: Engine) -> None:
    # max_m 80: H2 (57 m) is the only candidate; 356 m along is more than 2 × 80 m.
    answer = lookup(hydrant_streets, P, max_m=80)
    assert [(f["properties"]["code"], f["properties"]["network_m"])
            for f in answer["features"]] == [("H2", None)]
    assert "160 m" in answer["method"]


def test_a_point_at_the_hydrants_street_point_is_only_the_hydrants_step_away(
        hydrant_streets: Engine) -> None:
    props = by_code(lookup(hydrant_streets, (0, 150), limit=1))["H1"]
    assert props["network_m"] == pytest.approx(3, abs=0.01)
    assert route_length(props["route"]) == pytest.approx(3, abs=0.05)


def test_no_working_hydrant_within_max_m_is_an_empty_collection(hydrant_streets: Engine
                                                                 ) -> None:
    answer = lookup(hydrant_streets, (400, -400), max_m=100)
    assert answer["type"] == "FeatureCollection" and answer["features"] == []


def test_without_pgrouting_the_answer_is_straight_lines(migrated_engine: Engine) -> None:
    engine = build_hydrant_streets(migrated_engine)
    with engine.begin() as conn:
        conn.execute(text("DROP EXTENSION pgrouting"))
    answer = lookup(engine, P)
    assert answer["method"].startswith("straight_line:")
    assert [(f["properties"]["code"], f["properties"]["network_m"], f["properties"]["route"])
            for f in answer["features"]] == [("H2", None, None), ("H1", None, None),
                                             ("H4", None, None), ("H5", None, None)]


# Points across the sample district, every one with a working hydrant within 1000 m.
SAMPLE_POINTS = [(106.7218, 10.7298), (106.700, 10.740), (106.715, 10.725),
                 (106.730, 10.710), (106.707, 10.7358), (106.720, 10.750),
                 (106.735, 10.720), (106.725, 10.740)]


@pytest.mark.parametrize("lon, lat", SAMPLE_POINTS)
def test_window_answer_is_the_whole_district_networks(sample_engine: Engine, lon: float,
                                                      lat: float) -> None:
    """The window rule loses nothing: the same hydrants and distances as a network of
    every road and alley of the district (a window larger than the district)."""
    point, limit, max_m = LookupPoint(lon, lat), 3, 1000.0
    with sample_engine.connect() as conn:
        answer = nearest_hydrants(conn, point, limit, max_m)
        found = candidates(conn, point, max_m)
        snap_m = float(risk.stored_parameters(conn, HYDRANT_COVERAGE)["snap_m"])
        whole = {fid: r.network_m for fid, r in
                 routes_in_window(conn, point, 1e6, max_m, snap_m).items()
                 if r.network_m <= 2 * max_m}
    assert found and whole, "the point should have hydrants to compare"
    expected = sorted(found, key=lambda c: (c.fid not in whole, whole.get(c.fid, 0),
                                            c.straight_m))[:limit]
    assert [f["id"] for f in answer["features"]] == [c.fid for c in expected]
    for feature in answer["features"]:
        network = whole.get(feature["id"])
        assert feature["properties"]["network_m"] == (
            pytest.approx(network, abs=0.05) if network is not None else None)
        if network is not None:
            assert network >= feature["properties"]["straight_m"] - 0.1


# -- what is here ---------------------------------------------------------------------------

HERE = (20.0, 10.0)


@pytest.fixture(scope="module")
def neighbourhood(module_database: Callable[[], Engine]) -> Engine:
    """Ward Phường Thử (x -500..500) and Phường Bên east of it; planning zones Z-1 (x < 0)
    and Z-2 (x > 0); a road along y = 0 with a working hydrant at (0, 0); alley 12 from
    (60, 0) north; a pharmacy at (20, 40) and a clinic at (20, 150); a 10 m wide canal
    along y = -300 (water's edge at y = -295). The flood, hydrant and epidemic overlays
    are computed by their models."""
    engine = module_database()
    with engine.begin() as conn:
        add(conn, "wards", square(-500, -500, 500, 500), name="Phường Thử", code="27001",
            population=10_000)
        add(conn, "wards", square(500, -500, 1500, 500), name="Phường Bên", code="27002")
        add(conn, "planning_zones", square(-500, -500, 0, 500), zone_code="Z-1",
            land_use_code="ODT", max_floors=5)
        add(conn, "planning_zones", square(0, -500, 500, 500), zone_code="Z-2",
            land_use_code="CXT", max_floors=1)
        add(conn, "roads", wkt("line", (-400, 0), (400, 0)), name="Đường Thử",
            kind="residential")
        add(conn, "hydrants", wkt("point", (0, 0)), code="H1", status="working")
        add(conn, "alleys", wkt("line", (60, 0), (60, 100)), number="12",
            opens_from="Đường Thử", kind="alley")
        add(conn, "pharmacies", wkt("point", (20, 40)), name="Nhà thuốc Thử")
        add(conn, "clinics", wkt("point", (20, 150)), name="Phòng khám Xa")
        add(conn, "waterways", wkt("line", (-500, -300), (500, -300)), name="Rạch Thử",
            kind="canal", width_m=10.0)
        for day, cases in (("2021-08-01", 1), ("2021-08-02", 4)):
            add(conn, "ward_epidemic", None, ward_name="Phường Thử", ward_code="27001",
                report_date=day, new_cases=cases, fully_vaccinated=8_000)
        for model in ("flood_bands", "hydrant_coverage", "epidemic_levels"):
            risk.compute(conn, risk.get_model(model))
    return engine


def here(engine: Engine, point: tuple[float, float], radius_m: float = 100,
         limit: int = 50) -> dict:
    with engine.connect() as conn:
        return json.loads(what_is_here(conn, at(*point), radius_m, limit))


def test_here_lists_the_assets_nearest_first_with_their_distances(neighbourhood: Engine
                                                                  ) -> None:
    features = here(neighbourhood, HERE)["features"]["features"]
    assert [(f["properties"]["layer"], f["properties"]["name"], f["properties"]["distance_m"])
            for f in features] == [
        ("planning_zones", None, 0),          # Z-2, which the point is in
        ("wards", "Phường Thử", 0),
        ("roads", "Đường Thử", 10),
        ("planning_zones", None, 20),         # Z-1, 20 m west
        ("hydrants", "H1", pytest.approx(math.hypot(20, 10), abs=0.05)),
        ("pharmacies", "Nhà thuốc Thử", 30),
        ("alleys", "12", 40),                 # no name: its number names it
    ]  # the clinic, 140 m away, and Phường Bên, 480 m away, are beyond 100 m


def test_here_features_carry_their_fields_and_wgs84_geometry(neighbourhood: Engine) -> None:
    features = here(neighbourhood, HERE)["features"]["features"]
    hydrant = next(f for f in features if f["properties"]["layer"] == "hydrants")
    assert hydrant["type"] == "Feature" and isinstance(hydrant["id"], int)
    assert {"code", "status", "last_inspected", "pressure_bar", "street"} <= set(
        hydrant["properties"])
    assert hydrant["properties"]["status"] == "working"
    assert local(*hydrant["geometry"]["coordinates"]) == pytest.approx((0, 0), abs=0.05)


@pytest.mark.parametrize("radius_m, limit, layers", [
    (25, 50, ["planning_zones", "wards", "roads", "planning_zones", "hydrants"]),
    (100, 3, ["planning_zones", "wards", "roads"]),
    (0, 50, ["planning_zones", "wards"]),
])
def test_here_keeps_to_the_radius_and_the_limit(neighbourhood: Engine, radius_m: float,
                                                limit: int, layers: list[str]) -> None:
    answer = here(neighbourhood, HERE, radius_m, limit)
    assert answer["radius_m"] == radius_m
    assert [f["properties"]["layer"] for f in answer["features"]["features"]] == layers


def test_here_names_the_ward_and_planning_zone_at_the_point(neighbourhood: Engine) -> None:
    answer = here(neighbourhood, HERE)
    assert answer["point"] == pytest.approx(list(at(*HERE).to_json()))
    assert {k: answer["ward"][k] for k in ("name", "code")} == {
        "name": "Phường Thử", "code": "27001"}
    zone = answer["planning_zone"]
    assert (zone["zone_code"], zone["land_use_code"], zone["land_use_category"],
            zone["max_floors"]) == ("Z-2", "CXT", "green", 1)
    west = here(neighbourhood, (-20, 10))["planning_zone"]
    assert west["zone_code"] == "Z-1" and west["fid"] != zone["fid"]


@pytest.mark.parametrize("dy, level", [
    (-270, "high"),     # 25 m from the water's edge at y = -295: within 50 m
    (-200, "medium"),   # 95 m: within 200 m
    (-50, None),        # 245 m: beyond the bands
])
def test_here_gives_the_flood_level_at_the_point(neighbourhood: Engine, dy: float,
                                                 level: str | None) -> None:
    flood = here(neighbourhood, (100, dy))["risk"]["flood"]
    assert (flood and flood["level"]) == level
    if level:
        assert flood["within_m"] == {"high": 50, "medium": 200}[level]


@pytest.mark.parametrize("point, gap", [
    ((20, 10), False),    # 20 m along the road from H1, and 10 m off it
    ((-300, 200), True),  # 300 m along: beyond 150 m, and 200 m off the road
])
def test_here_says_whether_the_point_is_beyond_hydrant_reach(neighbourhood: Engine,
                                                             point, gap: bool) -> None:
    assert here(neighbourhood, point)["risk"]["hydrant_gap"] is gap


def test_here_gives_the_wards_latest_epidemic_level(neighbourhood: Engine) -> None:
    # 1 + 4 cases over 7 days in 10,000 people: 50 per 100,000, level 3; 80 % vaccinated.
    epidemic = here(neighbourhood, HERE)["risk"]["epidemic"]
    assert (epidemic["day"], epidemic["level"], epidemic["rate_per_100k"],
            epidemic["cases_7d"], epidemic["vaccinated_pct"]) == ("2021-08-02", 3, 50.0, 5,
                                                                  80.0)
    assert epidemic["ward_name"] == "Phường Thử"


def test_here_on_the_sample_matches_postgis_distances(sample_engine: Engine) -> None:
    lon, lat = SAMPLE_POINTS[0]
    with sample_engine.connect() as conn:
        answer = json.loads(what_is_here(conn, LookupPoint(lon, lat), 300, 200))
        features = answer["features"]["features"]
        for feature in features:
            layer = feature["properties"]["layer"]  # a registry id, checked below
            distance = conn.execute(text(
                f'SELECT ST_Distance(geom, ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), '
                f'4326), 32648)) FROM "{layer}" WHERE fid = :fid'),
                {"lon": lon, "lat": lat, "fid": feature["id"]}).scalar_one()
            assert feature["properties"]["distance_m"] == pytest.approx(distance, abs=0.05)
    distances = [f["properties"]["distance_m"] for f in features]
    assert len(features) > 20 and distances == sorted(distances)
    assert {f["properties"]["layer"] for f in features} <= {s.id for s in asset_layers()}
    assert answer["ward"]["name"] and answer["risk"]["epidemic"]["level"] in (1, 2, 3, 4)


# -- ways and fire trucks -------------------------------------------------------------------

def build_ways(engine: Engine) -> Engine:
    """A primary road of unknown width and four hẻm: 458 measured 2.5 m, 457 a service way
    of unknown width, 12 with neither kind nor width, 88 measured 3.5 m."""
    with engine.begin() as conn:
        add(conn, "roads", wkt("line", (0, 0), (300, 0)), name="Huỳnh Tấn Phát",
            kind="primary")
        add(conn, "alleys", wkt("line", (10, 0), (10, 100)), name="Hẻm 458 Huỳnh Tấn Phát",
            number="458", opens_from="Huỳnh Tấn Phát", kind="alley", width_m=2.5)
        add(conn, "alleys", wkt("line", (30, 0), (30, 100)), name="Hẻm 457 Huỳnh Tấn Phát",
            number="457", opens_from="Huỳnh Tấn Phát", kind="service")
        add(conn, "alleys", wkt("line", (50, 0), (50, 100)), number="12",
            opens_from="Nguyễn Thị Thập")
        add(conn, "alleys", wkt("line", (70, 0), (70, 100)), name="Hẻm 88 Huỳnh Tấn Phát",
            number="88", kind="alley", width_m=3.5)
    return engine


@pytest.fixture(scope="module")
def ways(module_database: Callable[[], Engine]) -> Engine:
    return build_ways(module_database())


def ways_found(engine: Engine, query: str, limit: int = 10) -> list[dict]:
    with engine.connect() as conn:
        return [f["properties"] | {"id": f["id"]}
                for f in find_ways(conn, query, limit)["features"]]


@pytest.mark.parametrize("query", [
    "458", "hẻm 458", "hem 458 huynh tan phat", "Hẻm 458 Huỳnh Tấn Phát",
    unicodedata.normalize("NFD", "Hẻm 458 Huỳnh Tấn Phát"),
    "hem 458 huynh tna phat",       # a typo
    "458/12 Huỳnh Tấn Phát",        # a branch the registry lacks: the hẻm it opens from
])
def test_an_alley_is_found_by_number_and_by_any_spelling(ways: Engine, query: str) -> None:
    first = ways_found(ways, query)[0]
    assert (first["layer"], first["number"], first["name"]) == (
        "alleys", "458", "Hẻm 458 Huỳnh Tấn Phát")
    assert first["width_m"] == 2.5 and first["width_estimated"] is False
    assert first["fire_truck_fits"] is False and first["truck_width_m"] == 3.5


@pytest.mark.parametrize("query, layer, kind, width, estimated, fits", [
    ("huynh tan phat", "roads", "primary", 15.0, True, True),    # primary: 15 m by kind
    ("hem 457", "alleys", "service", 4.0, True, True),           # service: 4 m by kind
    ("12 nguyen thi thap", "alleys", "alley", 3.0, True, False), # no kind: an alley, 3 m
    ("hem 88", "alleys", "alley", 3.5, False, True),             # measured, just wide enough
])
def test_width_is_measured_or_estimated_by_kind(ways: Engine, query: str, layer: str,
                                                kind: str | None, width: float,
                                                estimated: bool, fits: bool) -> None:
    first = ways_found(ways, query)[0]
    assert (first["layer"], first["kind"], first["width_m"], first["width_estimated"],
            first["fire_truck_fits"]) == (layer, kind, width, estimated, fits)


def test_ways_agree_with_the_narrow_alley_overlay(migrated_engine: Engine) -> None:
    ways = build_ways(migrated_engine)
    with ways.begin() as conn:
        risk.compute(conn, risk.get_model("fire_truck_access"))
        narrow = {row.way_fid: row.width_m for row in conn.execute(text(
            "SELECT way_fid, width_m FROM fire_narrow_alleys WHERE way_layer = 'alleys'"))}
    found = {w["id"]: w for query in ("hem 458", "hem 457", "12 nguyen thi thap", "hem 88")
             for w in ways_found(ways, query)[:1]}
    assert {w["layer"] for w in found.values()} == {"alleys"}
    assert len(found) == 4 and len(narrow) == 2
    for fid, way in found.items():
        assert (fid in narrow) is not way["fire_truck_fits"]
        if fid in narrow:
            assert narrow[fid] == way["width_m"]


def test_truck_width_is_the_models_stored_parameter(migrated_engine: Engine) -> None:
    ways = build_ways(migrated_engine)
    with ways.begin() as conn:
        risk.compute(conn, risk.get_model("fire_truck_access"), {"min_width_m": "4.5"})
    [service] = [w for w in ways_found(ways, "hem 457") if w["number"] == "457"]
    assert (service["truck_width_m"], service["width_m"], service["fire_truck_fits"]) == (
        4.5, 4.0, False)


def test_ways_are_only_roads_and_alleys(migrated_engine: Engine) -> None:
    ways = build_ways(migrated_engine)
    with ways.begin() as conn:
        add(conn, "pharmacies", wkt("point", (5, 5)), name="Nhà thuốc Huỳnh Tấn Phát")
    found = ways_found(ways, "huynh tan phat", limit=50)
    assert found and {w["layer"] for w in found} == {"roads", "alleys"}


# -- over HTTP ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(hydrant_streets: Engine) -> Iterator[TestClient]:
    with client_of(hydrant_streets) as client:
        yield client


def test_hydrants_endpoint(client: TestClient) -> None:
    lon, lat = at(*P).to_json()
    response = client.get("/lookup/hydrants", params={"lon": lon, "lat": lat, "limit": 2})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert set(body) == {"type", "point", "method", "features"}
    assert body["point"] == [lon, lat]
    first = body["features"][0]
    assert first["geometry"]["type"] == "Point" and isinstance(first["id"], int)
    assert set(first["properties"]) == {"layer", "code", "status", "last_inspected",
                                        "pressure_bar", "street", "straight_m",
                                        "network_m", "route"}
    # limit 2: the first window (from H1's 100 m) holds only H1's route; the second, H2's.
    assert [(f["properties"]["code"], f["properties"]["network_m"]) for f in body["features"]
            ] == [("H1", pytest.approx(107, abs=0.5)), ("H2", pytest.approx(356, abs=0.5))]
    assert first["properties"]["street"] == "Đường Thử"


def test_here_endpoint(client: TestClient) -> None:
    lon, lat = at(*P).to_json()
    response = client.get("/lookup/here", params={"lon": lon, "lat": lat, "radius_m": 10})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"point", "radius_m", "ward", "planning_zone", "risk", "features"}
    assert body["radius_m"] == 10 and body["ward"]["name"] == "Phường Thử"
    assert body["planning_zone"] is None  # no planning zones in this district
    assert body["risk"]["flood"] is None and body["risk"]["hydrant_gap"] is False
    assert [(f["properties"]["layer"], f["properties"]["distance_m"])
            for f in body["features"]["features"]] == [("wards", 0), ("alleys", 4)]


def test_ways_endpoint(client: TestClient) -> None:
    response = client.get("/lookup/ways", params={"q": "hẻm 30", "limit": 1})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    [way] = response.json()["features"]
    assert way["geometry"]["type"] == "MultiLineString"
    assert set(way["properties"]) == {"layer", "name", "number", "kind", "width_m",
                                      "width_estimated", "fire_truck_fits", "truck_width_m",
                                      "score"}
    assert (way["properties"]["number"], way["properties"]["width_m"],
            way["properties"]["fire_truck_fits"]) == ("30", 3.0, False)


POINT = "lon=106.7218&lat=10.7298"


@pytest.mark.parametrize("url, message", [
    ("/lookup/hydrants", "lon is missing"),
    ("/lookup/hydrants?lon=106.72", "lat is missing"),
    ("/lookup/hydrants?lon=abc&lat=10.73", "lon must be a number"),
    ("/lookup/hydrants?lon=nan&lat=10.73", "lon must be a number"),
    ("/lookup/hydrants?lon=106.72&lat=inf", "lat must be a number"),
    ("/lookup/hydrants?lon=10.73&lat=106.72", "lon and lat swapped?"),
    ("/lookup/hydrants?lon=200&lat=10.73", "lon must be between -180 and 180"),
    ("/lookup/hydrants?lon=105.85&lat=21.03", "km from the district"),  # Hà Nội
    ("/lookup/here?lon=0&lat=0", "km from the district"),
    (f"/lookup/hydrants?{POINT}&limit=0", "limit must be at least 1"),
    (f"/lookup/hydrants?{POINT}&limit=two", "limit must be a whole number"),
    (f"/lookup/here?{POINT}&limit=1.5", "limit must be a whole number"),
    (f"/lookup/hydrants?{POINT}&max_m=5000", "max_m is at most 2000 m"),
    (f"/lookup/hydrants?{POINT}&max_m=-1", "max_m must be a distance"),
    (f"/lookup/here?{POINT}&radius_m=1001", "radius_m is at most 1000 m"),
    (f"/lookup/here?{POINT}&radius_m=far", "radius_m must be a distance"),
    (f"/lookup/here?{POINT}&radius=50", "Unknown query parameter radius"),
    (f"/lookup/hydrants?{POINT}&status=working", "Unknown query parameter status"),
    ("/lookup/ways", "q is missing"),
    ("/lookup/ways?q=%20", "q must name something"),
    ("/lookup/ways?q=hem&layers=roads", "Unknown query parameter layers"),
    ("/lookup/ways?q=%27%3B%20DROP%20TABLE%20roads%3B--", None),  # found nothing, harmed nothing
])
def test_bad_lookups_are_400_with_a_reason(client: TestClient, url: str,
                                           message: str | None) -> None:
    response = client.get(url)
    if message is None:
        assert response.status_code == 200 and response.json()["features"] == []
        assert client.get("/lookup/ways?q=hem 12").json()["features"]  # roads still there
        return
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"code", "description"} and message in body["description"]
