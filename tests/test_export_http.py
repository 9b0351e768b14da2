"""GIS export over HTTP: the file itself with its name, length, ETag, HEAD and byte ranges,
one build for a client's repeated requests, a new one after a load, and GDAL reading it
over /vsicurl/. What is in the files is checked in test_export.py."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from test_export import ogrinfo_count, rows

# -- over HTTP -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(sample_engine: Engine):
    from fastapi.testclient import TestClient

    from geo.settings import Settings
    from server import create_app

    url = sample_engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(Settings(database_url=url)),
                    raise_server_exceptions=False) as client:
        yield client


HYDRANTS_FGB = "/export?layers=hydrants&format=fgb&crs=vn2000-hcm"


def test_http_export_is_the_file_with_its_name_length_and_etag(client, sample_engine: Engine,
                                                               tmp_path: Path) -> None:
    response = client.get(HYDRANTS_FGB)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/flatgeobuf"
    assert response.headers["content-disposition"] == \
        'attachment; filename="urbanmap-hydrants.fgb"'
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.headers["accept-ranges"] == "bytes" and response.headers["etag"]
    assert 'rel="describedby"' in response.headers["link"]
    path = tmp_path / "hydrants.fgb"
    path.write_bytes(response.content)
    assert ogrinfo_count(str(path), "hydrants") == \
        rows(sample_engine, "SELECT count(*) FROM hydrants")[0][0]


def test_http_head_has_the_headers_and_no_body(client) -> None:
    full = client.get(HYDRANTS_FGB)
    head = client.head(HYDRANTS_FGB)
    assert head.status_code == 200 and head.content == b""
    for name in ("content-length", "content-type", "content-disposition", "etag"):
        assert head.headers[name] == full.headers[name]


def test_http_range_returns_the_bytes_asked_for(client) -> None:
    full = client.get(HYDRANTS_FGB).content
    part = client.get(HYDRANTS_FGB, headers={"Range": "bytes=8-107"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 8-107/{len(full)}"
    assert part.content == full[8:108]
    tail = client.get(HYDRANTS_FGB, headers={"Range": "bytes=-16"})
    assert tail.status_code == 206 and tail.content == full[-16:]
    beyond = client.get(HYDRANTS_FGB, headers={"Range": f"bytes={len(full) + 10}-"})
    assert beyond.status_code == 416


def test_http_export_is_not_gzipped_so_length_and_ranges_hold(client) -> None:
    response = client.get("/export?layers=roads&format=geojson",
                          headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in response.headers
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.content.lstrip().startswith(b"{")


def test_http_etag_revalidates_and_the_export_is_built_once(client) -> None:
    first = client.get(HYDRANTS_FGB)
    again = client.get(HYDRANTS_FGB, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    cache = client.app.state.export_cache
    built = len(list(cache.folder.iterdir()))
    for _ in range(3):
        client.head(HYDRANTS_FGB)
        client.get(HYDRANTS_FGB, headers={"Range": "bytes=0-9"})
    assert len(list(cache.folder.iterdir())) == built


def test_http_several_layers_are_a_zip_and_the_sidecar_is_served(client) -> None:
    response = client.get("/export?layers=hydrants,roads&format=csv&ward=Tân Thuận Đông")
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        sidecar = json.loads(archive.read(next(n for n in archive.namelist()
                                               if n.endswith(".metadata.json"))))
    served = client.get("/export/metadata?layers=hydrants,roads&format=csv"
                        "&ward=Tân Thuận Đông").json()
    assert served == sidecar
    assert served["selection"]["ward"]["name"] == "Phường Tân Thuận Đông"


@pytest.mark.parametrize(("query", "status", "words"), [
    ("layers=hydrants&format=dwg", 400, "Unknown export format"),
    ("layers=nope", 404, "no spatial layer 'nope'"),
    ("layers=ward_epidemic&format=csv", 404, "no spatial layer 'ward_epidemic'"),
    ("layers=hydrants&crs=EPSG:999999", 400, "Unknown coordinate system"),
    ("layers=hydrants&bbox=a,b,c,d", 400, "bbox must be four numbers"),
    ("layers=hydrants&filter=((", 400, "The filter could not be read"),
    ("layers=hydrants,roads&filter=status%3D%27working%27", 400, "not to roads"),
    ("layers=hydrants&ward=Atlantis", 404, "There is no ward 'Atlantis'"),
    ("layers=hydrants&format=kml&crs=utm48n", 400, "KML is always WGS 84"),
    ("layers=hydrants&zzz=1", 400, "Unknown query parameter zzz"),
    ("layers=hydrants&layers=roads", 400, "given more than once"),
    ("format=gpkg", 400, "Name the layers to export"),
    ("layers=hydrants&filter-lang=cql2-json&filter=x", 400, "cql2-text"),
])
def test_http_bad_input_is_a_4xx_with_a_message(client, query: str, status: int,
                                                words: str) -> None:
    for path in ("/export", "/export/metadata"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == status, response.text
        body = response.json()
        assert set(body) == {"code", "description"} and words in body["description"]


def test_http_a_load_gives_the_next_request_a_new_file(migrated_engine: Engine) -> None:
    from fastapi.testclient import TestClient

    from geo.catalog import bump_version
    from geo.settings import Settings
    from server import create_app

    def add_hydrant(number: int) -> None:
        with migrated_engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO hydrants (geom, code, status, source_id) VALUES (ST_Transform("
                "ST_SetSRID(ST_MakePoint(106.72, 10.73 + :n * 0.001), 4326), 32648), "
                "'Q7-TN-' || :n, 'working', 'h' || :n)"), {"n": number})
            bump_version(conn, "hydrants")

    url = migrated_engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(Settings(database_url=url))) as client:
        add_hydrant(1)
        first = client.get("/export/metadata?layers=hydrants&format=geojson").json()
        add_hydrant(2)
        second = client.get("/export/metadata?layers=hydrants&format=geojson").json()
    assert [first["layers"][0]["features"], second["layers"][0]["features"]] == [1, 2]
    assert second["data_versions"]["hydrants"] == first["data_versions"]["hydrants"] + 1


def test_gdal_reads_exports_over_http_with_head_and_ranges(service: str,
                                                           sample_engine: Engine) -> None:
    """GDAL's /vsicurl/ asks HEAD for the size, then byte ranges: the real client."""
    count = rows(sample_engine, "SELECT count(*) FROM roads")[0][0]
    for fmt, layer in (("fgb", "roads"), ("gpkg", "roads")):
        url = f"/vsicurl/{service}/export?layers=roads&format={fmt}&crs=vn2000-hcm"
        listing = subprocess.run(["ogrinfo", "-ro", "-so", url, layer], capture_output=True,
                                 text=True)
        assert listing.returncode == 0, listing.stderr
        assert f"Feature Count: {count}" in listing.stdout
        assert "VN-2000 / TM-3 105-45" in listing.stdout
