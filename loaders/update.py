"""Update mode: set attributes of features the layer already has, from a table that names them.

The fire police's inspection sheet (code, state, date, pressure) or the statistics office's
ward populations name features the registry holds; they have no geometry, and they are not
the whole layer, so neither replace nor upsert fits them. Each row names its features by a
key field (`key_field`): by the exact value first, else folded, so that "q7-tn-001" is the
hydrant "Q7-TN-001" and "P. Tân Thuận Đông" the ward "Phường Tân Thuận Đông". A row sets
the fields the file has on every feature it names (a street's name names all its pieces); a
blank cell, a value that cannot be read, and a field the file lacks leave the stored value
as it is. Geometries are never touched: moving features is upsert's job.

Refused, and counted like any load's refusals: a row with no key, one naming no feature, a
value outside its field's choices, and every row naming a feature another row names too
(which of them is right is for a person to say). The layer's version is bumped, the risk
overlays reading it are recomputed, and the load is recorded, in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Connection,
    Engine,
    MetaData,
    Table,
    and_,
    exists,
    func,
    insert,
    not_,
    or_,
    select,
    update,
)

from geo.errors import InvalidInput
from geo.schema import LAYER_TABLES
from layers import LayerSpec
from layers.spec import Field
from loaders.mapping import ColumnMapping
from loaders.pipeline import (
    QUIET,
    Chunk,
    Progress,
    finished,
    load_transaction,
    refuse_overlay,
    take_turns,
)
from loaders.report import LoadReport
from loaders.staging import arrow_rows, copy_chunk, copy_rows, staging_table
from loaders.validate import Checked, check_choices, reject_where
from loaders.values import LeftOut, typed_chunk

SOURCE_ID = "source_id"
# Tried in this order when no key is named: a layer's own key (a hydrant's painted code),
# a code, the id the features were loaded with, a name.
DEFAULT_KEYS = ("code", SOURCE_ID, "name")


def attributes_only(spec: LayerSpec) -> LayerSpec:
    """The layer read as a table: an update's file need not have geometry, and any it has
    is not read."""
    return replace(spec, geometry=None)


def key_field(spec: LayerSpec, mapping: ColumnMapping, file_name: str,
              named: str | None = None) -> str:
    """The field an update matches features by: `named`, else the first of the layer's
    natural key and DEFAULT_KEYS the file has a column for; refused with a message when
    the file has none."""
    keys = [f.name for f in spec.fields] + [SOURCE_ID]
    if named is not None and named not in keys:
        raise InvalidInput(f"{spec.id} has no field {named!r} to match features by; its "
                           f"fields are: {', '.join(keys)}.")
    has = set(mapping.fields) | ({SOURCE_ID} if mapping.source_id else set())
    own = spec.natural_key if len(spec.natural_key) == 1 else ()  # a key of one field
    wanted = [named] if named else [k for k in (*own, *DEFAULT_KEYS) if k in keys]
    found = next((k for k in dict.fromkeys(wanted) if k in has), None)
    if found is None:
        which = f"column for {named!r}" if named else \
            f"column to match {spec.id} by ({', '.join(dict.fromkeys(wanted))})"
        raise InvalidInput(f"{file_name} has no {which}. Name the column with --map "
                           f"COLUMN={named or wanted[0]}, or pick another field with --key.")
    return found


def update_features(engine: Engine, spec: LayerSpec, chunks: Iterable[Chunk],
                    report: LoadReport, mapping: ColumnMapping, key: str,
                    progress: Progress = QUIET) -> LoadReport:
    """Set the fields the file has on the features its rows name by `key`, in one
    transaction (a dry run reports and rolls back)."""
    fields = [f for f in spec.fields if f.name in mapping.fields and f.name != key]
    if not fields:
        raise InvalidInput(f"{report.source_file} has no column for a field of {spec.id} "
                           f"besides {key}, so there is nothing to update. Its fields: "
                           f"{', '.join(f.name for f in spec.fields)}.")
    refuse_overlay(spec)
    with load_transaction(engine, report.dry_run, progress) as conn:
        take_turns(conn, spec)
        staging = _staged(conn, spec, chunks, report, progress)
        checked = Checked(staging)
        shown = staging.c[key]
        reject_where(conn, checked, report, f"no {key}", shown.is_(None))
        check_choices(conn, spec, checked, report, shown)
        pairs = _pairs(conn, spec, staging, key)
        paired = exists().where(pairs.c.row_no == staging.c.row_no)
        reject_where(conn, checked, report, f"no feature with this {key}", not_(paired), shown)
        other = pairs.alias()
        reject_where(conn, checked, report, "names a feature another row names too",
                     exists().where(pairs.c.row_no == staging.c.row_no,
                                    other.c.fid == pairs.c.fid,
                                    other.c.row_no != pairs.c.row_no), shown)
        progress.step("writing the changes")
        _update(conn, spec, staging, pairs, fields, report)
        return finished(conn, spec, report)


def _staged(conn: Connection, spec: LayerSpec, chunks: Iterable[Chunk], report: LoadReport,
            progress: Progress) -> Table:
    """The file's rows COPYed into a temporary table, their values typed as the fields'."""
    table_spec = attributes_only(spec)
    staging = staging_table(table_spec)
    staging.create(conn)
    left_out = LeftOut()
    for attributes, _ in chunks:
        typed = typed_chunk(spec, attributes, left_out)
        copy_rows(conn, copy_chunk(staging, arrow_rows(table_spec, typed, None, report.read)))
        report.read += len(typed)
        progress.read(len(typed))
    report.notes += left_out.notes("left as it was")
    conn.exec_driver_sql(f'ANALYZE "{staging.name}"')  # no autovacuum for temporary tables
    return staging


def _pairs(conn: Connection, spec: LayerSpec, staging: Table, key: str) -> Table:
    """Each row not refused with each feature it names: by the exact key, else by the key
    folded (`_folded`)."""
    target = LAYER_TABLES[spec.id]
    pairs = Table(f"update_pairs_{spec.id}", MetaData(), Column("row_no", BigInteger),
                  Column("fid", BigInteger), prefixes=["TEMPORARY"],
                  postgresql_on_commit="DROP")
    pairs.create(conn)
    pending = staging.c.reject.is_(None)
    conn.execute(insert(pairs).from_select(["row_no", "fid"], select(
        staging.c.row_no, target.c.fid).where(pending, target.c[key] == staging.c[key])))
    if key == SOURCE_ID or spec.field(key).type == "text":
        folded = _folded(key)
        conn.execute(insert(pairs).from_select(["row_no", "fid"], select(
            staging.c.row_no, target.c.fid).where(
                pending, folded(target.c[key]) == folded(staging.c[key]),
                not_(exists().where(pairs.c.row_no == staging.c.row_no)))))
    conn.exec_driver_sql(f'ANALYZE "{pairs.name}"')
    return pairs


def _folded(key: str):
    """How a key compares when its exact text names nothing. A name as search folds it (no
    case, no diacritics, no "Phường"/"P." or "Đường", no leading zeros); a code or an id
    only without case, diacritics and separators, since a letter or a zero dropped could
    make two codes one ("D-12" and "P-12")."""
    if key == "name" or key.endswith("_name"):
        return func.urbanmap_search_key
    return lambda value: func.regexp_replace(func.lower(func.unaccent(value)), "[^a-z0-9]+",
                                             "", "g")


def _update(conn: Connection, spec: LayerSpec, staging: Table, pairs: Table,
            fields: list[Field], report: LoadReport) -> None:
    """Write the values that change anything; count features changed and left as they were."""
    target = LAYER_TABLES[spec.id]
    named = and_(target.c.fid == pairs.c.fid, pairs.c.row_no == staging.c.row_no,
                 staging.c.reject.is_(None))
    values: dict[str, ColumnElement] = {
        f.name: func.coalesce(staging.c[f.name], target.c[f.name]) for f in fields}
    changes = or_(*(target.c[name].is_distinct_from(value) for name, value in values.items()))
    report.updated = conn.execute(update(target).where(named, changes).values(
        **values, source_file=report.source_file, loaded_at=func.now())).rowcount
    per_row = select(pairs.c.row_no, func.count().label("features")).where(
        pairs.c.row_no == staging.c.row_no, staging.c.reject.is_(None)).group_by(
        pairs.c.row_no).subquery()
    several = per_row.c.features > 1
    features, rows, of_several = conn.execute(select(
        func.coalesce(func.sum(per_row.c.features), 0), func.count().filter(several),
        func.coalesce(func.sum(per_row.c.features).filter(several), 0))).one()
    features, of_several = int(features), int(of_several)  # sum() of counts is a numeric
    report.unchanged = features - report.updated
    if rows:
        report.notes.append(f"{rows:,} row{'s' if rows > 1 else ''} named several features "
                            f"({of_several:,} in all); each was given its row's values")
