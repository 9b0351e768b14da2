"""A load that fills an empty layer goes straight into its table and builds its indexes after
(the bulk path, `loaders.indexes`): the result is the same table, the same schema, the same
verdicts on each feature and the same atomicity as a publish through staging."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from hydrant_files import DECLARED, index_names
from sqlalchemy import Engine, event, text

from geo.migrations_filter import include_object
from geo.schema import metadata
from loaders import files, indexes
from loaders.files import load_file

LON, LAT = 106.7200, 10.7400  # Tân Phong, District 7


def hydrants(path: Path, codes: list[str]) -> Path:
    features = [{"type": "Feature", "properties": {"code": code, "status": "working"},
                 "geometry": {"type": "Point", "coordinates": [LON + i * 0.001, LAT]}}
                for i, code in enumerate(codes)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def scalar(engine: Engine, sql: str):
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def fid_is_the_key(engine: Engine) -> bool:
    """hydrants_pkey is the primary key, not only a unique index of that name."""
    return scalar(engine, "SELECT contype FROM pg_constraint WHERE conname = 'hydrants_pkey'") \
        == "p"


def test_filling_an_empty_layer_rebuilds_the_declared_indexes(migrated_engine: Engine,
                                                               tmp_path: Path) -> None:
    report = load_file(migrated_engine, "hydrants", hydrants(tmp_path / "h.geojson",
                                                             ["H1", "H2", "H3"]))
    assert report.inserted == 3
    assert index_names(migrated_engine) == DECLARED and fid_is_the_key(migrated_engine)
    with migrated_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object,
                                                      "compare_type": True})
        assert compare_metadata(context, metadata) == []
    # The rebuilt indexes answer queries: a unique violation proves the source-id index.
    with pytest.raises(Exception, match="ix_hydrants_source_id"), \
            migrated_engine.begin() as conn:
        conn.execute(text("INSERT INTO hydrants (geom, code, status, source_id) "
                          "SELECT geom, code, status, source_id FROM hydrants LIMIT 1"))


def test_the_unique_index_is_the_repeat_check_when_no_source_id_repeats(
        migrated_engine: Engine, tmp_path: Path) -> None:
    seen = statements(migrated_engine)
    report = load_file(migrated_engine, "hydrants", hydrants(tmp_path / "h.geojson",
                                                             ["H1", "H2", "H3"]))
    assert report.inserted == 3 and not report.rejected
    assert not any("count(DISTINCT" in s for s in seen)  # no second sort of every id
    assert sum(s.startswith("CREATE UNIQUE INDEX ix_hydrants_source_id") for s in seen) == 1


def test_a_repeated_source_id_is_refused_and_the_unique_index_built_after(
        migrated_engine: Engine, tmp_path: Path) -> None:
    seen = statements(migrated_engine)
    path = write(tmp_path / "h.geojson", [hydrant("H1", 0, id_="A"), hydrant("H2", 0.001),
                                         hydrant("H3", 0.002, id_="A")])
    report = load_file(migrated_engine, "hydrants", path)
    assert dict(report.rejected) == {"duplicate source id in the file": 1}
    assert report.inserted == 2
    assert sorted(r[1] for r in stored(migrated_engine, "hydrants", COLUMNS["hydrants"])) == \
        ["H1", "H2"]
    # Tried once (refused by the repeat, rolled back to its savepoint), built once after.
    assert sum(s.startswith("CREATE UNIQUE INDEX ix_hydrants_source_id") for s in seen) == 2
    assert index_names(migrated_engine) == DECLARED and fid_is_the_key(migrated_engine)


def test_a_bulk_dry_run_leaves_the_indexes_and_no_rows(migrated_engine: Engine,
                                                        tmp_path: Path) -> None:
    report = load_file(migrated_engine, "hydrants",
                       hydrants(tmp_path / "h.geojson", ["H1", "H2", "H3"]), dry_run=True)
    assert report.inserted == 3
    assert index_names(migrated_engine) == DECLARED
    assert scalar(migrated_engine, "SELECT count(*) FROM hydrants") == 0


def test_replacing_every_feature_deletes_them_and_keeps_counting_fids(
        migrated_engine: Engine, tmp_path: Path) -> None:
    """A DELETE, not a TRUNCATE, which would make the layer's readers wait for the load
    (test_load_readers.py); the indexes stay and fids go on from the last one."""
    load_file(migrated_engine, "hydrants", hydrants(tmp_path / "a.geojson", ["A1", "A2"]))
    first_max = scalar(migrated_engine, "SELECT max(fid) FROM hydrants")
    seen = statements(migrated_engine)
    report = load_file(migrated_engine, "hydrants",
                       hydrants(tmp_path / "b.geojson", ["B1", "B2", "B3"]))
    assert (report.deleted, report.inserted) == (2, 3)
    assert any(s.startswith("DELETE FROM hydrants") for s in seen)
    assert not any(s.startswith(("TRUNCATE", "DROP INDEX")) for s in seen)
    assert scalar(migrated_engine, "SELECT string_agg(code, ',' ORDER BY code) FROM hydrants") \
        == "B1,B2,B3"
    assert scalar(migrated_engine, "SELECT min(fid) FROM hydrants") > first_max
    assert index_names(migrated_engine) == DECLARED


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_failed_load_into_an_empty_layer_gets_its_indexes_back(
        migrated_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        dry_run: bool) -> None:
    """The indexes were dropped in a transaction of their own, committed: the rollback of
    the load does not bring them back, `loaders.indexes.restore` does."""
    def lost_while_building(conn, table, unique=None):
        raise RuntimeError("connection lost while building indexes")

    monkeypatch.setattr(indexes, "build", lost_while_building)
    with pytest.raises(RuntimeError, match="building indexes"):
        load_file(migrated_engine, "hydrants", hydrants(tmp_path / "a.geojson", ["A1", "A2"]),
                  dry_run=dry_run)
    assert scalar(migrated_engine, "SELECT count(*) FROM hydrants") == 0
    assert index_names(migrated_engine) == DECLARED and fid_is_the_key(migrated_engine)


def test_an_empty_layer_left_without_indexes_gets_them_from_the_next_load(
        migrated_engine: Engine, tmp_path: Path) -> None:
    """What a load killed after dropping them leaves."""
    with migrated_engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_hydrants_geom; DROP INDEX ix_hydrants_source_id; "
                          "ALTER TABLE hydrants DROP CONSTRAINT hydrants_pkey"))
    load_file(migrated_engine, "hydrants", hydrants(tmp_path / "a.geojson", ["A1", "A2"]))
    assert index_names(migrated_engine) == DECLARED and fid_is_the_key(migrated_engine)


def test_a_load_into_an_empty_layer_a_reader_holds_keeps_its_indexes(
        migrated_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A client idle in a transaction that read the layer: the load does not wait for it
    (beyond WAIT_FOR_READERS) and goes through staging, indexes kept."""
    monkeypatch.setattr(indexes, "WAIT_FOR_READERS", "100ms")
    seen = statements(migrated_engine)
    with migrated_engine.connect() as reader:
        reader.execute(text("SELECT count(*) FROM hydrants"))  # and holds the table
        report = load_file(migrated_engine, "hydrants",
                           hydrants(tmp_path / "a.geojson", ["A1", "A2"]))
    assert report.inserted == 2
    assert any("CREATE TEMPORARY TABLE staging_" in s for s in seen)
    assert index_names(migrated_engine) == DECLARED


# -- straight into an empty layer: the same verdicts as through staging --------------------

def statements(engine: Engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *args: seen.append(statement))
    return seen


def hydrant(code: str | None, dx: float, status: str = "working", id_: str | None = None):
    properties = {"code": code, "status": status, **({"id": id_} if id_ else {})}
    return {"type": "Feature", "properties": properties,
            "geometry": {"type": "Point", "coordinates": [LON + dx, LAT]}}


def write(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def stored(engine: Engine, table: str, columns: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            f"SELECT {columns} FROM {table} WHERE source_id <> 'KEEP' ORDER BY source_id"))]


def load_both_ways(engine: Engine, layer: str, path: Path, keep: dict):
    """`path` into the empty layer, then again through staging (beside a feature the file
    does not have, loaded first and kept by upsert): the two reports and what each stored."""
    from geo.schema import LAYER_TABLES

    seen = statements(engine)
    straight = load_file(engine, layer, path, mode="upsert")
    assert not any("CREATE TEMPORARY TABLE" in s for s in seen)  # no staging table
    straight_rows = stored(engine, layer, COLUMNS[layer])
    with engine.begin() as conn:
        conn.execute(LAYER_TABLES[layer].delete())
    load_file(engine, layer, write(path.with_name("keep.geojson"), [keep]))
    seen.clear()
    staged = load_file(engine, layer, path, mode="upsert")
    assert any("CREATE TEMPORARY TABLE staging_" in s for s in seen)
    return straight, straight_rows, staged, stored(engine, layer, COLUMNS[layer])


COLUMNS = {"hydrants": "source_id, code, status, ST_AsText(geom, 2)",
           "planning_zones": "source_id, land_use_code, ST_AsText(geom, 1), round(area_m2)"}


def test_a_load_into_an_empty_layer_refuses_and_keeps_what_staging_would(
        migrated_engine: Engine, tmp_path: Path) -> None:
    features = [
        hydrant("OK1", 0), hydrant("NEAR", 0.000005),       # 0.5 m from OK1
        hydrant(None, 0.003), hydrant("BAD", 0.004, status="broken-ish"),
        hydrant("A1", 0.006, id_="A"), hydrant("A2", 0.007, id_="A"),  # one source id twice
        hydrant("OK2", 0.005)]
    keep = hydrant("KEPT", 0.009, id_="KEEP")
    straight, straight_rows, staged, staged_rows = load_both_ways(
        migrated_engine, "hydrants", write(tmp_path / "h.geojson", features), keep)
    assert dict(straight.rejected) == dict(staged.rejected) == {
        "within 1 m of another fire hydrant": 1, "missing code": 1,
        "status not one of working, out_of_service": 1, "duplicate source id in the file": 1}
    assert straight.examples == staged.examples
    # Its id is blank: it goes by its code.
    assert straight.examples["status not one of working, out_of_service"] == ["BAD: broken-ish"]
    assert straight.inserted == staged.inserted == 3
    # In source id order: "A", then OK1 and OK2 by their codes.
    assert straight_rows == staged_rows and [r[1] for r in straight_rows] == ["A1", "OK1", "OK2"]


def test_polygons_into_an_empty_layer_are_repaired_as_through_staging(
        migrated_engine: Engine, tmp_path: Path) -> None:
    def zone(id_: str, ring: list[tuple[float, float]]) -> dict:
        return {"type": "Feature", "properties": {"id": id_, "land_use_code": "ODT"},
                "geometry": {"type": "Polygon",
                             "coordinates": [[[LON + x, LAT + y] for x, y in ring]]}}

    square = [(0, 0), (.001, 0), (.001, .001), (0, .001), (0, 0)]
    bowtie = [(0, 0), (.001, .001), (.001, 0), (0, .001), (0, 0)]
    line_like = [(0, 0), (.001, 0), (0, 0), (0, 0)]
    features = [zone("Z1", square), zone("Z2", bowtie), zone("Z3", line_like)]
    keep = zone("KEEP", [(x + .01, y) for x, y in square])
    straight, straight_rows, staged, staged_rows = load_both_ways(
        migrated_engine, "planning_zones", write(tmp_path / "z.geojson", features), keep)
    assert straight.repaired == staged.repaired == 2
    assert dict(straight.rejected) == dict(staged.rejected) == {
        "invalid geometry that could not be repaired": 1}
    assert straight.inserted == staged.inserted == 2
    assert straight_rows == staged_rows
    assert [r[2][:15] for r in straight_rows] == ["MULTIPOLYGON((("] * 2


def test_a_geometry_the_layer_cannot_take_moves_the_load_to_staging_midway(
        migrated_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of two: the first goes into the layer; the polygon in the second sends the
    load to staging, which must take the first chunk along in its file order."""
    monkeypatch.setattr(files, "BATCH_ROWS", 2)
    polygon = {"type": "Feature", "properties": {"code": "P", "status": "working"},
               "geometry": {"type": "Polygon", "coordinates": [[[LON, LAT], [LON + .001, LAT],
                                                                [LON, LAT + .001], [LON, LAT]]]}}
    features = [hydrant("H1", 0, id_="A"), hydrant("H2", 0.001), hydrant("H3", 0.002), polygon,
                hydrant("H4", 0.003, id_="A"), hydrant("H5", 0.004)]  # A again: H4 refused
    seen = statements(migrated_engine)
    report = load_file(migrated_engine, "hydrants", write(tmp_path / "h.geojson", features))
    assert any("CREATE TEMPORARY TABLE staging_" in s for s in seen)
    assert dict(report.rejected) == {"not a Point (fire hydrants layer)": 1,
                                     "duplicate source id in the file": 1}
    assert report.examples["duplicate source id in the file"] == ["A"]
    assert report.inserted == 4
    assert sorted(r[1] for r in stored(migrated_engine, "hydrants", COLUMNS["hydrants"])) == \
        ["H1", "H2", "H3", "H5"]
    assert index_names(migrated_engine) == DECLARED
