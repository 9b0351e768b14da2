"""Real GIS clients against a running service: GDAL (Debian's ogrinfo and the pyogrio wheel's
newer GDAL) and OWSLib read the District 7 sample over HTTP, paging included."""

from __future__ import annotations

import shutil
import subprocess

import pyogrio
from owslib.ogcapi.features import Features
from sqlalchemy import Engine, text

from geo.tiles import tile_range

OGRINFO = shutil.which("ogrinfo")


def count(engine: Engine, table: str, where: str = "true") -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar_one()


def test_debian_ogrinfo_lists_the_layers(service: str) -> None:
    assert OGRINFO, "gdal-bin is installed by the setup"
    listing = subprocess.run([OGRINFO, "-ro", "-q", f"OAPIF:{service}"], capture_output=True,
                             text=True, timeout=120)
    assert listing.returncode == 0, listing.stderr
    for layer in ("wards", "roads", "hydrants", "planning_zones"):
        assert f": {layer}" in listing.stdout


def test_debian_ogrinfo_reads_every_feature_through_paging(service: str,
                                                           sample_engine: Engine) -> None:
    reading = subprocess.run(
        [OGRINFO, "-ro", "-al", "-q", "-oo", "PAGE_SIZE=100", f"OAPIF:{service}", "roads"],
        capture_output=True, text=True, timeout=300)
    assert reading.returncode == 0, reading.stderr
    assert reading.stdout.count("OGRFeature(roads)") == count(sample_engine, "roads") > 100


def test_pyogrio_gdal_reads_a_layer_with_vietnamese_names(service: str,
                                                          sample_engine: Engine) -> None:
    frame = pyogrio.read_dataframe(f"OAPIF:{service}", layer="wards")
    assert len(frame) == count(sample_engine, "wards")
    assert "Tân Thuận Đông" in " ".join(frame["name"].astype(str))
    xmin, ymin, xmax, ymax = frame.total_bounds
    assert 106.6 < xmin < xmax < 106.8 and 10.6 < ymin < ymax < 10.8


def test_owslib_items_with_bbox_and_cql2_filter(service: str, sample_engine: Engine) -> None:
    api = Features(service)
    assert "hydrants" in [c["id"] for c in api.collections()["collections"]]
    box = [106.70, 10.72, 106.74, 10.75]
    found = api.collection_items("hydrants", bbox=box, limit=1000,
                                 filter="status = 'working'")
    truth = count(sample_engine, "hydrants", "status = 'working' AND ST_Intersects(geom, "
                  "ST_Transform(ST_MakeEnvelope(106.70, 10.72, 106.74, 10.75, 4326), 32648))")
    assert found["numberMatched"] == len(found["features"]) == truth
    assert {f["properties"]["status"] for f in found["features"]} <= {"working"}
    queryables = api.collection_queryables("hydrants")
    assert "status" in queryables["properties"]


def test_debian_ogrinfo_reads_a_vector_tile_url(service: str) -> None:
    x, y, _, _ = tile_range((106.72, 10.74, 106.72, 10.74), 14)
    reading = subprocess.run([OGRINFO, "-ro", "-al", "-q", f"{service}/tiles/roads,hydrants/"
                              f"14/{x}/{y}.pbf"], capture_output=True, text=True, timeout=120)
    assert reading.returncode == 0, reading.stderr
    assert "OGRFeature(roads)" in reading.stdout
