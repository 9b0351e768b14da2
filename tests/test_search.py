"""Search by name: diacritics, case, generic words (phường, P., hẻm) and typos do not matter."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pyogrio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from geo.search import number_parts, search
from geo.settings import Settings
from geo.text import search_key
from server import create_app

X0, Y0 = 687_000.0, 1_189_000.0


def square(dx: float) -> str:
    x = X0 + dx
    return f"MULTIPOLYGON((({x} {Y0}, {x + 500} {Y0}, {x + 500} {Y0 + 500}, {x} {Y0 + 500}, " \
           f"{x} {Y0})))"


def line(dy: float) -> str:
    return f"MULTILINESTRING(({X0} {Y0 + dy}, {X0 + 300} {Y0 + dy}))"


@pytest.fixture
def named(migrated_engine: Engine) -> Engine:
    rows = [
        ("wards", {"name": "Phường Tân Thuận Đông"}, square(0)),
        ("wards", {"name": "Phường Tân Thuận Tây"}, square(600)),
        ("wards", {"name": "Phường Tân Phong"}, square(1200)),
        ("roads", {"name": "Huỳnh Tấn Phát"}, line(10)),
        ("roads", {"name": "Nguyễn Văn Linh"}, line(20)),
        ("alleys", {"name": "Hẻm 458 Huỳnh Tấn Phát", "number": "458",
                    "opens_from": "Huỳnh Tấn Phát"}, line(30)),
        ("alleys", {"name": "Hẻm 457 Huỳnh Tấn Phát", "number": "457",
                    "opens_from": "Huỳnh Tấn Phát"}, line(40)),
        ("alleys", {"number": "198", "opens_from": "Nguyễn Văn Linh"}, line(50)),
    ]
    with migrated_engine.begin() as conn:
        for n, (table, values, wkt) in enumerate(rows):
            columns = ", ".join(values)
            conn.execute(text(
                f"INSERT INTO {table} (geom, source_id, {columns}) VALUES "
                f"(ST_GeomFromText(:wkt, 32648), :sid, {', '.join(':' + c for c in values)})"),
                {"wkt": wkt, "sid": str(n), **values})
    return migrated_engine


def best(engine: Engine, query: str) -> tuple[str, str]:
    with engine.connect() as conn:
        hits = search(conn, query, 5)
    assert hits, f"nothing found for {query!r}"
    return hits[0].layer.id, hits[0].name


@pytest.mark.parametrize("query", [
    "tan thuan dong", "Tân Thuận Đông", "TÂN THUẬN ĐÔNG", "P. Tân Thuận Đông",
    "phuong tan thuan dong", unicodedata.normalize("NFD", "Tân Thuận Đông"),
    "tan thaun dong",  # a typo
    "tân thuận đôngg",
])
def test_every_spelling_of_a_ward_finds_it(named: Engine, query: str) -> None:
    assert best(named, query) == ("wards", "Phường Tân Thuận Đông")


@pytest.mark.parametrize("query", ["hem 458 huynh tan phat", "458/12 Huỳnh Tấn Phát",
                                   "Hẻm 458 Huỳnh Tấn Phát", "hẻm 458 huynh tan phat"])
def test_an_alley_is_found_by_its_number_and_road(named: Engine, query: str) -> None:
    # 458/12 branches from hẻm 458; 457 is one digit off and must come after it.
    assert best(named, query) == ("alleys", "Hẻm 458 Huỳnh Tấn Phát")


def test_a_road_comes_before_the_alleys_named_after_it(named: Engine) -> None:
    assert best(named, "nguyen van linh") == ("roads", "Nguyễn Văn Linh")
    assert best(named, "198 nguyen van linh") == ("alleys", "198")


def test_nothing_alike_finds_nothing(named: Engine) -> None:
    with named.connect() as conn:
        assert search(conn, "bệnh viện", 5) == []


def test_hits_carry_where_to_go(named: Engine) -> None:
    with named.connect() as conn:
        hit = search(conn, "tan phong", 1)[0]
    west, south, east, north = hit.bbox
    assert west < hit.point[0] < east and south < hit.point[1] < north
    assert 106.6 < west < 106.8 and 10.6 < south < 10.9


def test_alley_numbers_include_the_alleys_they_branch_from() -> None:
    assert number_parts("458/12/3 Huỳnh Tấn Phát") == ["458/12/3", "458/12", "458"]
    assert number_parts("Tân Phong") == []


@pytest.fixture
def client(named: Engine) -> Iterator[TestClient]:
    url = named.url.render_as_string(hide_password=False)
    with TestClient(create_app(Settings(database_url=url))) as client:
        yield client


def test_search_endpoint(client: TestClient) -> None:
    body = client.get("/search", params={"q": "tan thuan dong", "limit": 2}).json()
    assert body["query"] == "tan thuan dong"
    assert [r["name"] for r in body["results"]] == ["Phường Tân Thuận Đông",
                                                    "Phường Tân Thuận Tây"]
    assert body["results"][0]["layer"] == "wards" and body["results"][0]["score"] == 1.0
    only_roads = client.get("/search", params={"q": "huynh tan phat", "layers": "roads"})
    assert {r["layer"] for r in only_roads.json()["results"]} == {"roads"}


@pytest.mark.parametrize("params, status, message", [
    ({}, 400, "q is missing"),
    ({"q": "  "}, 400, "q must name something"),
    ({"q": "x" * 201}, 400, "at most 200"),
    ({"q": "tan", "limit": "many"}, 400, "limit must be a whole number"),
    ({"q": "tan", "layers": "nope"}, 404, "no spatial layer 'nope'"),
    ({"q": "tan", "layers": "flood_risk"}, 400, "no names to search"),
    ({"q": "tan", "qq": "1"}, 400, "Unknown query parameter qq"),
])
def test_bad_searches_are_4xx_with_a_reason(client: TestClient, params: dict, status: int,
                                            message: str) -> None:
    response = client.get("/search", params=params)
    assert response.status_code == status
    assert message in response.json()["description"]


def test_a_number_is_the_same_without_its_leading_zeros(named: Engine) -> None:
    """Numbered wards are written 'Phường 07' in one register and 'P.7' in the next."""
    with named.begin() as conn:
        conn.execute(text("INSERT INTO wards (geom, source_id, name) VALUES "
                          "(ST_GeomFromText(:wkt, 32648), 'w7', 'Phường 07')"),
                     {"wkt": square(1800)})
        keys = conn.execute(text("SELECT urbanmap_search_key('Phường 07'), "
                                 "urbanmap_search_key('P.7'), urbanmap_search_key('hẻm 0'), "
                                 "urbanmap_search_key('458/012')")).one()
    assert tuple(keys) == ("7", "7", "0", "458/12")
    assert best(named, "p.7") == ("wards", "Phường 07")


SAMPLE_EXTRACT = Path(__file__).parent.parent / "sample" / "district7-2018-01-01.osm.pbf"


def test_the_python_search_key_is_the_databases(migrated_engine: Engine) -> None:
    """Loads make keys where no database is at hand (`geo.text.search_key`): they must be the
    keys the database makes, or a key made by a load would not find what search finds."""
    names = {str(name) for layer in ("points", "lines", "multipolygons")
             for name in pyogrio.read_dataframe(SAMPLE_EXTRACT, layer=layer, columns=["name"],
                                                read_geometry=False)["name"].dropna()}
    names |= {"P. Tân Thuận Đông", "PHƯỜNG 07", "Hẻm 05/012 Đ. Số 7", "Q.7", "Đường  Đ3",
              unicodedata.normalize("NFD", "Nguyễn Thị Thập"), "Lô D, KDC Him Lam", "  ",
              "Chợ Tân Mỹ (cũ) – ½ dãy", "ĐƯỜNG SỐ 10", "00 0 007a a007"}
    assert len(names) > 500  # the extract's own names, not only these
    with migrated_engine.connect() as conn:
        keys = dict(conn.execute(text("SELECT name, urbanmap_search_key(name) "
                                      "FROM unnest(CAST(:names AS text[])) AS name"),
                                 {"names": sorted(names)}).all())
    differ = {name: (search_key(name), key) for name, key in keys.items()
              if search_key(name) != key}
    assert not differ
