"""Vector tiles from the District 7 sample: content, HTTP caching, TileJSON and OGC API - Tiles."""

from __future__ import annotations

import dataclasses
import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import mapbox_vector_tile
import psycopg2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from geo.db import make_engine
from geo.routes.tiles import SPATIAL_LAYERS, accepts_gzip, etag_matches
from geo.settings import Settings
from geo.tilecache import TileCache, TileKey
from geo.tiles import TileAddress, render_tile, render_tile_on_driver, tile_range
from layers import REGISTRY
from loaders.files import load_file
from server import create_app

SAMPLE_HYDRANTS = Path(__file__).parent.parent / "sample" / "generated" / "hydrants.geojson"
# z14 tile over lon 106.72, lat 10.74: six sample hydrants and many roads.
Z, X, Y = 14, 13048, 7700
MVT = "application/vnd.mapbox-vector-tile"
NO_GZIP = {"Accept-Encoding": "identity"}


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def client(sample_engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=url_of(sample_engine)))) as client:
        yield client


def decode(content: bytes) -> dict:
    return mapbox_vector_tile.decode(content)


def codes(tile: dict) -> set[str]:
    return {f["properties"]["code"] for f in tile.get("hydrants", {}).get("features", [])}


# --- content ---------------------------------------------------------------------------------

def test_z14_tile_has_hydrants_with_their_codes(client: TestClient) -> None:
    response = client.get(f"/tiles/hydrants/{Z}/{X}/{Y}.pbf")
    assert response.status_code == 200
    assert response.headers["content-type"] == MVT
    tile = decode(response.content)
    assert set(tile) == {"hydrants"}
    assert len(codes(tile)) == 6 and all(c.startswith("Q7-TN-") for c in codes(tile))


def test_features_carry_fid_as_id_and_every_declared_property(client: TestClient) -> None:
    feature = decode(client.get(f"/tiles/hydrants/{Z}/{X}/{Y}.pbf").content)[
        "hydrants"]["features"][0]
    assert isinstance(feature["id"], int) and feature["id"] > 0
    assert set(feature["properties"]) <= set(REGISTRY["hydrants"].property_names)
    assert {"code", "status"} <= set(feature["properties"])


def test_composite_tile_holds_each_requested_layer(client: TestClient) -> None:
    tile = decode(client.get(f"/tiles/hydrants,roads,wards/{Z}/{X}/{Y}.pbf").content)
    assert set(tile) == {"hydrants", "roads", "wards"}
    assert len(tile["roads"]["features"]) > 10
    assert {f["geometry"]["type"] for f in tile["roads"]["features"]} <= {
        "LineString", "MultiLineString"}


def test_all_serves_every_spatial_layer_with_data_there(client: TestClient) -> None:
    tile = decode(client.get(f"/tiles/all/{Z}/{X}/{Y}.mvt").content)
    assert {"hydrants", "roads", "wards"} <= set(tile) <= {s.id for s in SPATIAL_LAYERS}


def test_a_layer_outside_its_zoom_range_is_absent(client: TestClient) -> None:
    x, y, *_ = tile_range((106.72, 10.74, 106.72, 10.74), 11)
    tile = decode(client.get(f"/tiles/hydrants,roads/11/{x}/{y}.pbf").content)
    assert REGISTRY["hydrants"].minzoom > 11
    assert "hydrants" not in tile and tile["roads"]["features"]


def test_a_tile_with_nothing_is_200_and_empty(client: TestClient) -> None:
    response = client.get("/tiles/all/14/0/0.pbf")
    assert response.status_code == 200 and response.content == b""


def features_by_layer(tile: bytes) -> dict[str, list[str]]:
    """Each layer's features, in id order: a render through a kept plan may scan the rows in
    another order than a fresh one, which changes the bytes and not the tile."""
    return {name: sorted(json.dumps(feature, sort_keys=True) for feature in layer["features"])
            for name, layer in decode(tile).items()}


def test_the_service_renders_through_the_driver_the_same_features(sample_engine: Engine) -> None:
    """`render_tile_on_driver`, the service's path, against `render_tile` through
    SQLAlchemy: every layer at three zooms (simplified below 16), a day of the epidemic
    overlay, and a zoom where no layer is drawn; each case twice more than PL/pgSQL renders
    with fresh plans, so its kept (generic) plan is compared too."""
    epidemic = [REGISTRY["epidemic_risk"]]
    with sample_engine.connect() as conn:
        last_day = conn.execute(text("SELECT max(report_date) - 3 FROM epidemic_risk")).scalar()
        cases = [(SPATIAL_LAYERS, z, *tile_range((106.72, 10.74, 106.72, 10.74), z)[:2], None)
                 for z in (12, 14, 16)]
        cases += [(epidemic, 12, 3262, 1925, last_day), (epidemic, 12, 3262, 1925, None),
                  (SPATIAL_LAYERS, 2, 3, 1, None)]
        for specs, z, x, y, day in cases:
            through_sqlalchemy = features_by_layer(render_tile(conn, specs, z, x, y, day))
            for _ in range(7):
                assert features_by_layer(render_tile_on_driver(
                    sample_engine, specs, z, x, y, day).tile) == through_sqlalchemy, \
                    (z, x, y, day)
    assert decode(render_tile_on_driver(sample_engine, SPATIAL_LAYERS, 14, X, Y).tile)["roads"]
    assert render_tile_on_driver(sample_engine, SPATIAL_LAYERS, 2, 3, 1).tile == b""


def test_a_render_brings_the_versions_of_the_data_it_was_cut_from(
        sample_engine: Engine) -> None:
    with sample_engine.connect() as conn:
        now = dict(conn.execute(text("SELECT layer_id, data_version FROM layer_versions")).all())
    assert now["hydrants"] >= 1 and now["roads"] >= 1
    for z, x, y in ((14, X, Y), (2, 3, 1)):  # a tile, and a zoom where no layer is drawn
        assert render_tile_on_driver(sample_engine, SPATIAL_LAYERS, z, x, y).versions == now


def test_a_connection_makes_its_tile_function_once(
        sample_engine: Engine) -> None:
    engine = make_engine(sample_engine.url.render_as_string(hide_password=False), pool_size=1)
    try:
        for x in range(X - 2, X + 3):
            render_tile_on_driver(engine, SPATIAL_LAYERS, 14, x, Y)
        pooled = engine.raw_connection()
        made = pooled.info["tile_functions"]
        with pooled.driver_connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_proc WHERE pronamespace = pg_my_temp_schema()")
            assert cursor.fetchone()[0] == len(made) == 1
        pooled.close()
    finally:
        engine.dispose()


def test_a_session_that_lost_its_tile_function_renders_the_statement_itself(
        sample_engine: Engine) -> None:
    """DISCARD TEMP (or a transaction pooler, which gives each statement another session)
    leaves the connection believing in a function that is not there: the tile still comes,
    from the statement."""
    engine = make_engine(sample_engine.url.render_as_string(hide_password=False), pool_size=1)
    try:
        first = render_tile_on_driver(engine, SPATIAL_LAYERS, 14, X, Y)
        pooled = engine.raw_connection()
        pid = pooled.driver_connection.get_backend_pid()
        with pooled.driver_connection.cursor() as cursor:
            cursor.execute("DISCARD TEMP")
        pooled.driver_connection.commit()
        pooled.close()
        again = render_tile_on_driver(engine, SPATIAL_LAYERS, 14, X, Y)
        assert features_by_layer(again.tile) == features_by_layer(first.tile)
        pooled = engine.raw_connection()
        assert pooled.driver_connection.get_backend_pid() == pid  # kept: nothing was broken
        assert pooled.info["tile_functions_refused"]
        pooled.close()
    finally:
        engine.dispose()


def test_a_read_only_session_renders_the_statement_itself(sample_engine: Engine) -> None:
    """A read-only standby may make no function, not even a temporary one: the same tile
    comes from the statement."""
    url = sample_engine.url.render_as_string(hide_password=False)
    read_only = create_engine(url, connect_args={
        "options": "-c default_transaction_read_only=on"})
    try:
        tile = render_tile_on_driver(read_only, SPATIAL_LAYERS, 14, X, Y).tile
        with sample_engine.connect() as conn:
            assert features_by_layer(tile) == features_by_layer(
                render_tile(conn, SPATIAL_LAYERS, 14, X, Y))
        pooled = read_only.raw_connection()
        assert pooled.info["tile_functions_refused"] and not pooled.info["tile_functions"]
        pooled.close()
    finally:
        read_only.dispose()


def test_a_render_on_a_cut_connection_fails_plainly_and_the_next_gets_a_new_one(
        sample_engine: Engine) -> None:
    engine = make_engine(sample_engine.url.render_as_string(hide_password=False), pool_size=1)
    try:
        assert render_tile_on_driver(engine, SPATIAL_LAYERS, 14, X, Y).tile
        pooled = engine.raw_connection()  # the one the render gave back
        cut = pooled.driver_connection.get_backend_pid()
        pooled.close()
        with sample_engine.begin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": cut})
        with pytest.raises(psycopg2.OperationalError):  # the server's reason, not a later one
            render_tile_on_driver(engine, SPATIAL_LAYERS, 14, X, Y)
        assert render_tile_on_driver(engine, SPATIAL_LAYERS, 14, X, Y).tile
        pooled = engine.raw_connection()
        assert pooled.driver_connection.get_backend_pid() != cut  # the cut one was dropped
        pooled.close()
    finally:
        engine.dispose()


def test_feature_cap_limits_each_layer(sample_engine: Engine) -> None:
    capped = dataclasses.replace(REGISTRY["hydrants"], feature_cap=3)
    with sample_engine.connect() as conn:
        full = decode(render_tile(conn, [REGISTRY["hydrants"]], Z, X, Y))
        few = decode(render_tile(conn, [capped], Z, X, Y))
    assert len(full["hydrants"]["features"]) == 6
    assert len(few["hydrants"]["features"]) == 3


def test_low_zoom_simplified_roads_still_decode(client: TestClient) -> None:
    x, y, *_ = tile_range((106.72, 10.74, 106.72, 10.74), 10)
    tile = decode(client.get(f"/tiles/roads/10/{x}/{y}.pbf").content)
    assert len(tile["roads"]["features"]) > 100


# --- HTTP ------------------------------------------------------------------------------------

def test_etag_answers_304(client: TestClient) -> None:
    first = client.get(f"/tiles/hydrants/{Z}/{X}/{Y}.pbf")
    again = client.get(f"/tiles/hydrants/{Z}/{X}/{Y}.pbf",
                       headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]


def test_etag_differs_between_tiles(client: TestClient) -> None:
    one = client.get(f"/tiles/hydrants/{Z}/{X}/{Y}.pbf").headers["etag"]
    other = client.get(f"/tiles/hydrants/{Z}/{X + 1}/{Y}.pbf").headers["etag"]
    assert one != other


def test_current_version_key_makes_the_tile_immutable(client: TestClient) -> None:
    template = client.get("/tiles/hydrants.json").json()["tiles"][0]
    versioned = template.format(z=Z, x=X, y=Y).removeprefix("http://testserver")
    assert "immutable" in client.get(versioned).headers["cache-control"]
    plain = client.get(f"/tiles/hydrants/{Z}/{X}/{Y}.pbf").headers["cache-control"]
    assert plain == "public, max-age=60"
    stale = client.get(f"/tiles/hydrants/{Z}/{X}/{Y}.pbf?v=old").headers["cache-control"]
    assert "immutable" not in stale


def test_gzip_is_sent_once_compressed(client: TestClient) -> None:
    with client.stream("GET", f"/tiles/all/{Z}/{X}/{Y}.pbf",
                       headers={"Accept-Encoding": "gzip"}) as response:
        raw = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    inner = gzip.decompress(raw)
    assert inner[:2] != b"\x1f\x8b"  # not compressed a second time by the middleware
    assert "roads" in decode(inner)


def test_without_gzip_the_tile_is_plain(client: TestClient) -> None:
    with client.stream("GET", f"/tiles/all/{Z}/{X}/{Y}.pbf", headers=NO_GZIP) as response:
        raw = b"".join(response.iter_raw())
    assert "content-encoding" not in response.headers
    assert "roads" in decode(raw)


def test_head_answers_headers_only(client: TestClient) -> None:
    response = client.head(f"/tiles/hydrants/{Z}/{X}/{Y}.pbf")
    assert response.status_code == 200
    assert response.headers["content-type"] == MVT and response.headers["etag"]
    assert response.content == b""


def test_browsers_may_load_tiles_from_other_origins(client: TestClient) -> None:
    response = client.get(f"/tiles/hydrants/{Z}/{X}/{Y}.pbf",
                          headers={"Origin": "https://maps.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "etag" in response.headers["access-control-expose-headers"].lower()


def test_pbf_and_mvt_are_the_same_tile(client: TestClient) -> None:
    pbf = client.get(f"/tiles/hydrants/{Z}/{X}/{Y}.pbf", headers=NO_GZIP).content
    assert client.get(f"/tiles/hydrants/{Z}/{X}/{Y}.mvt", headers=NO_GZIP).content == pbf


@pytest.mark.parametrize(("path", "status"), [
    ("/tiles/hydrants/99/0/0.pbf", 400),
    ("/tiles/hydrants/14/16384/0.pbf", 400),
    ("/tiles/hydrants/14/0/-1.pbf", 400),
    ("/tiles/hydrants/a/0/0.pbf", 400),
    ("/tiles/hydrants/14/0/0.5.pbf", 400),
    ("/tiles/nope/14/0/0.pbf", 404),
    ("/tiles/hydrants,nope/14/0/0.pbf", 404),
    ("/tiles/ward_epidemic/14/0/0.pbf", 404),
    ("/tiles/hydrants/14/0/0.png", 400),
    ("/tiles/hydrants/14/0/0.pbf?limit=5", 400),
    ("/tiles/nope.json", 404),
    ("/tiles/hydrants.json?v=1", 400),
    ("/collections/nope/tiles", 404),
    ("/collections/ward_epidemic/tiles", 404),
    ("/collections/hydrants/tiles?f=html", 400),
    ("/collections/hydrants/tiles/WorldCRS84Quad", 404),
    ("/collections/hydrants/tiles/WebMercatorQuad/99/0/0", 400),
    ("/collections/hydrants/tiles/WebMercatorQuad/2/4/0", 400),
    ("/collections/hydrants/tiles/WebMercatorQuad/2/0/x", 400),
    ("/tileMatrixSets/WorldCRS84Quad", 404),
])
def test_bad_requests_get_the_error_shape(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert set(response.json()) == {"code", "description"}


# --- cache invalidation ----------------------------------------------------------------------

def _hydrants_file(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    return path


def test_a_load_shows_in_the_very_next_tile(migrated_engine: Engine, tmp_path: Path) -> None:
    sample = json.loads(SAMPLE_HYDRANTS.read_text(encoding="utf-8"))["features"]
    in_tile = [f for f in sample
               if tile_range((*f["geometry"]["coordinates"],) * 2, Z)[:2] == (X, Y)][:2]
    (lon1, lat1), (lon2, lat2) = (f["geometry"]["coordinates"] for f in in_tile)
    added = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [
        (lon1 + lon2) / 2, (lat1 + lat2) / 2]},
        "properties": {"code": "Q7-TN-900", "status": "working", "street": "Số 9",
                       "source_id": "Q7-TN-900"}}
    load_file(migrated_engine, "hydrants", _hydrants_file(tmp_path / "a.geojson", in_tile))
    app = create_app(Settings(database_url=url_of(migrated_engine)))
    with TestClient(app) as client:
        before = client.get(f"/tiles/hydrants/{Z}/{X}/{Y}.pbf")
        assert "Q7-TN-900" not in codes(decode(before.content)) and codes(decode(before.content))
        load_file(migrated_engine, "hydrants",
                  _hydrants_file(tmp_path / "b.geojson", [*in_tile, added]))
        after = client.get(f"/tiles/hydrants/{Z}/{X}/{Y}.pbf")
        # A tile first asked for after the load is cut without waiting for a version read
        # (it was not in memory under the versions read last): it shows the load all the same
        x, y = tile_range((*added["geometry"]["coordinates"],) * 2, Z + 1)[:2]
        first_seen = client.get(f"/tiles/hydrants/{Z + 1}/{x}/{y}.pbf")
    assert "Q7-TN-900" in codes(decode(after.content))
    assert after.headers["etag"] != before.headers["etag"]
    assert "Q7-TN-900" in codes(decode(first_seen.content))
    assert first_seen.headers["etag"].split("-")[0] == after.headers["etag"].split("-")[0]


# --- TileJSON --------------------------------------------------------------------------------

def test_tilejson_describes_the_layer(client: TestClient) -> None:
    body = client.get("/tiles/hydrants.json").json()
    assert body["tilejson"] == "3.0.0"
    assert body["tiles"][0].startswith("http://testserver/tiles/hydrants/{z}/{x}/{y}.pbf?v=")
    assert (body["minzoom"], body["maxzoom"]) == (12, 22)
    west, south, east, north = body["bounds"]
    assert west < body["center"][0] < east and south < body["center"][1] < north
    assert body["attribution"] == "© OpenStreetMap contributors (ODbL)"
    [layer] = body["vector_layers"]
    assert layer["id"] == "hydrants" and (layer["minzoom"], layer["maxzoom"]) == (12, 22)
    assert layer["fields"]["code"] == "String" and layer["fields"]["pressure_bar"] == "Number"


def test_tilejson_of_all_lists_every_spatial_layer(client: TestClient) -> None:
    body = client.get("/tiles/all.json").json()
    assert [layer["id"] for layer in body["vector_layers"]] == [s.id for s in SPATIAL_LAYERS]
    assert body["minzoom"] == min(s.minzoom for s in SPATIAL_LAYERS)
    assert "/tiles/all/{z}/{x}/{y}.pbf?v=" in body["tiles"][0]


def test_tilejson_tile_url_serves_the_tile(client: TestClient) -> None:
    template = client.get("/tiles/roads,hydrants.json").json()["tiles"][0]
    response = client.get(template.format(z=Z, x=X, y=Y))
    assert set(decode(response.content)) == {"roads", "hydrants"}


# --- OGC API - Tiles -------------------------------------------------------------------------

def test_tilesets_list_links_the_tiling_scheme(client: TestClient) -> None:
    body = client.get("/collections/hydrants/tiles").json()
    assert any(link["rel"] == "self" for link in body["links"])
    [tileset] = body["tilesets"]
    assert tileset["dataType"] == "vector"
    assert tileset["tileMatrixSetURI"].endswith("/tilematrixset/OGC/1.0/WebMercatorQuad")
    rels = {link["rel"]: link for link in tileset["links"]}
    scheme = rels["http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"]
    assert scheme["type"] == "application/json" and "type_" not in scheme
    assert rels["self"]["href"] == "http://testserver/collections/hydrants/tiles/WebMercatorQuad"


def test_tileset_has_the_item_template(client: TestClient) -> None:
    body = client.get("/collections/hydrants/tiles/WebMercatorQuad").json()
    assert body["dataType"] == "vector" and body["crs"].endswith("/EPSG/0/3857")
    assert body["tileMatrixSetURI"] == \
        "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    [item] = [link for link in body["links"] if link["rel"] == "item"]
    assert item["type"] == MVT
    assert item["href"] == ("http://testserver/collections/hydrants/tiles/WebMercatorQuad/"
                            "{tileMatrix}/{tileRow}/{tileCol}")
    assert [layer["id"] for layer in body["layers"]] == ["hydrants"]
    assert {limit["tileMatrix"] for limit in body["tileMatrixSetLimits"]} == {
        str(z) for z in range(12, 23)}


def test_ogc_tile_is_the_xyz_tile_with_row_and_column(client: TestClient) -> None:
    links = client.get("/collections/hydrants/tiles/WebMercatorQuad").json()["links"]
    [template] = [link for link in links if link["rel"] == "item"]
    ogc = client.get(template["href"].format(tileMatrix=Z, tileRow=Y, tileCol=X),
                     headers=NO_GZIP)
    xyz = client.get(f"/tiles/hydrants/{Z}/{X}/{Y}.pbf", headers=NO_GZIP)
    assert ogc.status_code == 200 and ogc.headers["content-type"] == MVT
    assert ogc.content == xyz.content and len(codes(decode(ogc.content))) == 6


def test_limits_cover_the_hydrant_tile(client: TestClient) -> None:
    limits = client.get("/collections/hydrants/tiles/WebMercatorQuad").json()[
        "tileMatrixSetLimits"]
    [z14] = [limit for limit in limits if limit["tileMatrix"] == str(Z)]
    assert z14["minTileCol"] <= X <= z14["maxTileCol"]
    assert z14["minTileRow"] <= Y <= z14["maxTileRow"]


def test_tile_matrix_sets_list(client: TestClient) -> None:
    [tms] = client.get("/tileMatrixSets").json()["tileMatrixSets"]
    assert tms["id"] == "WebMercatorQuad"
    assert tms["links"][0]["href"] == "http://testserver/tileMatrixSets/WebMercatorQuad"


def test_web_mercator_quad_definition(client: TestClient) -> None:
    body = client.get("/tileMatrixSets/WebMercatorQuad").json()
    assert body["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3857"
    matrices = body["tileMatrices"]
    assert [m["id"] for m in matrices] == [str(z) for z in range(25)]
    assert matrices[0]["scaleDenominator"] == pytest.approx(559082264.0287178)
    assert matrices[0]["cellSize"] == pytest.approx(156543.03392804097)
    assert matrices[14]["matrixWidth"] == 2**14 and matrices[14]["cornerOfOrigin"] == "topLeft"
    assert matrices[1]["pointOfOrigin"] == pytest.approx([-20037508.3427892, 20037508.3427892])


# --- pieces ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("z", "x", "y"), [(-1, 0, 0), (25, 0, 0), (0, 1, 0), (3, 0, 8)])
def test_tile_address_refuses_tiles_off_the_grid(z: int, x: int, y: int) -> None:
    with pytest.raises(Exception, match="out of range"):
        TileAddress(z, x, y)


def test_lru_evicts_the_least_recently_used_by_size() -> None:
    cache = TileCache(max_bytes=10)
    keys = [TileKey(("hydrants",), (1,), TileAddress(1, 0, n)) for n in range(2)]
    keys.append(TileKey(("hydrants",), (1,), TileAddress(1, 1, 0)))
    cache.put(keys[0], b"aaaa")
    cache.put(keys[1], b"bbbb")
    assert cache.get(keys[0]) == b"aaaa"  # now the most recent
    cache.put(keys[2], b"cccc")
    assert cache.get(keys[1]) is None and cache.get(keys[0]) == b"aaaa"
    assert cache.size == 8 and len(cache) == 2


def test_a_new_data_version_is_a_new_key() -> None:
    address = TileAddress(14, X, Y)
    old, new = (TileKey(("hydrants",), (v,), address) for v in (1, 2))
    assert old != new and old.etag != new.etag and old.version_key != new.version_key


@pytest.mark.parametrize(("header", "accepted"), [
    ("gzip", True), ("deflate, gzip;q=0.5", True), ("gzip;q=0", False), ("identity", False),
    ("", False), ("*", True), ("gzip;q=oops", False)])
def test_accepts_gzip(header: str, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted


def test_etag_matching_is_weak_and_takes_lists() -> None:
    assert etag_matches('"a", W/"b"', 'W/"b"') and etag_matches("*", 'W/"b"')
    assert not etag_matches('"c"', 'W/"b"') and not etag_matches(None, 'W/"b"')
