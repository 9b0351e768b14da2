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
    reject_where(conn, staging, report, "empty geometry",
                 or_(geom.is_(None), func.ST_IsEmpty(geom)))
    if spec.geometry == "Point":  # a one-part MultiPoint is a point written differently
        conn.execute(update(staging).where(and_(
            staging.c.reject.is_(None), func.GeometryType(geom) == "MULTIPOINT",
            func.ST_NumGeometries(geom) == 1)).values(geom=func.ST_GeometryN(geom, 1)))
        wrong = func.GeometryType(geom) != "POINT"
    else:
        wrong = func.ST_Dimension(geom) != dimension
    reject_where(conn, staging, report, f"not a {spec.geometry} ({spec.title.lower()} layer)",
                 wrong, func.concat(staging.c.source_id, literal(": "), func.GeometryType(geom)))
    if spec.geometry != "Point":
        # Clipping or a source's mixed collections: keep the parts of the layer's dimension.
        conn.execute(update(staging).where(and_(
            staging.c.reject.is_(None), func.GeometryType(geom) == "GEOMETRYCOLLECTION"))
            .values(geom=func.ST_CollectionExtract(geom, dimension + 1)))
        extract = func.ST_CollectionExtract(func.ST_MakeValid(geom), dimension + 1)
        report.repaired += conn.execute(update(staging).where(and_(
            staging.c.reject.is_(None), not_(func.ST_IsValid(geom)))).values(
                geom=extract, repaired=True)).rowcount
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
    # Counting ids is one hash aggregate; finding which rows repeat one is a self-join.
    repeated = (select(staging.c.source_id).where(staging.c.reject.is_(None))
                .group_by(staging.c.source_id).having(func.count() > 1).exists())
    if conn.execute(select(repeated)).scalar_one():
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
