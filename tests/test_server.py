"""The service lists the registry's layers with what the database holds."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from geo import migrate
from geo.db import make_engine
from geo.settings import Settings
from layers import REGISTRY
from server import create_app


@pytest.fixture(scope="module")
def client(sample_engine: Engine):
    url = sample_engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(Settings(database_url=url))) as client:
        yield client


def test_collections_list_every_layer_with_counts(client: TestClient) -> None:
    body = client.get("/collections").json()
    counts = {layer["id"]: layer["features"] for layer in body["collections"]}
    assert set(counts) == set(REGISTRY)
    assert counts["wards"] == 10 and counts["hydrants"] == 25
    assert all(layer["data_version"] >= 1 for layer in body["collections"]
               if layer["features"])


def test_landing_page_in_a_browser_is_html_with_the_layers(client: TestClient) -> None:
    response = client.get("/", headers={"Accept": "text/html"})
    assert response.headers["content-type"].startswith("text/html")
    assert "Trụ nước chữa cháy" in response.text and "OpenStreetMap contributors" in response.text


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_version_reads_go_on_after_their_connection_is_cut(sample_engine: Engine) -> None:
    """The data versions are read on one kept connection; a server restart or idle timeout
    that closes it must not fail the tile waiting for the read."""
    url = sample_engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(Settings(database_url=url))) as client:
        assert client.get("/tiles/hydrants/14/13049/7700.pbf").status_code == 200
        kept = client.app.state.fresh_versions.read_now
        cut = kept._connection.get_backend_pid()
        with sample_engine.begin() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": cut}).scalar()
        wards = client.get("/collections/wards/items?limit=1")
        assert wards.status_code == 200 and wards.json()["numberMatched"] == 10
        assert kept._connection.get_backend_pid() != cut
    assert kept._connection is None  # given back at shutdown


def test_a_database_that_stops_answering_gets_a_503_in_the_error_shape(cluster) -> None:
    """Tiles (through the fast path and the driver), items and collections, after the
    service's database went away under it: a message for a person, not a bare 500."""
    url = cluster.create_database("going_away")
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    with TestClient(create_app(Settings(database_url=url))) as client:
        assert client.get("/collections/wards/items").status_code == 200
        with cluster.cursor("postgres") as cursor:
            cursor.execute("DROP DATABASE going_away WITH (FORCE)")
        for path in ("/tiles/wards/14/13049/7700.pbf", "/collections/wards/items",
                     "/collections"):
            response = client.get(path)
            assert response.status_code == 503, path
            assert response.json()["code"] == "Database unavailable"
            assert "not answering" in response.json()["description"]
