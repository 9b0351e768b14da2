"""A load never keeps the map waiting. Until it commits, whoever reads the layer it writes
(a tile, an items page, the layer list's feature counts) gets the previous data at once:
an empty layer being filled, a layer updated feature by feature, or one replaced by a file
with no feature in common. Only PostgreSQL's ACCESS EXCLUSIVE lock (DROP INDEX, TRUNCATE)
would make a reader wait, so a load takes it on no table a reader can see data in."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hydrant_files import DECLARED, LAT, LON, feature, hydrant, index_names, write_geojson
from sqlalchemy import Connection, Engine, text

from geo.catalog import layer_states
from layers import get_layer
from loaders.files import load_file
from loaders.pipeline import Progress

READERS_WAIT_AT_MOST = "2s"  # far longer than any read of a few hydrants takes


def read_while_loading(engine: Engine, path: Path, read: Callable[[Connection], object],
                       **load_options) -> object:
    """`read` on its own connection while a load of hydrants from `path` has done all its
    work and holds every lock it took (it is recomputing the fire overlays, just before its
    commit); the load then commits."""
    holding, finish = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def hold(step: str) -> None:
        if step.startswith("recomputing risk overlays"):
            holding.set()
            finish.wait(30)

    def load() -> None:
        try:
            load_file(engine, "hydrants", path, progress=Progress(step=hold), **load_options)
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            failure.append(exc)
            holding.set()

    loader = threading.Thread(target=load)
    loader.start()
    try:
        assert holding.wait(30), "the load never reached its last step (nothing changed?)"
        assert not failure, failure
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SET lock_timeout = '{READERS_WAIT_AT_MOST}'")
            return read(conn)
    finally:
        finish.set()
        loader.join(30)
        assert not failure, failure


def codes(conn: Connection) -> list[str]:
    return list(conn.execute(text("SELECT code FROM hydrants ORDER BY code")).scalars())


def hydrant_count(conn: Connection) -> int:
    """What the layer list (/collections) shows for hydrants."""
    return next(s.features for s in layer_states(conn, [get_layer("hydrants")]))


def test_an_empty_layer_being_filled_reads_as_empty(migrated_engine: Engine,
                                                     tmp_path: Path) -> None:
    path = write_geojson(tmp_path / "h.geojson", [hydrant("H1"), hydrant("H2", 0.001)])
    assert read_while_loading(migrated_engine, path, hydrant_count) == 0
    with migrated_engine.connect() as conn:
        assert codes(conn) == ["H1", "H2"]
    assert index_names(migrated_engine) == DECLARED


def test_a_layer_replaced_by_a_file_with_nothing_in_common_reads_as_before(
        loaded: Engine, tmp_path: Path) -> None:
    other = write_geojson(tmp_path / "other.geojson",
                          [hydrant("B1"), hydrant("B2", 0.001), hydrant("B3", 0.002)])
    assert read_while_loading(loaded, other, codes) == ["H1", "H2", "H3"]
    with loaded.connect() as conn:
        assert codes(conn) == ["B1", "B2", "B3"]
    assert index_names(loaded) == DECLARED


def test_a_layer_updated_feature_by_feature_reads_as_before(loaded: Engine,
                                                            tmp_path: Path) -> None:
    changed = write_geojson(tmp_path / "changed.geojson",
                            [hydrant("H1"), hydrant("H2", 0.001), hydrant("H4", 0.003)])
    assert read_while_loading(loaded, changed, hydrant_count) == 3
    with loaded.connect() as conn:
        assert codes(conn) == ["H1", "H2", "H4"]


def test_an_empty_layer_whose_load_moves_to_staging_midway_reads_as_empty(
        migrated_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from loaders import files

    monkeypatch.setattr(files, "BATCH_ROWS", 2)  # the polygon comes in the second chunk
    polygon = feature({"code": "P", "status": "working"}, {"type": "Polygon", "coordinates": [
        [[LON, LAT], [LON + .001, LAT], [LON, LAT + .001], [LON, LAT]]]})
    features = [hydrant("H1"), hydrant("H2", 0.001), polygon]
    path = write_geojson(tmp_path / "h.geojson", features)
    assert read_while_loading(migrated_engine, path, codes) == []
    with migrated_engine.connect() as conn:
        assert codes(conn) == ["H1", "H2"]
    assert index_names(migrated_engine) == DECLARED
