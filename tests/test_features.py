"""OGC API Features over the District 7 sample: every endpoint and parameter, checked against
what the database holds, and every route walked with bad input for the error shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text

from geo.items import MAX_LIMIT
from geo.settings import Settings
from layers import REGISTRY
from loaders.files import load_file
from server import create_app


def _client(engine: Engine) -> TestClient:
    return TestClient(create_app(Settings(database_url=engine.url.render_as_string(
        hide_password=False))))


@pytest.fixture(scope="module")
def client(sample_engine: Engine):
    with _client(sample_engine) as client:
        yield client


def scalar(engine: Engine, sql: str):
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def column(engine: Engine, sql: str) -> list:
    with engine.connect() as conn:
        return list(conn.execute(text(sql)).scalars())


# -- landing, conformance, api ---------------------------------------------------------

def test_landing_links_to_api_conformance_and_data(client: TestClient) -> None:
    body = client.get("/").json()
    rels = {link["rel"]: link["href"] for link in body["links"]}
    for rel in ("self", "service-desc", "service-doc", "conformance", "data"):
        assert rels[rel].startswith("http://testserver/")
    assert client.get(rels["service-desc"]).json()["openapi"].startswith("3.1")
    assert client.get(rels["data"]).status_code == 200


def test_conformance_declares_core_geojson_filter_and_not_oas30(client: TestClient) -> None:
    classes = client.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in classes
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text" in classes
    assert not any(c.endswith("/oas30") for c in classes)


def test_openapi_lists_the_routes_with_local_refs_only(client: TestClient) -> None:
    document = client.get("/api").json()
    for path in ("/collections/{layer_id}/items", "/collections/{layer_id}/items/{fid}",
                 "/collections/{layer_id}/queryables", "/conformance"):
        assert path in document["paths"]
    refs = list(_refs(document))
    assert refs and all(ref.startswith("#/") for ref in refs)


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


# -- collections ------------------------------------------------------------------------

def test_collections_list_every_layer_with_counts_and_extent(client: TestClient,
                                                             sample_engine: Engine) -> None:
    body = client.get("/collections").json()
    by_id = {c["id"]: c for c in body["collections"]}
    assert set(by_id) == set(REGISTRY)
    assert by_id["hydrants"]["features"] == scalar(sample_engine, "SELECT count(*) FROM hydrants")
    xmin, ymin, xmax, ymax = by_id["wards"]["extent"]["spatial"]["bbox"][0]
    assert 106.6 < xmin < xmax < 106.8 and 10.6 < ymin < ymax < 10.8
    assert "extent" not in by_id["ward_epidemic"]


def test_one_collection_links_items_queryables_and_tiles(client: TestClient) -> None:
    body = client.get("/collections/roads").json()
    rels = {link["rel"] for link in body["links"]}
    assert {"self", "items", "http://www.opengis.net/def/rel/ogc/1.0/queryables"} <= rels
    assert body["itemType"] == "feature" and body["title_vi"]


def test_queryables_are_the_layer_properties_as_json_schema(client: TestClient) -> None:
    response = client.get("/collections/hydrants/queryables")
    assert response.headers["content-type"].startswith("application/schema+json")
    schema = response.json()
    assert set(schema["properties"]) == {"geometry", *REGISTRY["hydrants"].property_names}
    assert schema["properties"]["status"]["enum"] == list(REGISTRY["hydrants"].field(
        "status").choices)
    assert schema["additionalProperties"] is False


# -- items --------------------------------------------------------------------------------

def test_items_are_geojson_for_json_and_geo_json_accept(client: TestClient) -> None:
    for accept in ("application/json", "application/geo+json", "*/*"):
        response = client.get("/collections/hydrants/items", headers={"Accept": accept})
        assert response.headers["content-type"].startswith("application/geo+json")
        body = response.json()
        assert body["type"] == "FeatureCollection" and body["numberReturned"] == 25
        feature = body["features"][0]
        assert feature["geometry"]["type"] == "Point" and "code" in feature["properties"]
        lon, lat = feature["geometry"]["coordinates"]
        assert 106.6 < lon < 106.8 and 10.6 < lat < 10.8


def test_paging_walks_every_feature_once(client: TestClient, sample_engine: Engine) -> None:
    expected = column(sample_engine, "SELECT fid FROM roads ORDER BY fid")
    seen: list[int] = []
    url = "/collections/roads/items?limit=400"
    pages = 0
    while url:
        body = client.get(url).json()
        assert body["numberMatched"] == len(expected)
        seen += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        pages += 1
        if pages > 1:
            assert any(link["rel"] == "prev" for link in body["links"])
    assert seen == expected and pages == -(-len(expected) // 400)


def test_limit_above_the_maximum_is_capped(client: TestClient) -> None:
    body = client.get(f"/collections/roads/items?limit={MAX_LIMIT * 10}").json()
    assert body["numberReturned"] == min(body["numberMatched"], MAX_LIMIT)


def test_bbox_returns_exactly_the_features_inside(client: TestClient) -> None:
    everything = client.get("/collections/hydrants/items?limit=1000").json()["features"]
    box = (106.70, 10.72, 106.74, 10.75)
    inside = {f["id"] for f in everything
              if shapely.box(*box).intersects(shapely.geometry.shape(f["geometry"]))}
    body = client.get("/collections/hydrants/items", params={
        "bbox": ",".join(map(str, box)), "limit": 1000}).json()
    assert {f["id"] for f in body["features"]} == inside and 0 < len(inside) < 25
    assert body["numberMatched"] == len(inside)


def test_properties_selects_attributes(client: TestClient) -> None:
    body = client.get("/collections/hydrants/items?properties=code,status&limit=3").json()
    assert all(set(f["properties"]) == {"code", "status"} for f in body["features"])


def test_sortby_descending_and_equality_filter(client: TestClient,
                                               sample_engine: Engine) -> None:
    codes = [f["properties"]["code"] for f in client.get(
        "/collections/hydrants/items?sortby=-code&limit=100").json()["features"]]
    assert codes == sorted(codes, reverse=True)
    working = client.get("/collections/hydrants/items?status=working&limit=100").json()
    assert working["numberMatched"] == scalar(
        sample_engine, "SELECT count(*) FROM hydrants WHERE status = 'working'")
    assert {f["properties"]["status"] for f in working["features"]} == {"working"}


def test_cql2_filter_on_items(client: TestClient, sample_engine: Engine) -> None:
    body = client.get("/collections/hydrants/items", params={
        "filter": "status = 'working' AND S_INTERSECTS(geometry, "
                  "POLYGON((106.70 10.72, 106.74 10.72, 106.74 10.75, 106.70 10.75, "
                  "106.70 10.72)))", "limit": 100}).json()
    truth = scalar(sample_engine, """
        SELECT count(*) FROM hydrants WHERE status = 'working' AND ST_Intersects(
          geom, ST_Transform(ST_MakeEnvelope(106.70, 10.72, 106.74, 10.75, 4326), 32648))""")
    assert body["numberMatched"] == truth


def test_one_item_and_missing_ones(client: TestClient, sample_engine: Engine) -> None:
    fid = scalar(sample_engine, "SELECT min(fid) FROM hydrants")
    body = client.get(f"/collections/hydrants/items/{fid}").json()
    assert body["id"] == fid and body["type"] == "Feature"
    assert {link["rel"] for link in body["links"]} == {"self", "collection"}
    for missing in ("999999999", "abc", "-1"):
        response = client.get(f"/collections/hydrants/items/{missing}")
        assert response.status_code == 404 and set(response.json()) == {"code", "description"}


def test_a_table_without_geometry_serves_items_with_null_geometry(client: TestClient) -> None:
    body = client.get("/collections/ward_epidemic/items?limit=2").json()
    assert [f["geometry"] for f in body["features"]] == [None, None]


def test_html_views_for_browsers(client: TestClient) -> None:
    for url in ("/collections", "/collections/hydrants", "/collections/hydrants/items"):
        response = client.get(url, headers={"Accept": "text/html"})
        assert response.headers["content-type"].startswith("text/html")
    page = client.get("/collections/wards/items?f=html").text
    assert "Tân Thuận Đông" in page and "<table>" in page


def test_head_cors_and_revalidation(client: TestClient) -> None:
    head = client.head("/collections/hydrants/items")
    assert head.status_code == 200 and head.content == b""
    response = client.get("/collections/hydrants/items",
                          headers={"Origin": "https://planner.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    etag = response.headers["etag"]
    again = client.get("/collections/hydrants/items", headers={"If-None-Match": etag})
    assert again.status_code == 304


def working_hydrants(folder: Path, codes: list[str]) -> Path:
    """A GeoJSON file of working hydrants 200 m apart, one per code."""
    path = folder / f"{'-'.join(codes)}.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": code, "status": "working"},
         "geometry": {"type": "Point", "coordinates": [106.72 + i * 0.002, 10.74]}}
        for i, code in enumerate(codes)]}))
    return path


def test_etag_changes_when_a_load_changes_the_layer(migrated_engine: Engine,
                                                    tmp_path: Path) -> None:
    load_file(migrated_engine, "hydrants", working_hydrants(tmp_path, ["A"]))
    with _client(migrated_engine) as client:
        first = client.get("/collections/hydrants/items")
        load_file(migrated_engine, "hydrants", working_hydrants(tmp_path, ["A", "B"]))
        second = client.get("/collections/hydrants/items",
                            headers={"If-None-Match": first.headers["etag"]})
    assert second.status_code == 200 and second.json()["numberMatched"] == 2


def test_paging_counts_a_selection_once_per_data_version(migrated_engine: Engine,
                                                          tmp_path: Path) -> None:
    load_file(migrated_engine, "hydrants", working_hydrants(tmp_path, ["A", "B", "C"]))
    with _client(migrated_engine) as client:
        counts: list[str] = []
        event.listen(client.app.state.engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *args: counts.append(statement)
                     if statement.lstrip().startswith("SELECT count(*)") else None)

        def matched(query: str) -> int:
            return client.get(f"/collections/hydrants/items?{query}").json()["numberMatched"]

        assert matched("limit=1") == 3 and len(counts) == 1
        assert matched("limit=1&offset=1") == 3 and matched("offset=1&limit=1&sortby=-code") \
            == 3 and len(counts) == 1  # other pages of the same selection: no new count
        assert matched("limit=2&code=B") == 1 and len(counts) == 1  # a last page: no count
        assert matched("limit=1&status=working") == 3 and len(counts) == 2  # a new selection
        load_file(migrated_engine, "hydrants", working_hydrants(tmp_path, ["A", "B", "C", "D"]))
        assert matched("limit=1&offset=1") == 4 and len(counts) == 3  # new data: counted again


# -- bad input: always a 4xx in one shape -----------------------------------------------

BAD = [
    ("/collections/nope", 404), ("/collections/nope/items", 404),
    ("/collections/hydrants/items?limit=unlimited", 400),
    ("/collections/hydrants/items?limit=0", 400),
    ("/collections/hydrants/items?offset=-1", 400),
    ("/collections/hydrants/items?bbox=garbage", 400),
    ("/collections/hydrants/items?bbox=1,2,3", 400),
    ("/collections/hydrants/items?bbox=106,10,107,nan", 400),
    ("/collections/hydrants/items?bbox=200,10,201,11", 400),
    ("/collections/hydrants/items?foo=1", 400),
    ("/collections/hydrants/items?properties=nope", 400),
    ("/collections/hydrants/items?sortby=nope", 400),
    ("/collections/hydrants/items?filter=(((", 400),
    ("/collections/hydrants/items?filter=nope%20%3D%201", 400),
    ("/collections/hydrants/items?filter-lang=cql2-json&filter=x", 400),
    ("/collections/hydrants/items?status=working&status=broken", 400),
    ("/collections/ward_epidemic/items?bbox=106,10,107,11", 400),
    ("/collections/roads/items?width_m=wide", 400),
    ("/collections/hydrants/items?f=xml", 400),
    ("/collections/hydrants/items/1?x=1", 400),
    ("/collections/hydrants/queryables?x=1", 400),
    ("/conformance?x=1", 400),
    ("/no/such/route", 404),
]


@pytest.mark.parametrize(("url", "status"), BAD)
def test_bad_requests_get_a_4xx_with_a_message(client: TestClient, url: str,
                                               status: int) -> None:
    response = client.get(url)
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "description"} and len(body["description"]) > 20


def test_a_wrong_method_is_405_in_the_same_shape(client: TestClient) -> None:
    response = client.post("/collections/hydrants/items")
    assert response.status_code == 405 and set(response.json()) == {"code", "description"}


def test_cors_origins_are_configurable(sample_engine: Engine) -> None:
    url = sample_engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, cors_origins=["https://planner.example"]))
    with TestClient(app) as client:
        allowed = client.get("/conformance", headers={"Origin": "https://planner.example"})
        other = client.get("/conformance", headers={"Origin": "https://elsewhere.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://planner.example"
    assert "access-control-allow-origin" not in other.headers
