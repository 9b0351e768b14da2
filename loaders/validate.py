"""Checks a load runs on its features before anything is published.

The features are in the load's staging table, where each check marks the rows it refuses
with a reason, or, when a load fills an empty layer, already in the layer's own table
(`Checked.in_layer`), where refused rows are deleted. Repairs rewrite geometries in place.
Everything runs in PostGIS (ST_IsValid, ST_MakeValid, ST_DWithin …) on bound values, so the
same rules apply to every source and none of them loops over features in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Connection,
    Table,
    and_,
    any_,
    case,
    delete,
    distinct,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from layers import LayerSpec
from loaders.report import EXAMPLES_KEPT, LoadReport

DIMENSION = {"Point": 0, "MultiLineString": 1, "MultiPolygon": 2}
OUTSIDE_TOLERANCE_M = 200.0
# Far beyond any real id (a UUID is 36, an OSM id 20), and far below what one entry of the
# unique index on source ids can hold (about 2,700 bytes): a longer one is a wrong column.
MAX_ID_LENGTH = 255


@dataclass(frozen=True)
class Checked:
    """The table holding a load's features: staging (refusals marked) or the layer (deleted)."""

    table: Table
    in_layer: bool = False
    ids_unique: bool = False  # a unique index on source_id holds, so no id repeats

    def pending(self, table=None) -> ColumnElement[bool]:
        """Rows of `table` (this table or an alias of it) not refused so far."""
        table = table if table is not None else self.table
        return true() if self.in_layer else table.c.reject.is_(None)

    def position(self, table=None):
        """A row's place in the file: the layer numbers rows in the order they were copied."""
        table = table if table is not None else self.table
        return table.c.fid if self.in_layer else table.c.row_no


def reject_where(conn: Connection, checked: Checked, report: LoadReport, reason: str,
                 condition: ColumnElement[bool], example: ColumnElement | None = None) -> int:
    """Refuse rows not yet refused that meet `condition`; count them, keep a few examples."""
    table = checked.table
    shown = example if example is not None else table.c.source_id
    if checked.in_layer:  # delete, and take the examples from what was deleted, in one pass
        gone = delete(table).where(condition).returning(
            checked.position().label("position"), shown.label("shown")).cte("gone")
        first = select(gone).order_by(gone.c.position).limit(EXAMPLES_KEPT).subquery()
        count, examples = conn.execute(select(
            select(func.count()).select_from(gone).scalar_subquery(),
            select(func.array_agg(aggregate_order_by(first.c.shown, first.c.position)))
            .scalar_subquery())).one()
    else:
        count = conn.execute(update(table).where(and_(checked.pending(), condition))
                             .values(reject=reason)).rowcount
        examples = [] if not count else conn.execute(  # the check is the costly part
            select(shown).where(table.c.reject == reason).order_by(checked.position())
            .limit(EXAMPLES_KEPT)).scalars().all()
    if count:
        report.reject(reason, count, [str(v) for v in examples or []])
    return count


def check_geometry(conn: Connection, spec: LayerSpec, checked: Checked,
                   report: LoadReport) -> None:
    table = checked.table
    geom = table.c.geom
    dimension = DIMENSION[spec.geometry]  # type: ignore[index]
    kind = func.GeometryType(geom)
    # None: the file had none, or the reader could not use it (loaders.geometry says why)
    missing, empty = geom.is_(None), func.ST_IsEmpty(geom)
    wrong = kind != "POINT" if spec.geometry == "Point" else func.ST_Dimension(geom) != dimension
    # One pass says which fixes a file needs; most need none, and each fix is a pass.
    found = conn.execute(select(
        func.count().filter(or_(missing, empty)),
        func.count().filter(and_(not_(missing), not_(empty), wrong)),
        func.count().filter(kind.in_(("MULTIPOINT", "GEOMETRYCOLLECTION"))))).one()
    if found[0]:
        reject_where(conn, checked, report, "no geometry", missing)
        reject_where(conn, checked, report, "empty geometry", empty)
    if found[2] and spec.geometry == "Point":  # a one-part MultiPoint is a point too
        conn.execute(update(table).where(and_(
            checked.pending(), kind == "MULTIPOINT",
            func.ST_NumGeometries(geom) == 1)).values(geom=func.ST_GeometryN(geom, 1)))
    if found[1] and spec.geometry == "MultiPolygon":
        _enclose(conn, checked, report)
    if found[1]:
        reject_where(conn, checked, report,
                     f"not a {spec.geometry} ({spec.title.lower()} layer)", wrong,
                     func.concat(table.c.source_id, literal(": "), kind))
    if spec.geometry != "Point":
        _repair(conn, checked, report, dimension, collections=found[2] > 0)


def _enclose(conn: Connection, checked: Checked, report: LoadReport) -> None:
    """A closed line becomes the area it encloses: a zone or a park drawn as its outline, as
    CAD draws them (a closed polyline) and as GIS files converted from CAD keep them."""
    geom = checked.table.c.geom
    enclosed = conn.execute(update(checked.table).where(and_(
        checked.pending(), func.GeometryType(geom) == "LINESTRING", func.ST_IsClosed(geom),
        func.ST_NPoints(geom) >= 4)).values(geom=func.ST_MakePolygon(geom))).rowcount
    if enclosed:
        report.notes.append(f"{enclosed:,} closed line{'s' if enclosed > 1 else ''} read as the "
                            f"area{'s' if enclosed > 1 else ''} "
                            f"{'they enclose' if enclosed > 1 else 'it encloses'}")


def _repair(conn: Connection, checked: Checked, report: LoadReport, dimension: int,
            collections: bool) -> None:
    """Keep the parts of the layer's dimension; make invalid geometries valid, or refuse."""
    table = checked.table
    geom = table.c.geom
    extracted = 0
    if collections:  # clipping or a source's mixed collections
        extracted = conn.execute(update(table).where(and_(
            checked.pending(), func.GeometryType(geom) == "GEOMETRYCOLLECTION"))
            .values(geom=func.ST_CollectionExtract(geom, dimension + 1))).rowcount
    repair = {"geom": func.ST_Multi(func.ST_CollectionExtract(func.ST_MakeValid(geom),
                                                              dimension + 1))}
    if not checked.in_layer:
        repair["repaired"] = True
    # Found by a SELECT, which PostgreSQL may share among parallel workers (an UPDATE may
    # not): validity is the costly test, and most files have nothing to repair.
    invalid = conn.execute(select(checked.position()).where(and_(
        checked.pending(), not_(func.ST_IsValid(geom))))).scalars().all()
    repaired = conn.execute(update(table).where(
        checked.position() == any_(literal(invalid, ARRAY(BigInteger))))
        .values(**repair)).rowcount if invalid else 0
    report.repaired += repaired
    if extracted or repaired:  # else every geometry left is valid and not empty
        reject_where(conn, checked, report, "invalid geometry that could not be repaired",
                     or_(func.ST_IsEmpty(geom), not_(func.ST_IsValid(geom))))


# How a report's total row is labelled, as search folds it (which drops "quận", "phường" and
# "số" as it drops them from names and addresses): "Tổng cộng", "TỔNG SỐ", "Cộng", "Toàn
# quận", "Tổng cộng toàn phường", "Tổng số: 10 phường", "Toàn Quận 7". A day's ward report
# closes with one; stored, it was a ward of the district's sums. Only whole labels and
# these phrases: "Cộng Hòa", "Toàn Thắng" and "Tống Trân" are communes' names.
TOTAL_LABEL = (r"^(tong|tong cong|cong|toan|toan huyen|total)$"
               r"|^(tong cong|tong so|tong cac) "
               r"|^(tong|toan) \d+$")


def check_totals(conn: Connection, spec: LayerSpec, checked: Checked,
                 report: LoadReport) -> None:
    """Refuse a table's total row: one whose text (a ward's name) is a total's label. (In a
    layer with geometry the row has none, and is refused for that.)"""
    texts = [checked.table.c[f.name] for f in spec.fields if f.type == "text" and not f.choices]
    labels = [case((func.urbanmap_search_key(text).regexp_match(TOTAL_LABEL), text))
              for text in texts]
    if labels:
        label = func.coalesce(*labels)
        days = [checked.table.c[f.name] for f in spec.fields if f.type == "date"]
        shown = label if not days else case(  # with its day: a month's reports have one a day
            (days[0].is_(None), label), else_=func.concat(label, " (", days[0], ")"))
        reject_where(conn, checked, report, "a total row, the sum of the others",
                     label.is_not(None), shown)


def check_fields(conn: Connection, spec: LayerSpec, checked: Checked,
                 report: LoadReport) -> None:
    for field in spec.fields:
        if field.required:
            reject_where(conn, checked, report, f"missing {field.name}",
                         checked.table.c[field.name].is_(None))
    check_choices(conn, spec, checked, report)


def check_choices(conn: Connection, spec: LayerSpec, checked: Checked, report: LoadReport,
                  example: ColumnElement | None = None) -> None:
    """Refuse a value outside its field's choices (a hydrant's status); a row is shown by
    `example`, by default its source id."""
    shown = example if example is not None else checked.table.c.source_id
    for field in spec.fields:
        column = checked.table.c[field.name]
        if field.choices:
            reject_where(conn, checked, report,
                         f"{field.name} not one of {', '.join(field.choices)}",
                         and_(column.is_not(None), column.not_in(field.choices)),
                         func.concat(shown, literal(": "), column))


def check_duplicates(conn: Connection, spec: LayerSpec, checked: Checked,
                     report: LoadReport) -> None:
    """Same source id twice, or (for layers that declare it) two features on one spot."""
    table = checked.table
    if not checked.in_layer:  # rows reach the layer straight only with ids that fit
        reject_where(conn, checked, report, f"id longer than {MAX_ID_LENGTH} characters",
                     func.length(table.c.source_id) > MAX_ID_LENGTH,
                     func.concat(func.left(table.c.source_id, 20), literal("…")))
    earlier = table.alias()  # Core: the ORM would cost every command 50 ms of imports
    # Counting distinct ids is one in-memory sort (they are kept in byte order: no
    # collation rules); finding which rows repeat one is a self-join, done only if some do.
    ids = table.c.source_id
    repeats = not checked.ids_unique and conn.execute(
        select(func.count(ids) - func.count(distinct(ids))).where(checked.pending())
    ).scalar_one()
    if repeats:
        reject_where(conn, checked, report, "duplicate source id in the file",
                     exists().where(and_(earlier.c.source_id == table.c.source_id,
                                         checked.position(earlier) < checked.position(),
                                         checked.pending(earlier))))
    if spec.duplicate_within_m and spec.is_spatial:
        if not checked.in_layer:  # the layer has its own; without one the nearness test
            # compares every pair of features
            conn.exec_driver_sql(f"CREATE INDEX ON {table.name} USING gist (geom)")
        conn.exec_driver_sql(f"ANALYZE {table.name}")
        reject_where(conn, checked, report,
                     f"within {spec.duplicate_within_m:g} m of another {spec.title.lower()[:-1]}",
                     exists().where(and_(
                         checked.position(earlier) < checked.position(),
                         checked.pending(earlier),
                         func.ST_DWithin(earlier.c.geom, table.c.geom,
                                         spec.duplicate_within_m))))


def check_inside(conn: Connection, checked: Checked, report: LoadReport, district) -> None:
    """Features that do not touch the district (with a margin) do not belong in its registry."""
    if district is None:
        return
    reject_where(conn, checked, report, "outside the district",
                 not_(func.ST_DWithin(checked.table.c.geom, district, OUTSIDE_TOLERANCE_M)))


def validate(conn: Connection, spec: LayerSpec, checked: Checked, report: LoadReport,
             district=None) -> None:
    if spec.is_spatial:
        check_geometry(conn, spec, checked, report)
    else:
        check_totals(conn, spec, checked, report)
    check_fields(conn, spec, checked, report)
    check_duplicates(conn, spec, checked, report)
    if spec.is_spatial:
        check_inside(conn, checked, report, district)
