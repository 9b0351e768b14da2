"""The tile fast path answers plain tile requests exactly as the route would, and leaves every
other request to FastAPI; the pool pings only connections that sat idle."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from geo import db
from geo.routes.tile_fast_path import TileFastPath
from geo.settings import Settings
from server import create_app

Z, X, Y = 14, 13048, 7700  # six sample hydrants and many roads
TILE = f"/tiles/hydrants/{Z}/{X}/{Y}.pbf"


@pytest.fixture(scope="module")
def client(sample_engine: Engine) -> Iterator[TestClient]:
    url = sample_engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(Settings(database_url=url))) as client:
        yield client


def answer(client: TestClient, path: str, query: str = "",
           headers: tuple[tuple[bytes, bytes], ...] = ((b"accept-encoding", b"gzip"),)):
    """What the fast path makes of a GET: a response, or None when it leaves it to FastAPI."""
    scope = {"type": "http", "method": "GET", "path": path, "root_path": "",
             "query_string": query.encode(), "headers": list(headers), "app": client.app}
    return client.portal.call(TileFastPath(client.app)._answer, scope)


def test_a_plain_tile_is_answered_by_the_fast_path(client: TestClient) -> None:
    response = answer(client, TILE)
    assert response is not None and response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    with client.stream("GET", TILE, headers={"Accept-Encoding": "gzip"}) as served:
        assert b"".join(served.iter_raw()) == response.body


def test_it_answers_as_the_route_does(client: TestClient) -> None:
    """The OGC URL of the same tile goes through FastAPI's route: same bytes, same headers."""
    fast = client.get(TILE)
    routed = client.get(f"/collections/hydrants/tiles/WebMercatorQuad/{Z}/{Y}/{X}")
    assert fast.content == routed.content and fast.content
    for name in ("etag", "cache-control", "vary", "content-type", "content-encoding"):
        assert fast.headers[name] == routed.headers[name]
    again = client.get(TILE, headers={"If-None-Match": fast.headers["etag"]})
    assert again.status_code == 304 and again.headers["etag"] == fast.headers["etag"]


def test_a_day_of_a_layer_that_changes_by_day(client: TestClient) -> None:
    path = "/tiles/epidemic_risk/12/3262/1925.pbf"
    response = answer(client, path, "datetime=2021-08-01")
    assert response is not None and response.status_code == 200
    assert response.headers["etag"].endswith('-2021-08-01"')


@pytest.mark.parametrize(("path", "query"), [
    ("/tiles/hydrants/14/0/0.png", ""),          # not a tile format
    ("/tiles/hydrants/14/0/-1.pbf", ""),          # not plain numbers
    ("/tiles/hydrants/14/0/0.5.pbf", ""),
    ("/tiles/hydrants/+14/0/0.pbf", ""),
    ("/tiles/hydrants/99/0/0.pbf", ""),           # refused by TileAddress
    ("/tiles/nope/14/0/0.pbf", ""),               # refused by parse_tile_layers
    ("/tiles/hydrants/14/0/0.pbf", "limit=5"),    # unknown parameter
    ("/tiles/hydrants/14/0/0.pbf", "datetime=2021-08-01"),  # no time field
    ("/tiles/hydrants.json", ""),
    ("/tiles/hydrants/14/0/0/0.pbf", ""),
])
def test_anything_unusual_is_left_to_fastapi(client: TestClient, path: str, query: str) -> None:
    assert answer(client, path, query) is None


def test_refusals_keep_the_error_shape(client: TestClient) -> None:
    for path in ("/tiles/hydrants/99/0/0.pbf", "/tiles/nope/14/0/0.pbf",
                 "/tiles/hydrants/14/0/0.pbf?limit=5"):
        response = client.get(path)
        assert response.status_code in (400, 404)
        assert set(response.json()) == {"code", "description"}


def test_gzip_refused_by_quality_zero_is_left_to_fastapi(client: TestClient) -> None:
    assert answer(client, TILE, headers=((b"accept-encoding", b"gzip;q=0"),)) is None
    plain = answer(client, TILE, headers=())
    assert plain is not None and "content-encoding" not in plain.headers


def test_the_fast_path_keeps_head_and_cors(client: TestClient) -> None:
    head = client.head(TILE)
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"]
    cors = client.get(TILE, headers={"Origin": "https://maps.example"})
    assert cors.headers["access-control-allow-origin"] == "*"


def test_a_connection_closed_while_idle_is_replaced(sample_engine: Engine,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    engine = db.make_engine(sample_engine.url.render_as_string(hide_password=False),
                            pool_size=1)
    try:
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with sample_engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        monkeypatch.setattr(db, "IDLE_BEFORE_PING_S", 0.0)  # it has now sat "long enough"
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        engine.dispose()
