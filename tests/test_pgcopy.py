"""Binary COPY data made by Arrow kernels reads back into PostgreSQL as the values it holds."""

from __future__ import annotations

import datetime
import io

import pyarrow as pa
import pytest
import shapely
from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Engine,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
)

from geo.errors import InvalidInput
from geo.pgcopy import copy_data

TABLE = Table("copied", MetaData(),
              Column("geom", Geometry("MultiPolygon", srid=32648)), Column("n", Integer),
              Column("big", BigInteger), Column("x", Float), Column("day", Date),
              Column("yes", Boolean), Column("name", Text))
SQUARE = shapely.MultiPolygon([shapely.box(680000, 1185000, 680010, 1185010)])


def copied(engine: Engine, rows: pa.Table) -> list[tuple]:
    with engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.execute("CREATE TEMP TABLE copied (geom geometry(MultiPolygon, 32648), n int, "
                       "big bigint, x float8, day date, yes boolean, name text)")
        cursor.copy_expert("COPY copied FROM STDIN (FORMAT binary)",
                           io.BytesIO(copy_data(TABLE, rows)))
        cursor.execute("SELECT ST_AsText(geom), ST_SRID(geom), n, big, x, day, yes, name "
                       "FROM copied")
        return cursor.fetchall()


def test_every_column_type_and_missing_values_read_back(migrated_engine: Engine) -> None:
    rows = pa.table({
        "geom": pa.array([SQUARE.wkb, None], pa.binary()),
        "n": pa.array([-7, None], pa.int64()),
        "big": pa.array([2**40, None], pa.int64()),
        "x": pa.array([3.5, None]),
        "day": pa.array([datetime.date(1999, 12, 31), None]),
        "yes": pa.array([False, None]),
        "name": pa.array(["Tân Thuận Đông", None], pa.large_string()),
    })
    assert copied(migrated_engine, rows) == [
        (SQUARE.wkt.replace(" (", "(").replace(", ", ","), 32648, -7, 2**40, 3.5,
         datetime.date(1999, 12, 31), False, "Tân Thuận Đông"),
        (None, None, None, None, None, None, None, None)]


def test_an_integer_beyond_its_column_is_refused_by_name() -> None:
    rows = pa.table({"n": pa.array([1, 2**31], pa.int64())})
    with pytest.raises(InvalidInput, match="a value of n does not fit its column"):
        copy_data(TABLE, rows)
