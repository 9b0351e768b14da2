"""MapLibre styles served over the service's own tiles."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from geo.routes.styles import SOURCE, styled_layers
from geo.settings import Settings
from geo.styles import available_styles
from layers import REGISTRY
from server import create_app

SPATIAL_IDS = {spec.id for spec in REGISTRY.values() if spec.is_spatial}


@pytest.fixture(scope="module")
def client(sample_engine: Engine) -> Iterator[TestClient]:
    url = sample_engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(Settings(database_url=url))) as client:
        yield client


@pytest.fixture(scope="module")
def map_style(client: TestClient) -> dict:
    response = client.get("/styles/map.json")
    assert response.status_code == 200
    return response.json()


def test_map_style_is_version_8_with_one_vector_source(map_style: dict) -> None:
    assert map_style["version"] == 8
    assert map_style["sources"] == {
        SOURCE: {"type": "vector", "url": "http://testserver/tiles/all.json"}}


def test_every_styled_spatial_layer_appears(map_style: dict) -> None:
    ids = {layer["id"] for layer in map_style["layers"]}
    assert {spec.id for spec in styled_layers()} == set(available_styles()) & SPATIAL_IDS
    assert set(available_styles()) & SPATIAL_IDS <= ids


def test_background_first_and_every_other_layer_drawn_from_the_tiles(map_style: dict) -> None:
    background, *layers = map_style["layers"]
    assert background["type"] == "background"
    assert all(layer["source"] == SOURCE for layer in layers)
    assert {layer["source-layer"] for layer in layers} <= SPATIAL_IDS


def test_labels_lie_above_every_geometry(map_style: dict) -> None:
    kinds = [layer["type"] for layer in map_style["layers"][1:]]
    assert "symbol" in kinds and "glyphs" in map_style
    assert kinds.index("symbol") > max(i for i, k in enumerate(kinds) if k != "symbol")


def test_areas_lie_under_points(map_style: dict) -> None:
    order = [layer["id"] for layer in map_style["layers"]]
    assert order.index("wards") < order.index("roads") < order.index("hydrants")


def test_source_resolves_to_tilejson_with_every_source_layer(client: TestClient,
                                                             map_style: dict) -> None:
    tilejson = client.get(map_style["sources"][SOURCE]["url"])
    assert tilejson.status_code == 200 and tilejson.json()["tilejson"] == "3.0.0"
    served = {layer["id"] for layer in tilejson.json()["vector_layers"]}
    assert {layer["source-layer"] for layer in map_style["layers"][1:]} <= served


def test_one_layer_style(client: TestClient) -> None:
    style = client.get("/styles/hydrants.json").json()
    assert style["sources"][SOURCE]["url"] == "http://testserver/tiles/hydrants.json"
    assert [layer["id"] for layer in style["layers"]] == ["background", "hydrants"]
    assert style["layers"][1]["minzoom"] == REGISTRY["hydrants"].minzoom
    assert "glyphs" not in style  # circles only: no text, no font server named


def test_one_layer_style_source_serves_its_tiles(client: TestClient) -> None:
    style = client.get("/styles/roads.json").json()
    tilejson = client.get(style["sources"][SOURCE]["url"]).json()
    assert [layer["id"] for layer in tilejson["vector_layers"]] == ["roads"]
    assert "glyphs" in style  # road names are labelled


@pytest.mark.parametrize(("path", "status"), [
    ("/styles/nope.json", 404), ("/styles/ward_epidemic.json", 404),
    ("/styles/map.json?theme=dark", 400), ("/styles/hydrants.json?x=1", 400)])
def test_bad_style_requests_get_the_error_shape(client: TestClient, path: str,
                                                status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert set(response.json()) == {"code", "description"}
