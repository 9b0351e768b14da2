"""A load that fills an empty layer builds its indexes after inserting (the bulk path): the
result is the same table, the same schema, and the same atomicity as a row-by-row publish."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from geo.migrations_filter import include_object
from geo.schema import metadata
from loaders import pipeline
from loaders.files import load_file

LON, LAT = 106.7200, 10.7400  # Tân Phong, District 7


@pytest.fixture(autouse=True)
def bulk_from_two_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bulk path starts at 50,000 features; the tests use a handful."""
    monkeypatch.setattr(pipeline, "BULK_ROWS", 2)


def hydrants(path: Path, codes: list[str]) -> Path:
    features = [{"type": "Feature", "properties": {"code": code, "status": "working"},
                 "geometry": {"type": "Point", "coordinates": [LON + i * 0.001, LAT]}}
                for i, code in enumerate(codes)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def scalar(engine: Engine, sql: str):
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def index_names(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'hydrants'")).scalars())


DECLARED = ["hydrants_pkey", "ix_hydrants_geom", "ix_hydrants_geom_3857",
            "ix_hydrants_source_id"]


def test_filling_an_empty_layer_rebuilds_the_declared_indexes(migrated_engine: Engine,
                                                               tmp_path: Path) -> None:
    report = load_file(migrated_engine, "hydrants", hydrants(tmp_path / "h.geojson",
                                                             ["H1", "H2", "H3"]))
    assert report.inserted == 3
    assert index_names(migrated_engine) == DECLARED
    with migrated_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object,
                                                      "compare_type": True})
        assert compare_metadata(context, metadata) == []
    # The rebuilt indexes answer queries: a unique violation proves the source-id index.
    with pytest.raises(Exception, match="ix_hydrants_source_id"), \
            migrated_engine.begin() as conn:
        conn.execute(text("INSERT INTO hydrants (geom, code, status, source_id) "
                          "SELECT geom, code, status, source_id FROM hydrants LIMIT 1"))


def test_a_bulk_dry_run_leaves_the_indexes_and_no_rows(migrated_engine: Engine,
                                                        tmp_path: Path) -> None:
    report = load_file(migrated_engine, "hydrants",
                       hydrants(tmp_path / "h.geojson", ["H1", "H2", "H3"]), dry_run=True)
    assert report.inserted == 3
    assert index_names(migrated_engine) == DECLARED
    assert scalar(migrated_engine, "SELECT count(*) FROM hydrants") == 0


def test_replacing_every_feature_truncates_and_keeps_counting_fids(migrated_engine: Engine,
                                                                    tmp_path: Path) -> None:
    load_file(migrated_engine, "hydrants", hydrants(tmp_path / "a.geojson", ["A1", "A2"]))
    first_max = scalar(migrated_engine, "SELECT max(fid) FROM hydrants")
    report = load_file(migrated_engine, "hydrants",
                       hydrants(tmp_path / "b.geojson", ["B1", "B2", "B3"]))
    assert (report.deleted, report.inserted) == (2, 3)
    assert scalar(migrated_engine, "SELECT string_agg(code, ',' ORDER BY code) FROM hydrants") \
        == "B1,B2,B3"
    assert scalar(migrated_engine, "SELECT min(fid) FROM hydrants") > first_max
    assert index_names(migrated_engine) == DECLARED


def test_a_failed_bulk_load_leaves_the_previous_layer(migrated_engine: Engine,
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    load_file(migrated_engine, "hydrants", hydrants(tmp_path / "a.geojson", ["A1", "A2"]))

    def fail_with_the_indexes_dropped(conn, table):  # and the old rows truncated
        with original(conn, table):
            raise RuntimeError("connection lost while building indexes")

    original = pipeline.indexes_built_after
    monkeypatch.setattr(pipeline, "indexes_built_after", fail_with_the_indexes_dropped)
    with pytest.raises(RuntimeError, match="building indexes"):
        load_file(migrated_engine, "hydrants", hydrants(tmp_path / "b.geojson", ["B1", "B2"]))
    assert scalar(migrated_engine, "SELECT string_agg(code, ',' ORDER BY code) FROM hydrants") \
        == "A1,A2"
    assert index_names(migrated_engine) == DECLARED
