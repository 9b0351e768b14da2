"""The staging table a load COPYs into, and the chunks as rows for it or for the layer.

Rows are written in binary COPY format by Arrow's kernels (`geo.pgcopy`) rather than
row by row in Python, which keeps a million-feature load bound by PostgreSQL, not by the
interpreter.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from geoalchemy2 import Geometry
from psycopg2 import sql
from sqlalchemy import BigInteger, Boolean, Column, Connection, MetaData, Table, Text

from geo.crs import STORAGE_SRID
from geo.pgcopy import copy_data
from geo.schema import COLUMN_TYPES, SOURCE_ID
from layers import LayerSpec

ARROW_TYPES = {"text": pa.string(), "integer": pa.int64(), "real": pa.float64(),
               "date": pa.date32(), "boolean": pa.bool_()}


def staging_table(spec: LayerSpec) -> Table:
    """A temporary table with the layer's fields, any geometry type, and a verdict column."""
    columns = [Column("row_no", BigInteger, nullable=False)]
    if spec.is_spatial:
        columns.append(Column("geom", Geometry("GEOMETRY", srid=STORAGE_SRID,
                                               spatial_index=False)))
    columns += [Column(f.name, COLUMN_TYPES[f.type]) for f in spec.fields]
    columns += [Column("source_id", SOURCE_ID), Column("reject", Text),
                Column("repaired", Boolean, nullable=False, server_default="false")]
    return Table(f"staging_{spec.id}", MetaData(), *columns, prefixes=["TEMPORARY"],
                 postgresql_on_commit="DROP")


def matches_table(spec: LayerSpec) -> Table:
    """A temporary table pairing each staged row with the layer's feature of the same source
    id (if any), and whether an accepted row changes it: narrow, so writing it costs little."""
    return Table(f"matches_{spec.id}", MetaData(),
                 Column("row_no", BigInteger),  # none: a feature the file lacks
                 Column("fid", BigInteger),  # none: a feature new to the layer
                 Column("accepted", Boolean, nullable=False),
                 Column("differs", Boolean, nullable=False),
                 prefixes=["TEMPORARY"], postgresql_on_commit="DROP")


def arrow_rows(spec: LayerSpec, attributes: pd.DataFrame, geometries: pa.BinaryArray | None,
               first_row: int) -> pa.Table:
    """One chunk as an Arrow table in staging's column order (geometry as WKB)."""
    return pa.table({
        "row_no": pa.array(np.arange(first_row, first_row + len(attributes)), pa.int64()),
        **_feature_arrays(spec, attributes, geometries)})


def layer_rows(spec: LayerSpec, attributes: pd.DataFrame, geometries: pa.BinaryArray | None,
               source_file: str) -> pa.Table:
    """One chunk as an Arrow table of the layer's own columns, to COPY straight into it
    (`geometries` must fit its geometry column: `loaders.geometry.layer_wkb`)."""
    return pa.table({**_feature_arrays(spec, attributes, geometries),
                     "source_file": pa.repeat(pa.scalar(source_file), len(attributes))})


def _feature_arrays(spec: LayerSpec, attributes: pd.DataFrame,
                    geometries: pa.BinaryArray | None) -> dict[str, Any]:
    arrays: dict[str, Any] = {}
    if spec.is_spatial:
        arrays["geom"] = geometries  # WKB; PostGIS takes the SRID from the column
    for f in spec.fields:
        if f.name in attributes:
            arrays[f.name] = pa.array(attributes[f.name], ARROW_TYPES[f.type], from_pandas=True)
    arrays["source_id"] = pa.array(attributes["source_id"], pa.string(), from_pandas=True)
    return arrays


@dataclass(frozen=True)
class CopyChunk:
    """A chunk of rows for `table`, already in binary COPY format: encoding it is the
    client's work, done while PostgreSQL stores the chunk before (`loaders.prefetch`)."""
    table: Table
    columns: tuple[str, ...]
    data: bytes
    rows: int


def copy_chunk(table: Table, rows: pa.Table) -> CopyChunk:
    """`rows` (an Arrow table named as `table`'s columns) encoded to COPY into `table`."""
    return CopyChunk(table, tuple(rows.column_names), copy_data(table, rows), rows.num_rows)


def copy_rows(conn: Connection, chunk: CopyChunk) -> None:
    """COPY an encoded chunk into its table, inside the connection's transaction."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT binary)").format(
        sql.Identifier(chunk.table.name), sql.SQL(", ").join(map(sql.Identifier, chunk.columns)))
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.copy_expert(statement.as_string(cursor), io.BytesIO(chunk.data))
