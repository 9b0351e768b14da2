"""Offline packs: the MBTiles (and PMTiles) of a ward and of the district opened with sqlite3,
GDAL and the pmtiles reader, tiles decoded and compared with the live service's, and the
GeoPackage beside them checked against PostGIS."""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import mapbox_vector_tile
import pyogrio
import pytest
from sqlalchemy import Engine, text

from geo.offline_pack import Pack, make_pack, tms_row
from geo.tiles import render_tile
from layers import REGISTRY

WARD = "Tân Thuận Đông"
SPATIAL = [spec for spec in REGISTRY.values() if spec.is_spatial]
VALIDATE_GPKG = "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"


def rows(engine: Engine, sql: str, **params) -> list:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).all()


@pytest.fixture(scope="module")
def ward_pack(sample_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Pack:
    return make_pack(sample_engine, tmp_path_factory.mktemp("ward"), ward=WARD, maxzoom=16)


@pytest.fixture(scope="module")
def district_pack(sample_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Pack:
    return make_pack(sample_engine, tmp_path_factory.mktemp("district") / "q7.mbtiles",
                     maxzoom=13, pmtiles=False)


def stored_tiles(pack: Pack) -> list[tuple[int, int, int, bytes]]:
    with sqlite3.connect(pack.mbtiles) as db:
        return db.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles "
                          "ORDER BY 1, 2, 3").fetchall()


def metadata(pack: Pack) -> dict[str, str]:
    with sqlite3.connect(pack.mbtiles) as db:
        return dict(db.execute("SELECT name, value FROM metadata"))


def decode(data: bytes) -> dict[str, set]:
    """Each layer of a tile with the ids of its features."""
    tile = mapbox_vector_tile.decode(data)
    return {layer: {f["id"] for f in content["features"]} for layer, content in tile.items()}


def test_the_metadata_table_is_what_mbtiles_asks(ward_pack: Pack, sample_engine: Engine) -> None:
    found = metadata(ward_pack)
    assert found["format"] == "pbf" and "OpenStreetMap" in found["attribution"]
    assert int(found["minzoom"]) == min(spec.minzoom for spec in SPATIAL)
    assert int(found["maxzoom"]) == 16
    west, south, east, north = (float(v) for v in found["bounds"].split(","))
    ward = rows(sample_engine, "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM "
                "(SELECT ST_Transform(geom, 4326) AS b FROM wards WHERE name = :n) w",
                n=f"Phường {WARD}")[0]
    assert (west, south, east, north) == pytest.approx(ward, abs=1e-5)
    lon, lat, zoom = (float(v) for v in found["center"].split(","))
    assert west < lon < east and south < lat < north and 9 <= zoom <= 16
    layers = json.loads(found["json"])["vector_layers"]
    assert [layer["id"] for layer in layers] == [spec.id for spec in SPATIAL]
    assert "Tân Thuận Đông" in found["name"]


def test_tiles_are_gzipped_vector_tiles_with_several_layers(ward_pack: Pack) -> None:
    tiles = stored_tiles(ward_pack)
    assert tiles and all(data[:2] == b"\x1f\x8b" for *_, data in tiles)
    drawn: set[str] = set()
    for z, *_, data in tiles:
        if z >= 15:
            drawn |= set(decode(gzip.decompress(data)))
    assert {"wards", "roads", "hydrants", "planning_zones", "waterways"} <= drawn
    assert {z for z, *_ in tiles} == set(range(9, 17))


def test_rows_are_tms_and_match_the_live_tiles(ward_pack: Pack, sample_engine: Engine) -> None:
    from fastapi.testclient import TestClient

    from geo.settings import Settings
    from server import create_app

    url = sample_engine.url.render_as_string(hide_password=False)
    checked = differs = 0
    with TestClient(create_app(Settings(database_url=url))) as client, \
            sample_engine.connect() as conn:
        for z, x, row, data in stored_tiles(ward_pack)[::7]:
            y = 2**z - 1 - row
            stored = decode(gzip.decompress(data))
            live = client.get(f"/tiles/all/{z}/{x}/{y}.pbf",
                              headers={"Accept-Encoding": "identity"})
            assert decode(live.content) == stored, (z, x, y)
            assert decode(render_tile(conn, SPATIAL, z, x, y)) == stored
            if row != y:  # read without the flip, the tile would be another one
                differs += decode(render_tile(conn, SPATIAL, z, x, row)) != stored
            checked += 1
    assert checked >= 5 and differs >= 1


def test_a_ward_pack_has_the_tiles_over_the_ward_and_no_other(ward_pack: Pack,
                                                               sample_engine: Engine) -> None:
    """PostGIS says which tiles of each zoom touch the ward; the pack has exactly those
    (less any that are empty, which MBTiles leaves out)."""
    stored = {(z, x, 2**z - 1 - row) for z, x, row, _ in stored_tiles(ward_pack)}
    for z in range(9, 17):
        touching = {(z, x, y) for x, y in rows(sample_engine, (
            "WITH w AS (SELECT geom_3857 AS g, ST_Transform(geom, 4326) AS b FROM wards "
            "WHERE name = :n), r AS (SELECT floor((ST_XMin(b) + 180) / 360 * 2 ^ :z)::int x0,"
            " floor((ST_XMax(b) + 180) / 360 * 2 ^ :z)::int x1, floor((1 - asinh(tan(radians("
            "ST_YMax(b)))) / pi()) / 2 * 2 ^ :z)::int y0, floor((1 - asinh(tan(radians("
            "ST_YMin(b)))) / pi()) / 2 * 2 ^ :z)::int y1 FROM w) "
            "SELECT x, y FROM r, w, generate_series(r.x0, r.x1) x, generate_series(r.y0, r.y1) "
            "y WHERE ST_Intersects(ST_TileEnvelope(:z, x, y), w.g)"), n=f"Phường {WARD}", z=z)}
        at_zoom = {tile for tile in stored if tile[0] == z}
        assert at_zoom <= touching, sorted(at_zoom - touching)
        assert len(at_zoom) >= len(touching) - 1  # an empty tile may be left out
    assert ward_pack.tiles == len(stored)


def test_the_district_pack_covers_the_ward_pack(ward_pack: Pack, district_pack: Pack) -> None:
    ward = {(z, x, r) for z, x, r, _ in stored_tiles(ward_pack) if z <= 13}
    district = {(z, x, r) for z, x, r, _ in stored_tiles(district_pack)}
    assert ward < district
    assert district_pack.mbtiles.name == "q7.mbtiles" and district_pack.pmtiles is None
    assert district_pack.geopackage.path.name == "q7.gpkg"


def test_gdal_opens_the_mbtiles(ward_pack: Pack, sample_engine: Engine) -> None:
    """Debian's ogrinfo (GDAL 3.6) reads vector MBTiles as one layer per tile layer."""
    listing = subprocess.run(["ogrinfo", "-ro", "-q", str(ward_pack.mbtiles)],
                             capture_output=True, text=True, check=True).stdout
    listed = {line.split(": ", 1)[1].split(" (")[0] for line in listing.splitlines()
              if line[:1].isdigit()}
    assert listed == {spec.id for spec in SPATIAL}
    hydrants = subprocess.run(["ogrinfo", "-ro", "-oo", "ZOOM_LEVEL=16", "-al", "-so",
                               str(ward_pack.mbtiles), "hydrants"], capture_output=True,
                              text=True, check=True).stdout
    in_ward = rows(sample_engine, "SELECT count(*) FROM hydrants h, wards w WHERE w.name = :n "
                   "AND ST_Intersects(h.geom, w.geom)", n=f"Phường {WARD}")[0][0]
    assert in_ward > 0
    assert int(hydrants.split("Feature Count: ")[1].split()[0]) >= in_ward


def test_the_pmtiles_copy_holds_the_same_tiles(ward_pack: Pack) -> None:
    from pmtiles.reader import MmapSource, Reader

    with open(ward_pack.pmtiles, "rb") as file:
        reader = Reader(MmapSource(file))
        header = reader.header()
        assert (header["min_zoom"], header["max_zoom"]) == (9, 16)
        for z, x, row, data in stored_tiles(ward_pack)[::11]:
            assert reader.get(z, x, 2**z - 1 - row) == data
    layers = {name for name, _ in pyogrio.list_layers(ward_pack.pmtiles)}  # GDAL's reader
    assert {"roads", "hydrants", "wards"} <= layers


def test_the_pack_geopackage_has_the_ward_assets(ward_pack: Pack, sample_engine: Engine) -> None:
    path = ward_pack.geopackage.path
    check = subprocess.run(["/usr/bin/python3", VALIDATE_GPKG, str(path)], capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    for layer, test in (("hydrants", "ST_Intersects(t.geom, w.geom)"),
                        ("roads", "ST_Intersects(t.geom, w.geom)"),
                        ("planning_zones", "ST_Relate(t.geom, w.geom, 'T********')")):
        expected = rows(sample_engine, f"SELECT count(*) FROM {layer} t, wards w WHERE "
                        f"w.name = :n AND {test}", n=f"Phường {WARD}")[0][0]
        assert expected > 0
        assert pyogrio.read_info(path, layer=layer)["features"] == expected
    assert ward_pack.geopackage.sidecar.exists()


def test_tms_row() -> None:
    assert [tms_row(1, y) for y in (0, 1)] == [1, 0]


def test_urbanmap_pack_on_the_command_line(sample_engine: Engine, tmp_path: Path) -> None:
    url = sample_engine.url.render_as_string(hide_password=False).replace("+psycopg2", "")
    done = subprocess.run([str(Path(sys.executable).parent / "urbanmap"), "pack", "--ward",
                           "tan thuan dong", "--maxzoom", "12", "--out", str(tmp_path)],
                          capture_output=True, text=True,
                          env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr + done.stdout
    names = sorted(p.name for p in tmp_path.iterdir())
    stem = "urbanmap-pack-phuong-tan-thuan-dong"
    assert names == sorted(f"{stem}{suffix}" for suffix in
                           (".mbtiles", ".pmtiles", ".gpkg", ".metadata.json"))
