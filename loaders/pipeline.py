"""The load pipeline every source shares: chunks → staging (COPY) → validate → publish.

A source (files, osm) yields chunks: a DataFrame whose columns are the layer's field names
plus `source_id`, and the matching geometries already in the storage SRID. This module casts
values to the fields' types (`loaders.values`), COPYs each chunk into a temporary staging table,
validates there, and publishes in the same transaction. A load into an empty layer has
nothing to match: it COPYs into the layer's table itself and validates there (see `_copy`),
with the layer's indexes built once the rows are in (`loaders.indexes`).

- replace: the layer becomes the file. Features are matched on source id, so unchanged
  ones keep their fid and loading the same file twice changes nothing. Features absent
  from the file are deleted; a feature the file holds but that fails validation keeps its
  previous version rather than vanishing. A field the file has no column for keeps the
  values it has (a file of ward boundaries leaves the populations the statistics office
  gave): a value is changed by a file that says it, blank included.
- upsert: update features the file has, insert new ones, leave the rest.
- append: insert; a source id already in the layer is refused (use upsert).

Until the transaction commits readers see the previous data, at once: a load takes no lock
that makes them wait (no TRUNCATE, no DROP INDEX of a layer in its transaction). A failed or
interrupted load (bad file, killed process, lost connection) is rolled back by PostgreSQL as
a whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Literal

import pandas as pd
import psycopg2
import pyarrow as pa
from psycopg2.errors import InternalError_, ProgramLimitExceeded, UniqueViolation
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Table,
    and_,
    exists,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from geo import risk
from geo.catalog import bump_version, changed_layers
from geo.errors import InvalidInput
from geo.queries import sql_file
from geo.schema import LAYER_TABLES
from layers import LayerSpec
from loaders import indexes
from loaders.geometry import layer_wkb
from loaders.history import record_load
from loaders.prefetch import prefetched
from loaders.report import LoadReport
from loaders.staging import (
    CopyChunk,
    arrow_rows,
    copy_chunk,
    copy_rows,
    layer_rows,
    matches_table,
    staging_table,
)
from loaders.validate import MAX_ID_LENGTH, Checked, reject_where, validate
from loaders.values import LeftOut, typed_chunk

LoadMode = Literal["replace", "upsert", "append"]
LOAD_MODES: tuple[LoadMode, ...] = ("replace", "upsert", "append")
SAME_POSITION_M = 0.001  # a geometry whose coordinates all move less is unchanged (_differs)
Chunk = tuple[pd.DataFrame, pa.BinaryArray | None]  # geometries: WKB in the storage SRID


def _say_nothing(_) -> None:
    pass


@dataclass(frozen=True)
class Progress:
    """What a load tells whoever waits for it (the command line's bar). Once every feature
    is in, a large load still checks them, builds indexes and recomputes risk overlays for
    seconds: `step` names each, so a bar that stopped moving does not look stuck."""

    expect: Callable[[int | None], None] = _say_nothing  # features in the source, if known
    read: Callable[[int], None] = _say_nothing  # this many more features are in
    step: Callable[[str], None] = _say_nothing  # what the load does now


QUIET = Progress()


# -- the load --------------------------------------------------------------------------

@contextmanager
def load_transaction(engine: Engine, dry_run: bool = False,
                     progress: Progress = QUIET) -> Iterator[Connection]:
    """One transaction for a whole load, committed at the end, or rolled back for a dry run.

    The risk overlays computed from the layers the load changed are recomputed in the
    same transaction, so no reader sees new data with an old overlay; then its loads are
    recorded, the first with what the overlays left out of the data (a ward report naming
    no ward).
    """
    unindexed: set[str] = set()
    try:
        with engine.connect() as conn:
            unindexed = indexes.unindexed(conn)
            unindexed.clear()
            changed_layers(conn).clear()
            _to_record(conn).clear()
            with _committed_unless(conn, dry_run, progress):
                yield conn
    finally:
        if unindexed:  # a rollback took back the indexes the load built, or it built none
            indexes.restore(engine, unindexed)


def _to_record(conn: Connection) -> list[LoadReport]:
    """The reports of the transaction's finished loads, recorded when it ends."""
    return conn.info.setdefault("urbanmap_loads_to_record", [])


@contextmanager
def _committed_unless(conn: Connection, dry_run: bool, progress: Progress) -> Iterator[None]:
    transaction = conn.begin()
    # Memory for this transaction only (loads are few, one per layer at a time): to hash a
    # million features of the layer against the file's in memory, not in batches on disk
    # (about 250 MB of hash table, within twice work_mem), and to build indexes in one sort.
    conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    try:
        yield
        if not dry_run:
            models = risk.affected_by(changed_layers(conn))
            if models:
                progress.step("recomputing risk overlays: " + ", ".join(m.id for m in models))
            runs = risk.refresh(conn)
            reports = _to_record(conn)
            if reports:  # said once, with the first layer loaded
                reports[0].notes += [run.left_out for run in runs if run.left_out]
            for report in reports:
                record_load(conn, report)
            indexes.key_back(conn)
    except BaseException as exc:
        transaction.rollback()
        refused = _refused_value(exc)
        if refused:
            raise InvalidInput(f"PostgreSQL refused a value of the file: {refused.rstrip('.')}. "
                               "Nothing was loaded.") from None
        raise
    if dry_run:
        transaction.rollback()
    else:
        transaction.commit()


class NothingAccepted(InvalidInput):
    """A replace whose every feature was refused: the layer is kept as it was."""


def _refused_value(exc: BaseException) -> str | None:
    """What PostgreSQL said, when it refused a value (a data exception, SQLSTATE class 22,
    or a value beyond a limit, class 54), or PostGIS a geometry as COPY read it (it says so
    with an internal error, XX000).

    Validation and typing exist so that this does not happen; should a value still get
    through that the database will not store, the person loading learns which, not a
    traceback. Raised by COPY (psycopg2's own error) or by a statement (wrapped by
    SQLAlchemy).
    """
    error = getattr(exc, "orig", exc)
    refused = isinstance(error, psycopg2.DataError | ProgramLimitExceeded) or (
        isinstance(error, InternalError_) and "column geom" in (error.diag.context or ""))
    return error.diag.message_primary if refused and error.diag.message_primary else None


def load_chunks(engine: Engine, spec: LayerSpec, chunks: Iterable[Chunk], report: LoadReport,
                mode: LoadMode = "replace", progress: Progress = QUIET) -> LoadReport:
    """Stage, validate and publish `chunks` into the layer in one transaction."""
    with load_transaction(engine, report.dry_run, progress) as conn:
        return stage_and_publish(conn, spec, chunks, report, mode, progress)


def stage_and_publish(conn: Connection, spec: LayerSpec, chunks: Iterable[Chunk],
                      report: LoadReport, mode: LoadMode = "replace",
                      progress: Progress = QUIET) -> LoadReport:
    """The load's work inside the caller's transaction (several layers may share one)."""
    refuse_overlay(spec)
    take_turns(conn, spec)
    target = LAYER_TABLES[spec.id]
    checked, present = _copy(conn, spec, target, chunks, report, progress)
    if checked.in_layer:
        _check_in_layer(conn, spec, checked, report, _district(conn, spec), progress)
    else:
        progress.step(f"checking {report.read:,} features")
        validate(conn, spec, checked, report, _district(conn, spec))
        _publish(conn, spec, checked.table, present, mode, report, progress)
    return finished(conn, spec, report)


def refuse_overlay(spec: LayerSpec) -> None:
    """A risk overlay is computed from other layers, never loaded."""
    if spec.is_overlay:
        raise InvalidInput(f"{spec.id} is a risk overlay: `urbanmap risk compute "
                           f"{spec.computed_by}` computes it from other layers; load those.")


def take_turns(conn: Connection, spec: LayerSpec) -> None:
    """Wait for any other load of the layer to end: two at once would each replace the
    other's rows."""
    conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"urbanmap:{spec.id}"))))


def finished(conn: Connection, spec: LayerSpec, report: LoadReport) -> LoadReport:
    """A load's end in its transaction: a new data version if it changed the layer, and the
    report to record when the transaction ends."""
    if report.changed and not report.dry_run:
        report.data_version = bump_version(conn, spec.id)
    if not report.dry_run:
        _to_record(conn).append(report)
    return report


def _copy(conn: Connection, spec: LayerSpec, target: Table, chunks: Iterable[Chunk],
          report: LoadReport, progress: Progress) -> tuple[Checked, list[str]]:
    """COPY the chunks in, and say where they went and which fields the source has.

    Into an empty layer the rows go straight into its table (no match to make, nothing to
    keep), its indexes off until they are in: that spares writing every feature twice, to
    staging and then to the layer. Rows whose geometry the layer's column would not take as
    it is (missing, empty, 3D, another type) need the staging table, where validation says
    what is wrong with them: from the first such chunk on, the load goes to staging, taking
    along what the layer has so far.
    """
    present: set[str] = set()
    left_out = LeftOut()
    staging = staging_table(spec)
    # An empty layer whose indexes could not be dropped goes through staging: straight in,
    # a repeated source id would meet the unique index before validation could refuse it.
    into_layer = indexes.unindexed_while_empty(conn, target)

    def prepared() -> Iterator[CopyChunk]:
        first_row, fits = 0, into_layer
        for attributes, geometries in chunks:
            typed = typed_chunk(spec, attributes, left_out)
            present.update(set(typed.columns) - {"source_id"})
            fitted = geometries
            if fits and spec.is_spatial:
                fitted = layer_wkb(geometries, spec.geometry)  # type: ignore[arg-type]
                fits = fitted is not None
            # A missing or overlong id is for validation to refuse, in staging: straight
            # into the layer it would meet the unique index first.
            ids = typed["source_id"]
            fits = fits and bool(ids.notna().all()) and ids.str.len().max() <= MAX_ID_LENGTH
            if fits:
                yield copy_chunk(target, layer_rows(spec, typed, fitted, report.source_file))
            else:
                yield copy_chunk(staging, arrow_rows(spec, typed, geometries, first_row))
            first_row += len(typed)

    in_layer = 0
    staged = not into_layer
    if staged:
        staging.create(conn)
    # The next chunk is read and encoded while PostgreSQL stores this one.
    for chunk in prefetched(prepared()):
        if chunk.table is staging and not staged:
            staging.create(conn)
            _move_to_staging(conn, spec, target, staging, in_layer)
            staged = True
        copy_rows(conn, chunk)
        in_layer += chunk.rows if chunk.table is target else 0
        report.read += chunk.rows
        progress.read(chunk.rows)
    report.notes += left_out.notes()
    if staged:  # a temporary table is never analyzed by autovacuum; without statistics the
        # planner takes staging for a few thousand rows and matches a million by index
        conn.exec_driver_sql(f'ANALYZE "{staging.name}"')
    fields = [f.name for f in spec.fields if f.name in present]
    return (Checked(staging) if staged else Checked(target, in_layer=True)), fields


def _move_to_staging(conn: Connection, spec: LayerSpec, target: Table, staging: Table,
                     rows: int) -> None:
    """The rows copied into the layer so far, into staging in their file order, and the
    layer as it was: empty (its indexes are built once `_publish` has filled it)."""
    if rows:
        columns = (["geom"] if spec.is_spatial else []) + [f.name for f in spec.fields]
        conn.execute(insert(staging).from_select(
            ["row_no", *columns, "source_id"],
            select(func.row_number().over(order_by=target.c.fid) - 1,
                   *(target.c[name] for name in columns), target.c.source_id)))
        conn.execute(target.delete())


def _check_in_layer(conn: Connection, spec: LayerSpec, checked: Checked, report: LoadReport,
                    district, progress: Progress) -> None:
    """Validate rows copied straight into the empty layer; what fails is deleted."""
    table = checked.table
    # The spatial indexes first: the nearness check uses them. Then the unique source id
    # index, which also tells validation whether any id repeats (it mostly does not, and
    # the index is needed anyway); if one does, it is built once validation has removed
    # the repeats it would refuse.
    progress.step("building indexes")
    indexes.build(conn, table, unique=False)
    ids_unique = _built_unique_indexes(conn, table)
    progress.step(f"checking {report.read:,} features")
    validate(conn, spec, replace(checked, ids_unique=ids_unique), report, district)
    if not ids_unique:
        indexes.build(conn, table, unique=True)
    report.inserted = report.read - report.rejected_total


def _district(conn: Connection, spec: LayerSpec):
    if spec.id == "wards" or not spec.is_spatial:
        return None
    outline = conn.execute(sql_file("district_outline")).scalar()
    return func.ST_GeomFromEWKB(literal(bytes(outline))) if outline else None


def _publish(conn: Connection, spec: LayerSpec, staging: Table, columns: list[str],
             mode: LoadMode, report: LoadReport, progress: Progress = QUIET) -> None:
    target = LAYER_TABLES[spec.id]
    accepted = staging.c.reject.is_(None)
    if mode == "append":
        reject_where(conn, Checked(staging), report, "already in the layer (load with mode "
                     "upsert to update it)", exists().where(
                         target.c.source_id == staging.c.source_id))
    was_empty = _is_empty(conn, target)
    if mode == "replace" and not was_empty and report.read == report.rejected_total > 0:
        # The layer would become nothing: never what a replace with a bad file is for.
        if report.dry_run:
            report.notes.append(f"every feature was refused: a load would leave {spec.id} as "
                                "it is")
            return
        reasons = "; ".join(f"{count} {reason}" for reason, count in report.rejected.items())
        raise NothingAccepted(f"Every feature of {report.source_file} was refused ({reasons}), "
                              f"so replacing {spec.id} with it would empty the layer; it is left "
                              "as it was. --dry-run shows the full report.")
    values = {name: staging.c[name] for name in columns}
    if spec.is_spatial:
        geom = staging.c.geom
        values["geom"] = func.ST_Multi(geom) if spec.geometry != "Point" else geom
    fresh = select(*values.values(), staging.c.source_id, literal(report.source_file)).where(
        accepted)
    known = paired = 0
    if not was_empty and mode != "append":
        progress.step("matching them with the layer's features")
        matches, known, paired = _match(conn, spec, staging, values, absent=mode == "replace")
        kept = [f.name for f in spec.fields if f.name not in columns]
        if kept and known:
            report.notes.append(f"{', '.join(kept)} not in the file: the features kept "
                                "keep their values")
        if known:
            report.updated = conn.execute(
                update(target).where(matches.c.differs, matches.c.fid == target.c.fid,
                                     staging.c.row_no == matches.c.row_no)
                .values(**values, source_file=report.source_file, loaded_at=func.now())
            ).rowcount
        if mode == "replace":
            report.deleted = _delete_absent(conn, target, matches, none_kept=not paired)
        fresh = fresh.where(staging.c.row_no == matches.c.row_no, matches.c.fid.is_(None))
    accepted_rows = report.read - report.rejected_total
    unindexed = target.name in indexes.unindexed(conn)  # a load into the empty layer
    progress.step("writing the changes" + (" and building indexes" if unindexed else ""))
    report.inserted = conn.execute(insert(target).from_select(
        [*values, "source_id", "source_file"], fresh)).rowcount
    if unindexed:
        indexes.build(conn, target)
    report.unchanged = max(accepted_rows - report.inserted - report.updated, 0)


def _match(conn: Connection, spec: LayerSpec, staging: Table, values: dict,
           absent: bool) -> tuple[Table, int, int]:
    """Pair every staged row with the layer's feature of the same source id, in one join,
    and say whether an accepted row changes it; with `absent`, also list the layer's
    features the file lacks (a pair with no row). Returns the pairs, how many accepted
    rows have a feature, and how many rows do (refused ones keep theirs as it was).

    Written before the layer changes, so the INSERT of new features looks them up here, not
    in the layer it is writing (once autovacuum has seen the layer empty, that plan rescans
    its own new rows for every row: quadratic). A narrow table of pairs, rather than a mark
    on every staged row: that UPDATE rewrote the whole staging table, twice as slow. The
    features to delete come out of the same join instead of a second one.
    """
    target = LAYER_TABLES[spec.id]
    matches = matches_table(spec)
    matches.create(conn)
    # A feature the file lacks pairs with no row, whose reject is null too.
    accepted = and_(staging.c.row_no.is_not(None), staging.c.reject.is_(None))
    differs = or_(*(_differs(target.c[name], value) for name, value in values.items()))
    found = target.c.fid.is_not(None)
    pairs = staging.outerjoin(target, target.c.source_id == staging.c.source_id, full=absent)
    conn.execute(insert(matches).from_select(
        ["row_no", "fid", "accepted", "differs"],
        select(staging.c.row_no, target.c.fid, accepted, and_(accepted, found, differs))
        .select_from(pairs)))
    conn.exec_driver_sql(f'ANALYZE "{matches.name}"')  # see _copy: no autovacuum here
    in_both = and_(matches.c.row_no.is_not(None), matches.c.fid.is_not(None))
    known, paired = conn.execute(select(
        func.count().filter(and_(in_both, matches.c.accepted)),
        func.count().filter(in_both)).select_from(matches)).one()
    return matches, known, paired


def _differs(stored: ColumnElement, new: ColumnElement) -> ColumnElement:
    """Whether a feature's value changes. A geometry changes unless it has the same type and
    vertices, each within SAME_POSITION_M of where it was: a file urbanmap exported in
    degrees or in VN-2000 and is given back differs from the layer by a few hundredths of a
    millimetre, and is no change to write (nor to bump a version for). The exact comparison
    comes first, and decides a file loaded again as it was."""
    exactly = stored.is_distinct_from(new)  # PostGIS's =: type, SRID, every coordinate
    if stored.name != "geom":
        return exactly
    near = and_(func.GeometryType(stored) == func.GeometryType(new),
                func.ST_NPoints(stored) == func.ST_NPoints(new),
                func.ST_HausdorffDistance(stored, new) < SAME_POSITION_M)
    return and_(exactly, not_(func.coalesce(near, False)))


def _delete_absent(conn: Connection, target: Table, matches: Table, none_kept: bool) -> int:
    """Delete the layer's features the file does not have (a feature it has but refused
    keeps its previous version): all of them when none is kept.

    A DELETE, never a TRUNCATE, even of every row: TRUNCATE would make every reader of the
    layer wait until the load commits, where a DELETE lets them read the previous data.
    """
    if none_kept:
        return conn.execute(target.delete()).rowcount
    return conn.execute(target.delete().where(
        target.c.fid == matches.c.fid, matches.c.row_no.is_(None))).rowcount


def _is_empty(conn: Connection, table: Table) -> bool:
    return not conn.execute(select(exists().select_from(table))).scalar_one()


def _built_unique_indexes(conn: Connection, table: Table) -> bool:
    """Build the table's unique indexes, or say that its rows break one (nothing built)."""
    savepoint = conn.begin_nested()
    try:
        indexes.build(conn, table, unique=True)
    except IntegrityError as exc:
        if not isinstance(exc.orig, UniqueViolation):
            raise
        savepoint.rollback()
        return False
    savepoint.commit()
    return True
