"""Every route of the service, walked with bad input: always a 4xx in the one error shape,
never a 500 or a stack trace. The routes are read from the app, so a new route is walked
without anyone adding it here."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from geo.settings import Settings
from server import create_app

GARBAGE = ["nope", "-1", "99999999999999999999", "%27%3B%20DROP%20TABLE%20roads%3B--",
           "..%2F..%2Fetc%2Fpasswd", "T%C3%A2n%20Thu%E1%BA%ADn", "1.5", "%00"]
QUERIES = ["zzz=1", "limit=unlimited", "bbox=a,b,c,d", "filter=((", "f=xml", "v=%00"]


@pytest.fixture(scope="module")
def client(sample_engine: Engine) -> Iterator[TestClient]:
    url = sample_engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(Settings(database_url=url)), raise_server_exceptions=False) \
            as client:
        yield client


def _get_paths() -> list[str]:
    """Every GET path the OpenAPI document publishes."""
    app = create_app(Settings(database_url="postgresql://unused@/unused"))
    return sorted(path for path, operations in app.openapi()["paths"].items()
                  if "get" in operations)


PLAUSIBLE = {"layer_id": "hydrants", "layers": "hydrants", "tms": "WebMercatorQuad",
             "z": "14", "tileMatrix": "14", "x": "13100", "tileCol": "13100", "y": "7700",
             "tileRow": "7700", "fid": "1", "format": "pbf"}


def _fill(path: str, **values: str) -> str:
    return re.sub(r"{(\w+)}", lambda m: values.get(m.group(1), PLAUSIBLE.get(m.group(1), "1")),
                  path)


def _with_garbage(path: str) -> Iterator[str]:
    """The path with each parameter in turn made garbage, the others plausible."""
    for name in re.findall(r"{(\w+)}", path):
        for value in GARBAGE:
            yield _fill(path, **{name: value})


def test_the_walk_covers_the_service() -> None:
    paths = _get_paths()
    assert len(paths) >= 10
    assert "/collections/{layer_id}/items" in paths


@pytest.mark.parametrize("path", _get_paths())
def test_garbage_in_the_path_is_a_4xx_with_a_message(client: TestClient, path: str) -> None:
    for url in _with_garbage(path):
        response = client.get(url)
        assert response.status_code < 500, f"{url}: {response.status_code} {response.text}"
        if response.status_code >= 400:
            body = response.json()
            assert set(body) == {"code", "description"}, url
            assert "Traceback" not in body["description"]


@pytest.mark.parametrize("path", _get_paths())
def test_bad_query_parameters_are_a_400_with_a_message(client: TestClient, path: str) -> None:
    url = _fill(path)
    for query in QUERIES:
        response = client.get(f"{url}?{query}")
        assert response.status_code < 500, f"{url}?{query}: {response.text}"
        if query == "zzz=1" and not url.startswith("/api"):
            assert response.status_code == 400, f"{url}?{query} ignored an unknown parameter"
        if response.status_code >= 400:
            assert set(response.json()) == {"code", "description"}
