"""Checks a load runs on its staging table before anything is published.

Each check marks the rows it refuses with a reason; repairs rewrite geometries in place.
Everything runs in PostGIS (ST_IsValid, ST_MakeValid, ST_DWithin …) on bound values, so the
same rules apply to every source and none of them loops over features in Python.
"""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    distinct,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from layers import LayerSpec
from loaders.report import EXAMPLES_KEPT, LoadReport

DIMENSION = {"Point": 0, "MultiLineString": 1, "MultiPolygon": 2}
OUTSIDE_TOLERANCE_M = 200.0


def reject_where(conn: Connection, staging: Table, report: LoadReport, reason: str,
                 condition: ColumnElement[bool], example: ColumnElement | None = None) -> int:
    """Mark rows not yet refused that meet `condition`; count them and keep a few examples."""
    pending = and_(staging.c.reject.is_(None), condition)
    count = conn.execute(update(staging).where(pending).values(reject=reason)).rowcount
    if count:  # examples only when there are some: the check itself is the costly part
        shown = example if example is not None else staging.c.source_id
        report.reject(reason, count, [str(v) for v in conn.execute(
            select(shown).where(staging.c.reject == reason).order_by(staging.c.row_no)
            .limit(EXAMPLES_KEPT)).scalars()])
    return count


def check_geometry(conn: Connection, spec: LayerSpec, staging: Table,
                   report: LoadReport) -> None:
    geom = staging.c.geom
    dimension = DIMENSION[spec.geometry]  # type: ignore[index]
    kind = func.GeometryType(geom)
    empty = or_(geom.is_(None), func.ST_IsEmpty(geom))
    wrong = kind != "POINT" if spec.geometry == "Point" else func.ST_Dimension(geom) != dimension
    # One pass says which fixes a file needs; most need none, and each fix is a pass.
    found = conn.execute(select(
        func.count().filter(empty), func.count().filter(and_(not_(empty), wrong)),
        func.count().filter(kind.in_(("MULTIPOINT", "GEOMETRYCOLLECTION"))))).one()
    if found[0]:
        reject_where(conn, staging, report, "empty geometry", empty)
    if found[2] and spec.geometry == "Point":  # a one-part MultiPoint is a point too
        conn.execute(update(staging).where(and_(
            staging.c.reject.is_(None), kind == "MULTIPOINT",
            func.ST_NumGeometries(geom) == 1)).values(geom=func.ST_GeometryN(geom, 1)))
    if found[1]:
        reject_where(conn, staging, report,
                     f"not a {spec.geometry} ({spec.title.lower()} layer)", wrong,
                     func.concat(staging.c.source_id, literal(": "), kind))
    if spec.geometry != "Point":
        _repair(conn, staging, report, dimension, collections=found[2] > 0)


def _repair(conn: Connection, staging: Table, report: LoadReport, dimension: int,
            collections: bool) -> None:
    """Keep the parts of the layer's dimension; make invalid geometries valid, or refuse."""
    geom = staging.c.geom
    extracted = 0
    if collections:  # clipping or a source's mixed collections
        extracted = conn.execute(update(staging).where(and_(
            staging.c.reject.is_(None), func.GeometryType(geom) == "GEOMETRYCOLLECTION"))
            .values(geom=func.ST_CollectionExtract(geom, dimension + 1))).rowcount
    extract = func.ST_CollectionExtract(func.ST_MakeValid(geom), dimension + 1)
    repaired = conn.execute(update(staging).where(and_(
        staging.c.reject.is_(None), not_(func.ST_IsValid(geom)))).values(
            geom=extract, repaired=True)).rowcount
    report.repaired += repaired
    if extracted or repaired:  # else every geometry left is valid and not empty
        reject_where(conn, staging, report, "invalid geometry that could not be repaired",
                     or_(func.ST_IsEmpty(geom), not_(func.ST_IsValid(geom))))


def check_fields(conn: Connection, spec: LayerSpec, staging: Table, report: LoadReport) -> None:
    for field in spec.fields:
        column = staging.c[field.name]
        if field.required:
            reject_where(conn, staging, report, f"missing {field.name}", column.is_(None))
        if field.choices:
            reject_where(conn, staging, report,
                         f"{field.name} not one of {', '.join(field.choices)}",
                         and_(column.is_not(None), column.not_in(field.choices)),
                         func.concat(staging.c.source_id, literal(": "), column))


def check_duplicates(conn: Connection, spec: LayerSpec, staging: Table,
                     report: LoadReport) -> None:
    """Same source id twice, or (for layers that declare it) two features on one spot."""
    earlier = aliased(staging)
    # Counting distinct ids is one in-memory sort (byte order: no collation rules needed to
    # tell ids apart); finding which rows repeat one is a self-join, done only if some do.
    ids = staging.c.source_id
    repeats = conn.execute(select(func.count(ids) - func.count(distinct(ids.collate("C"))))
                           .where(staging.c.reject.is_(None))).scalar_one()
    if repeats:
        reject_where(conn, staging, report, "duplicate source id in the file",
                     exists().where(and_(earlier.c.source_id == staging.c.source_id,
                                         earlier.c.row_no < staging.c.row_no,
                                         earlier.c.reject.is_(None))))
    if spec.duplicate_within_m and spec.is_spatial:
        # Without an index the nearness test compares every pair of features.
        conn.exec_driver_sql(f"CREATE INDEX ON {staging.name} USING gist (geom)")
        conn.exec_driver_sql(f"ANALYZE {staging.name}")
        reject_where(conn, staging, report,
                     f"within {spec.duplicate_within_m:g} m of another {spec.title.lower()[:-1]}",
                     exists().where(and_(
                         earlier.c.row_no < staging.c.row_no, earlier.c.reject.is_(None),
                         func.ST_DWithin(earlier.c.geom, staging.c.geom,
                                         spec.duplicate_within_m))))


def check_inside(conn: Connection, staging: Table, report: LoadReport, district) -> None:
    """Features that do not touch the district (with a margin) do not belong in its registry."""
    if district is None:
        return
    reject_where(conn, staging, report, "outside the district",
                 not_(func.ST_DWithin(staging.c.geom, district, OUTSIDE_TOLERANCE_M)))


def validate(conn: Connection, spec: LayerSpec, staging: Table, report: LoadReport,
             district=None) -> None:
    if spec.is_spatial:
        check_geometry(conn, spec, staging, report)
    check_fields(conn, spec, staging, report)
    check_duplicates(conn, spec, staging, report)
    if spec.is_spatial:
        check_inside(conn, staging, report, district)
