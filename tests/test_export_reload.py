"""An export given back: an agency takes a layer as a GIS file, edits some features in its own
tools and returns the file. Loaded as it came back, what it did not edit is unchanged (no
feature rewritten, no version bumped), in every format and CRS the export writes, and an
edit comes back as an update of that feature, not as a new one.

The District 7 sample in a database of this module's own, so that a failure cannot change
the sample other modules read.
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pyogrio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from geo import migrate
from geo.catalog import data_versions
from geo.db import make_engine
from geo.errors import InvalidInput
from geo.export import build_request
from geo.export_package import run_export
from geo.settings import Settings
from loaders.files import load_file
from loaders.sample import load_sample
from server import create_app

LAYERS = ("hydrants", "roads", "planning_zones")  # point, line, polygon; dates and reals
FORMATS = [("gpkg", "wgs84"), ("gpkg", "vn2000-hcm"), ("shp", "utm48n"), ("geojson", "wgs84"),
           ("kml", "wgs84"), ("fgb", "vn2000"), ("csv", "wgs84"), ("parquet", "wgs84"),
           ("parquet", "vn2000-hcm")]


@pytest.fixture(scope="module")
def district(cluster, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    engine = make_engine(cluster.create_database("export_reload"))
    migrate.upgrade(engine)
    load_sample(engine, tmp_path_factory.mktemp("sample"))
    return engine


def features(engine: Engine, layer: str) -> dict[str, int]:
    """source id → fid"""
    with engine.connect() as conn:
        return dict(conn.execute(text(f"SELECT source_id, fid FROM {layer}")).all())


def versions(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return data_versions(conn)


def exported(engine: Engine, layer: str, fmt: str, crs: str, folder: Path) -> tuple[Path, str]:
    """The layer as the export writes it, and the --crs its load needs (only a CSV's)."""
    artefact = run_export(engine, build_request([layer], fmt, crs), folder)
    return artefact.path, (crs if fmt == "csv" else None)


@pytest.mark.parametrize(("fmt", "crs"), FORMATS, ids=[f"{f}-{c}" for f, c in FORMATS])
def test_an_export_loaded_back_changes_nothing(district: Engine, tmp_path: Path, fmt: str,
                                               crs: str) -> None:
    for layer in LAYERS:
        before, version = features(district, layer), versions(district)[layer]
        path, load_crs = exported(district, layer, fmt, crs, tmp_path / layer)
        report = load_file(district, layer, path, crs=load_crs)
        assert (report.inserted, report.updated, report.deleted, report.unchanged) == (
            0, 0, 0, len(before)), (layer, report.summary())
        assert features(district, layer) == before
        assert versions(district)[layer] == version


@pytest.mark.parametrize("packed_by", ["zipped", "ogr2ogr"])
def test_a_kml_export_given_back_as_kmz_changes_nothing(district: Engine, tmp_path: Path,
                                                        packed_by: str) -> None:
    """Google Earth sends KML as KMZ: the KML zipped as doc.kml, with its icons. Read as a
    KMZ, GDAL lost the columns the export declares in a <Schema>, and every hydrant was
    refused as missing its status. A KMZ GDAL writes (doc.kml linking a KML per layer)
    loads too."""
    path, _ = exported(district, "hydrants", "kml", "wgs84", tmp_path / "export")
    kmz = tmp_path / "tru_nuoc.kmz"
    if packed_by == "zipped":
        with zipfile.ZipFile(kmz, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(path, "doc.kml")
            archive.writestr("files/hydrant.png", b"\x89PNG\r\n\x1a\n")
    else:
        subprocess.run(["ogr2ogr", "-f", "LIBKML", str(kmz), str(path)], check=True,
                       capture_output=True)
    before, version = features(district, "hydrants"), versions(district)["hydrants"]
    report = load_file(district, "hydrants", kmz)
    assert (report.inserted, report.updated, report.deleted, report.unchanged) == (
        0, 0, 0, len(before)), report.summary()
    assert features(district, "hydrants") == before
    assert versions(district)["hydrants"] == version


PARTS = [("gpkg", {"ward": "Tân Phong"}, "the hydrants over Phường Tân Phong"),
         ("shp", {"filter": "status = 'working'"}, "the hydrants matching status = 'working'"),
         ("geojson", {"bbox": "106.70,10.70,106.72,10.75"},
          "the hydrants in the box 106.7, 10.7, 106.72, 10.75")]


@pytest.mark.parametrize(("fmt", "selection", "part"), PARTS, ids=[p[0] for p in PARTS])
def test_an_export_of_part_of_a_layer_does_not_replace_the_layer(
        district: Engine, tmp_path: Path, fmt: str, selection: dict, part: str) -> None:
    """One ward's hydrants, edited and sent back, replaced the layer: every other hydrant
    was deleted. The export's metadata (in a GeoPackage, in the zip, beside a GeoJSON) says
    it is a part; a replace refuses it, and an upsert takes it."""
    artefact = run_export(district, build_request(["hydrants"], fmt, **selection), tmp_path)
    before, version = features(district, "hydrants"), versions(district)["hydrants"]
    with pytest.raises(InvalidInput) as refused:
        load_file(district, "hydrants", artefact.path)
    assert str(refused.value) == (
        f"{artefact.path.name} is an urbanmap export of {part} only: replacing hydrants with "
        "it would delete every feature outside it. Load it with --mode upsert, or --mode "
        "update to take only its attributes.")
    assert features(district, "hydrants") == before
    exported_count = artefact.metadata["layers"][0]["features"]
    assert 0 < exported_count < len(before)
    report = load_file(district, "hydrants", artefact.path, mode="upsert")
    assert (report.inserted, report.updated, report.deleted, report.unchanged) == (
        0, 0, 0, exported_count)
    assert versions(district)["hydrants"] == version


@pytest.mark.parametrize("fmt", ["geojson", "fgb", "kml", "parquet"])
def test_an_export_of_part_downloaded_alone_says_so_itself(district: Engine, tmp_path: Path,
                                                            fmt: str) -> None:
    """Over HTTP the file comes alone, its metadata at another URL: a GeoJSON or FlatGeobuf
    names the part in its layer's description, a KML in its document's, a GeoParquet in its
    key-value metadata."""
    url = district.url.render_as_string(hide_password=False)
    with TestClient(create_app(Settings(database_url=url))) as client:
        answer = client.get("/export", params={"layers": "hydrants", "format": fmt,
                                               "ward": "Tân Phong"})
    assert answer.status_code == 200, answer.text
    path = tmp_path / f"tan_phong.{fmt}"
    path.write_bytes(answer.content)
    before = features(district, "hydrants")
    with pytest.raises(InvalidInput, match=r"tan_phong\.\w+ is an urbanmap export of the "
                                           "hydrants over Phường Tân Phong only"):
        load_file(district, "hydrants", path)
    assert features(district, "hydrants") == before


def test_an_edit_in_an_export_comes_back_as_an_update_of_that_feature(
        district: Engine, tmp_path: Path) -> None:
    path, _ = exported(district, "hydrants", "gpkg", "wgs84", tmp_path)
    frame = pyogrio.read_dataframe(path, layer="hydrants")
    edited = frame.index[frame["status"] == "working"][0]
    frame.loc[edited, "status"] = "out_of_service"
    frame.loc[edited, "geometry"] = frame.geometry[edited].buffer(0.0001).centroid  # ~ no move
    frame = frame.drop(index=frame.index[-1])  # and one taken out
    pyogrio.write_dataframe(frame, tmp_path / "returned.gpkg", layer="hydrants")
    before = features(district, "hydrants")

    report = load_file(district, "hydrants", tmp_path / "returned.gpkg")
    assert (report.inserted, report.updated, report.deleted) == (0, 1, 1)
    after = features(district, "hydrants")
    source_id = frame.loc[edited, "source_id"]
    assert after[source_id] == before[source_id]  # the same feature, updated in place
    with district.connect() as conn:
        assert conn.execute(text("SELECT status FROM hydrants WHERE source_id = :id"),
                            {"id": source_id}).scalar_one() == "out_of_service"
