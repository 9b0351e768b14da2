"""The staging table a load COPYs into, and the fast COPY writer.

Rows are written as CSV produced by Arrow's C++ writer rather than row by row in Python,
which keeps a million-feature load bound by PostgreSQL, not by the interpreter.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from geoalchemy2 import Geometry
from psycopg2 import sql
from sqlalchemy import BigInteger, Boolean, Column, Connection, MetaData, Table, Text

from geo.crs import STORAGE_SRID
from geo.schema import COLUMN_TYPES, SOURCE_ID
from layers import LayerSpec

SRID_PREFIX = f"SRID={STORAGE_SRID};"
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
                Column("repaired", Boolean, nullable=False, server_default="false"),
                Column("known", Boolean, nullable=False, server_default="false")]
    return Table(f"staging_{spec.id}", MetaData(), *columns, prefixes=["TEMPORARY"],
                 postgresql_on_commit="DROP")


def arrow_rows(spec: LayerSpec, attributes: pd.DataFrame, geometries: pa.BinaryArray | None,
               first_row: int) -> pa.Table:
    """One chunk as an Arrow table in staging's column order (geometry as hex WKB)."""
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
        # PostGIS reads "SRID=n;<hex WKB>", which Arrow and numpy write for a whole chunk.
        arrays["geom"] = pc.binary_join_element_wise(SRID_PREFIX, hex_text(geometries), "")
    for f in spec.fields:
        if f.name in attributes:
            arrays[f.name] = pa.array(attributes[f.name], ARROW_TYPES[f.type], from_pandas=True)
    arrays["source_id"] = pa.array(attributes["source_id"], pa.string(), from_pandas=True)
    return arrays


_HEX_DIGITS = np.array([f"{byte:02X}".encode() for byte in range(256)]).view(np.uint16)


def hex_text(binary: pa.BinaryArray) -> pa.StringArray:
    """Each value's bytes as upper-case hex, for the whole array in one numpy lookup.

    >>> hex_text(pa.array([b"\\x01\\xff", None, b""], pa.binary())).to_pylist()
    ['01FF', None, '']
    >>> hex_text(pa.array([b"\\x01", b"\\x02\\x03", None], pa.binary())[1:]).to_pylist()
    ['0203', None]
    """
    if binary.offset:  # a slice: work on a compact copy
        binary = binary.take(pa.array(np.arange(len(binary))))
    offsets = np.frombuffer(binary.buffers()[1], np.int32, len(binary) + 1)
    data = np.frombuffer(binary.buffers()[2] or b"", np.uint8, offsets[-1])
    return pa.StringArray.from_buffers(len(binary), pa.py_buffer(offsets * 2),
                                       pa.py_buffer(_HEX_DIGITS[data].tobytes()),
                                       binary.buffers()[0], binary.null_count)


def copy_rows(conn: Connection, table: Table, rows: pa.Table) -> None:
    """COPY an Arrow table into `table`, inside the connection's transaction."""
    buffer = io.BytesIO()
    pa_csv.write_csv(rows, buffer, pa_csv.WriteOptions(include_header=False))
    buffer.seek(0)
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, rows.column_names)))
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.copy_expert(statement.as_string(cursor), buffer)
