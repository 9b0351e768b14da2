"""CQL2-text filters: each construct counted by PostGIS, against a truth found another way.

The truths are Python over fetched rows (shapely and pyproj for geometry), never the filter's
own SQL, so a wrong translation cannot agree with itself.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pyproj import Transformer
from shapely import wkb
from shapely.geometry import Point, Polygon, box
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.dialects import postgresql

from geo import migrate
from geo.cql import filter_expression, queryable_names
from geo.db import make_engine
from geo.errors import BadRequest
from geo.localdb import LocalPostgis
from geo.schema import LAYER_TABLES
from layers import REGISTRY

TO_UTM = Transformer.from_crs(4326, 32648, always_xy=True)
TO_LONLAT = Transformer.from_crs(32648, 4326, always_xy=True)
CENTRE = (106.72, 10.73)  # lon, lat, in Phú Mỹ Hưng
CENTRE_WKT = f"POINT({CENTRE[0]} {CENTRE[1]})"
INJECTION = "x'; DROP TABLE hydrants; --"

# code, status, pressure_bar, last_inspected, street, metres east and north of CENTRE
HYDRANTS = [
    ("Q7-001", "working", 3.5, datetime.date(2025, 1, 10), "Huỳnh Tấn Phát", 50, 0),
    ("Q7-002", "working", 2.0, datetime.date(2025, 6, 1), "TÂN THUẬN", 150, 0),
    ("Q7-003", "out_of_service", 0.0, datetime.date(2024, 12, 31), "Tân Thuận Đông", 250, 0),
    ("Q7-004", "working", None, None, None, 0, 400),
    ("Q7_005", "working", 3.0, datetime.date(2025, 2, 2), "Đường số 17", -300, -300),
    (INJECTION, "working", 4.0, datetime.date(2025, 3, 3), "Nguyễn Thị Thập", 0, 600),
]

# lon/lat, inside District 7
AREA = Polygon([(106.70, 10.72), (106.74, 10.72), (106.74, 10.75), (106.70, 10.75)])
AREA_WKT = "POLYGON((106.70 10.72, 106.74 10.72, 106.74 10.75, 106.70 10.75, 106.70 10.72))"


@pytest.fixture(scope="module")
def known_engine(cluster: LocalPostgis) -> Iterator[Engine]:
    """A migrated database holding only HYDRANTS; one per module, since tests only read it."""
    engine = make_engine(cluster.create_database(f"cql_{uuid.uuid4().hex[:10]}"))
    migrate.upgrade(engine)
    x0, y0 = TO_UTM.transform(*CENTRE)
    with engine.begin() as conn:
        for code, status, pressure, inspected, street, east, north in HYDRANTS:
            lon, lat = TO_LONLAT.transform(x0 + east, y0 + north)
            geom = func.ST_Transform(func.ST_GeomFromText(f"POINT({lon} {lat})", 4326), 32648)
            conn.execute(insert(LAYER_TABLES["hydrants"]).values(
                code=code, status=status, pressure_bar=pressure, last_inspected=inspected,
                street=street, source_id=code, geom=geom))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def sample_rows(sample_engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every property of a few sample layers, and the geometry in UTM as shapely."""
    return {layer: fetch_rows(sample_engine, layer)
            for layer in ("roads", "hydrants", "planning_zones")}


def fetch_rows(engine: Engine, layer: str) -> list[dict[str, Any]]:
    spec, table = REGISTRY[layer], LAYER_TABLES[layer]
    columns = [table.c[name] for name in ("fid", *spec.property_names)]
    with engine.connect() as conn:
        rows = conn.execute(select(*columns, func.ST_AsBinary(table.c.geom).label("utm")))
        return [{**row, "utm": wkb.loads(bytes(row["utm"]))} for row in rows.mappings()]


def count(engine: Engine, layer: str, cql: str) -> int:
    table = LAYER_TABLES[layer]
    where = filter_expression(cql, REGISTRY[layer], table)
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(where)).scalar_one()


def like(value: str | None, pattern: str) -> bool:
    """SQL LIKE in Python: % any text, _ one character, a backslash escapes."""
    if value is None:
        return False
    tokens = re.findall(r"\\.|.", pattern, re.DOTALL)
    regex = "".join({"%": ".*", "_": "."}.get(token, re.escape(token[-1])) for token in tokens)
    return re.fullmatch(regex, value, re.DOTALL) is not None


def unaccented(text: str) -> str:
    """The text without diacritics, as PostgreSQL's unaccent should give it."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def known(*values: object) -> bool:
    return all(value is not None for value in values)


Row = dict[str, Any]
SAMPLE_CASES: list[tuple[str, str, Callable[[Row], bool]]] = [
    ("hydrants", "pressure_bar < 3.5",
     lambda r: known(r["pressure_bar"]) and r["pressure_bar"] < 3.5),
    ("roads", "lanes >= 2", lambda r: known(r["lanes"]) and r["lanes"] >= 2),
    ("roads", "lanes <> 2", lambda r: known(r["lanes"]) and r["lanes"] != 2),
    ("hydrants", "pressure_bar <= '3'",
     lambda r: known(r["pressure_bar"]) and r["pressure_bar"] <= 3),
    ("roads", "oneway = true", lambda r: r["oneway"] is True),
    ("roads", "oneway = FALSE", lambda r: r["oneway"] is False),
    ("roads", "name LIKE 'Đường%'", lambda r: like(r["name"], "Đường%")),
    ("roads", "name NOT LIKE '%Nguyễn%'",
     lambda r: known(r["name"]) and not like(r["name"], "%Nguyễn%")),
    ("roads", "name LIKE 'Đường S_ %'", lambda r: like(r["name"], "Đường S_ %")),
    ("roads", "kind IN ('primary', 'secondary', 'tertiary')",
     lambda r: r["kind"] in ("primary", "secondary", "tertiary")),
    ("roads", "kind NOT IN ('residential')",
     lambda r: known(r["kind"]) and r["kind"] != "residential"),
    ("planning_zones", "floor_area_ratio BETWEEN 1 AND 3",
     lambda r: known(r["floor_area_ratio"]) and 1 <= r["floor_area_ratio"] <= 3),
    ("planning_zones", "floor_area_ratio NOT BETWEEN 1 AND 3",
     lambda r: known(r["floor_area_ratio"]) and not 1 <= r["floor_area_ratio"] <= 3),
    ("roads", "lanes IS NULL", lambda r: r["lanes"] is None),
    ("roads", "name IS NOT NULL", lambda r: r["name"] is not None),
    ("roads", "fid <= 100", lambda r: r["fid"] <= 100),
    # AND binds tighter than OR; parentheses change the answer
    ("roads", "kind = 'primary' OR kind = 'secondary' AND lanes >= 4",
     lambda r: r["kind"] == "primary" or (r["kind"] == "secondary"
                                          and known(r["lanes"]) and r["lanes"] >= 4)),
    ("roads", "(kind = 'primary' OR kind = 'secondary') AND lanes >= 4",
     lambda r: r["kind"] in ("primary", "secondary") and known(r["lanes"]) and r["lanes"] >= 4),
    # NOT of an unknown is unknown: only rows where both parts are known to be false pass
    ("roads", "NOT (kind = 'residential' OR lanes < 2)",
     lambda r: known(r["kind"], r["lanes"]) and r["kind"] != "residential" and r["lanes"] >= 2),
    ("hydrants", "last_inspected >= DATE('2026-01-01')",
     lambda r: known(r["last_inspected"]) and r["last_inspected"] >= datetime.date(2026, 1, 1)),
    ("hydrants", "last_inspected < '2025-06-01'",
     lambda r: known(r["last_inspected"]) and r["last_inspected"] < datetime.date(2025, 6, 1)),
    ("hydrants", "status = 'out_of_service'", lambda r: r["status"] == "out_of_service"),
    ("hydrants", "pressure_bar > 3 AND status = 'working'",
     lambda r: known(r["pressure_bar"]) and r["pressure_bar"] > 3 and r["status"] == "working"),
    ("planning_zones", "area_m2 > 20000", lambda r: known(r["area_m2"]) and r["area_m2"] > 20000),
    ("planning_zones", "land_use_category = 'residential'",
     lambda r: r["land_use_category"] == "residential"),
]


@pytest.mark.parametrize(("layer", "cql", "truth"), SAMPLE_CASES,
                         ids=[cql for _, cql, _ in SAMPLE_CASES])
def test_attribute_filters_match_python_over_the_sample(
        sample_engine: Engine, sample_rows: dict[str, list[Row]], layer: str, cql: str,
        truth: Callable[[Row], bool]) -> None:
    rows = sample_rows[layer]
    expected = sum(1 for row in rows if truth(row))
    assert 0 < expected < len(rows), "the case must tell rows apart"
    assert count(sample_engine, layer, cql) == expected


def utm(polygon: Polygon) -> Polygon:
    """The polygon in UTM, vertex by vertex, as PostGIS's ST_Transform does it."""
    return Polygon([TO_UTM.transform(x, y) for x, y in polygon.exterior.coords])


SPATIAL_CASES: list[tuple[str, Callable[[Any, Polygon], bool]]] = [
    (f"S_INTERSECTS(geometry, {AREA_WKT})", lambda geom, area: geom.intersects(area)),
    (f"S_WITHIN(geom, {AREA_WKT})", lambda geom, area: geom.within(area)),
    (f"S_CONTAINS({AREA_WKT}, geometry)", lambda geom, area: area.contains(geom)),
    (f"S_DISJOINT(geometry, {AREA_WKT})", lambda geom, area: geom.disjoint(area)),
    (f"S_CROSSES(geometry, {AREA_WKT})", lambda geom, area: geom.crosses(area)),
    ("BBOX(geometry, 106.70, 10.72, 106.74, 10.75)", lambda geom, area: geom.intersects(area)),
]


@pytest.mark.parametrize("layer", ["hydrants", "roads"])
@pytest.mark.parametrize(("cql", "truth"), SPATIAL_CASES, ids=[c for c, _ in SPATIAL_CASES])
def test_spatial_filters_match_shapely_in_utm(
        sample_engine: Engine, sample_rows: dict[str, list[Row]], layer: str, cql: str,
        truth: Callable[[Any, Polygon], bool]) -> None:
    area = utm(AREA)
    expected = sum(1 for row in sample_rows[layer] if truth(row["utm"], area))
    if "CROSSES" not in cql:  # points never cross a polygon
        assert 0 < expected < len(sample_rows[layer])
    assert count(sample_engine, layer, cql) == expected


def test_bbox_and_polygon_find_the_same_features(sample_engine: Engine) -> None:
    assert count(sample_engine, "roads", "BBOX(geometry, 106.70, 10.72, 106.74, 10.75)") == \
        count(sample_engine, "roads", f"S_INTERSECTS(geometry, {AREA_WKT})")


def test_spatial_and_attribute_conditions_combine(sample_engine: Engine,
                                                  sample_rows: dict[str, list[Row]]) -> None:
    area = utm(box(106.70, 10.72, 106.74, 10.75))
    expected = sum(1 for r in sample_rows["hydrants"]
                   if r["status"] == "working" and r["utm"].intersects(area))
    assert count(sample_engine, "hydrants",
                 f"status = 'working' AND S_INTERSECTS(geometry, {AREA_WKT})") == expected


METRES = {"meters": 1.0, "metres": 1.0, "kilometers": 1000.0, "feet": 0.3048,
          "statute miles": 1609.344}


@pytest.mark.parametrize(("predicate", "distance", "units", "expected"), [
    ("S_DWITHIN", 100, "meters", 1),
    ("S_DWITHIN", 300, "meters", 3),
    ("S_DWITHIN", 300, "metres", 3),
    ("DWITHIN", 0.3, "kilometers", 3),
    ("s_dwithin", 1000, "feet", 3),
    ("S_DWITHIN", 0.25, "statute miles", 4),
])
def test_dwithin_counts_true_metres(known_engine: Engine, predicate: str, distance: float,
                                    units: str, expected: int) -> None:
    centre = Point(TO_UTM.transform(*CENTRE))
    truth = sum(1 for row in fetch_rows(known_engine, "hydrants")
                if row["utm"].distance(centre) <= distance * METRES[units])
    cql = f"{predicate}(geometry, {CENTRE_WKT}, {distance}, {units})"
    assert count(known_engine, "hydrants", cql) == truth == expected


def text_truth(predicate: Callable[[str], bool]) -> int:
    return sum(1 for *_, street, _, _ in HYDRANTS if street is not None and predicate(street))


@pytest.mark.parametrize(("cql", "predicate"), [
    # NFD in the filter, NFC in the table: still equal
    ("street = 'Nguye\u0302\u0303n Thị Thập'", lambda s: s == "Nguyễn Thị Thập"),
    ("CASEI(street) = CASEI('tân thuận')", lambda s: s.lower() == "tân thuận"),
    ("ACCENTI(CASEI(street)) LIKE ACCENTI(CASEI('%tan thuan%'))",
     lambda s: "tan thuan" in unaccented(s).lower()),
    ("ACCENTI(CASEI(street)) LIKE ACCENTI(CASEI('%THUA\u0323\u0302N%'))",
     lambda s: "thuan" in unaccented(s).lower()),
    ("ACCENTI(CASEI(street)) = 'duong so 17'", lambda s: unaccented(s).lower() == "duong so 17"),
    ("ACCENTI(street) LIKE 'Tan Thuan%'", lambda s: unaccented(s).startswith("Tan Thuan")),
    ("casei(street) LIKE '%thập'", lambda s: s.lower().endswith("thập")),
])
def test_vietnamese_text_with_casei_and_accenti(known_engine: Engine, cql: str,
                                                predicate: Callable[[str], bool]) -> None:
    expected = text_truth(predicate)
    assert expected > 0
    assert count(known_engine, "hydrants", cql) == expected


@pytest.mark.parametrize(("cql", "expected"), [
    (r"code LIKE 'Q7\_%'", 1),  # an escaped _ is itself
    ("code LIKE 'Q7_%'", 5),
    ("status = 'out_of_service' OR street IS NULL AND pressure_bar IS NULL", 2),
    ("(status = 'out_of_service' OR street IS NULL) AND pressure_bar IS NULL", 1),
    ("last_inspected < '2025-01-01'", 1),
    ("last_inspected >= TIMESTAMP('2025-01-10T00:00:00Z')", 4),
    # 06:00 in Hồ Chí Minh City is still 9 January in UTC, so 10 January is after it
    ("last_inspected > TIMESTAMP('2025-01-10T06:00:00+07:00')", 4),
    ("pressure_bar BETWEEN 2 AND '3.5'", 3),
    ("fid < 99999999999999999999", 6),  # beyond bigint: still a comparison
    ("INCLUDE", 6),
    ("EXCLUDE", 0),
    ("code = 'it''s'", 0),
])
def test_known_rows(known_engine: Engine, cql: str, expected: int) -> None:
    assert count(known_engine, "hydrants", cql) == expected


def test_sql_injection_is_just_a_string(known_engine: Engine) -> None:
    cql = "code = 'x''; DROP TABLE hydrants; --'"
    assert count(known_engine, "hydrants", cql) == 1
    assert count(known_engine, "hydrants", "INCLUDE") == len(HYDRANTS)


@pytest.mark.parametrize("cql", [
    "name = 'x''; DROP TABLE roads; --'",
    f"S_DWITHIN(geometry, {CENTRE_WKT}, 300, meters) AND width_m < 3.5",
    "name LIKE 'Hẻm%' AND lanes IN (1, 2)",
])
def test_values_are_bound_never_written_into_the_sql(cql: str) -> None:
    compiled = filter_expression(cql, REGISTRY["roads"], LAYER_TABLES["roads"]).compile(
        dialect=postgresql.dialect())
    sql = str(compiled)
    assert not re.search(r"DROP|Hẻm|106\.72|300|3\.5|'", sql)
    assert compiled.params


def test_unknown_property_names_the_queryable_ones() -> None:
    with pytest.raises(BadRequest) as raised:
        filter_expression("colour = 'red'", REGISTRY["roads"], LAYER_TABLES["roads"])
    message = raised.value.message
    assert "'colour'" in message
    assert message.endswith(": " + ", ".join(queryable_names(REGISTRY["roads"])) + ".")
    assert queryable_names(REGISTRY["roads"]) == (
        "fid", "name", "kind", "width_m", "lanes", "surface", "oneway", "geometry")


@pytest.mark.parametrize(("cql", "says"), [
    ("", "empty"),
    ("   ", "empty"),
    ("name LIKE", "ends too soon"),
    ("width_m < 3.5 AND", "ends too soon"),
    ("name = 'a' )", "unexpected ')' at column 12"),
    ("name == 'a'", "unexpected '=' at column 7"),
    ("name = 'x''; DROP TABLE roads; --", "could not be read"),
    ("S_DWITHIN(geometry, POINT(106.7 10.7), 100, parsecs)", "unexpected 'parsecs'"),
    ("S_DWITHIN(geometry, POINT(106.7 10.7), 1e999, meters)", "finite distance"),
    ("width_m > TIMESTAMP('2024-01-01T25:00:00Z')", "could not be read"),
    ("colour = 'red'", "Queryable properties: fid, name"),
    ("source_file = 'x.gpkg'", "'source_file'"),
    ("geom_3857 IS NULL", "'geom_3857'"),
    ("width_m < 'narrow'", "width_m is a number; 'narrow' is not"),
    ("width_m < 'nan'", "width_m is a number"),
    ("lanes = 'two'", "lanes is a whole number"),
    ("oneway = 'maybe'", "oneway is true or false"),
    ("name = 3", "name is text; 3 is not"),
    ("name IN ('a', 3)", "name is text; 3 is not"),
    ("name = width_m", "cannot be compared"),
    ("width_m LIKE '3%'", "LIKE compares text"),
    ("1 = 1", "property on one side"),
    ("geometry = POINT(106.7 10.7)", "S_INTERSECTS"),
    ("geometry IS NULL", "property on its left"),
    ("S_INTERSECTS(name, POINT(106.7 10.7))", "two geometries"),
    ("S_INTERSECTS(geometry, POINT(700000 1187000))", "longitude/latitude"),
    ("S_INTERSECTS(geometry, SRID=3405;POINT(106.7 10.7))", "WGS 84"),
    ("S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))", "Self-intersection"),
    ("S_INTERSECTS(geometry, POLYGON((106.7 10.7, 106.8 10.8)))", "not valid"),
    ("BBOX(geometry, 106.7, 10.7, 106.8, 10.8, 'EPSG:3857')", "WGS 84"),
    ("width_m < 2 + 1", "arithmetic"),
    ("UPPER(name) = 'A'", "CASEI() and ACCENTI()"),
    ("CASEI(width_m) = 'a'", "CASEI() takes one text value"),
    ("RELATE(geometry, POINT(106.7 10.7), 'T********')", "RELATE"),
    (" OR ".join(["name = 'a'"] * 2000), "nests too deeply"),
])
def test_bad_filters_are_bad_requests_that_say_what_is_wrong(cql: str, says: str) -> None:
    with pytest.raises(BadRequest) as raised:
        filter_expression(cql, REGISTRY["roads"], LAYER_TABLES["roads"])
    assert raised.value.status == 400
    assert says in raised.value.message
