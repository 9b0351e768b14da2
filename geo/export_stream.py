"""A layer's rows from PostGIS as a stream of Arrow record batches, bounded in memory.

PostgreSQL sends the rows with `COPY (SELECT …) TO STDOUT` as CSV, the geometry as hex WKB;
a thread feeds them through a pipe to pyarrow's CSV reader, which parses them in blocks of
`block_bytes` into typed record batches, in C++ and in parallel. This is about three times
faster than fetching rows through a cursor (one Python tuple per row) and holds one block at
a time, whatever the size of the layer. The hex is turned into WKB with numpy in one
vectorised step per batch.

The SELECT is compiled by SQLAlchemy with bound values, which psycopg2 then quotes into the
statement (`mogrify`), exactly as it does for every query it sends: COPY takes no
parameters, so this is where psycopg2 always puts them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Connection, Select

BLOCK_BYTES = 8 * 2**20  # CSV text per batch: about 50,000 points or 10,000 polygons
_HEX_DIGITS = np.zeros(256, dtype=np.uint8)
_HEX_DIGITS[np.frombuffer(b"0123456789abcdef", np.uint8)] = np.arange(16, dtype=np.uint8)
_HEX_DIGITS[np.frombuffer(b"ABCDEF", np.uint8)] = np.arange(10, 16, dtype=np.uint8)


@dataclass(frozen=True)
class CopyColumn:
    """A column of the COPY output and the Arrow type pyarrow parses it as."""

    name: str
    type: pa.DataType


def hex_to_binary(hex_text: pa.Array) -> pa.Array:
    """Hex text (as PostgreSQL's encode(…, 'hex') writes it) as binary, without a Python loop.

    >>> hex_to_binary(pa.array(["00ff", None, "0a"])).to_pylist()
    [b'\\x00\\xff', None, b'\\n']
    """
    if len(hex_text) == 0:
        return pa.array([], pa.binary())
    offsets = np.frombuffer(hex_text.buffers()[1], dtype=np.int32,
                            count=len(hex_text) + 1, offset=hex_text.offset * 4)
    data = hex_text.buffers()[2]
    digits = _HEX_DIGITS[np.frombuffer(data, dtype=np.uint8)[offsets[0]:offsets[-1]]] \
        if data is not None else np.zeros(0, np.uint8)
    wkb = (digits[0::2] << 4) | digits[1::2]
    return pa.Array.from_buffers(
        pa.binary(), len(hex_text),
        [_validity(hex_text), pa.py_buffer((offsets - offsets[0]) // 2), pa.py_buffer(wkb)],
        null_count=hex_text.null_count)


def _validity(array: pa.Array) -> pa.Buffer | None:
    if array.null_count == 0:
        return None
    if array.offset == 0:
        return array.buffers()[0]
    return pa.array(array.is_valid().to_numpy(False)).buffers()[1]  # realigned to bit 0


def compiled_sql(conn: Connection, statement: Select) -> str:
    """The statement with its bound values quoted in by psycopg2, ready for COPY."""
    compiled = statement.compile(dialect=conn.dialect)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        return cursor.mogrify(str(compiled), compiled.params).decode()
    finally:
        cursor.close()


def copy_batches(conn: Connection, statement: Select, columns: list[CopyColumn],
                 block_bytes: int = BLOCK_BYTES) -> Iterator[pa.RecordBatch]:
    """The rows of `statement` as record batches of the given column types.

    The statement's columns must be `columns`, in that order; text columns keep the
    difference between NULL and the empty string.
    """
    sql = f"COPY ({compiled_sql(conn, statement)}) TO STDOUT WITH (FORMAT csv)"
    read_end, write_end = os.pipe()
    producer = _CopyThread(conn, sql, write_end)
    producer.start()
    try:
        with os.fdopen(read_end, "rb") as stream:
            if not stream.peek(1):
                return  # no rows: pyarrow refuses an empty CSV
            reader = pacsv.open_csv(stream, read_options=pacsv.ReadOptions(
                column_names=[c.name for c in columns], block_size=block_bytes),
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types={c.name: c.type for c in columns}, true_values=["t"],
                    false_values=["f"], strings_can_be_null=True,
                    quoted_strings_can_be_null=False))
            yield from reader
    finally:
        producer.join()
    producer.raise_error()


class _CopyThread(threading.Thread):
    """Runs COPY TO STDOUT into the pipe; psycopg2 waits for the network without the GIL."""

    def __init__(self, conn: Connection, sql: str, write_end: int) -> None:
        super().__init__(name="urbanmap-export-copy", daemon=True)
        self.cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        self.sql = sql
        self.write_end = write_end
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with os.fdopen(self.write_end, "wb", buffering=2**20) as pipe:
                self.cursor.copy_expert(self.sql, pipe, size=2**20)
        except BaseException as error:  # noqa: BLE001 - handed to the reading thread
            self.error = error
        finally:
            self.cursor.close()

    def raise_error(self) -> None:
        # A reader that stopped early closes the pipe, and the writer then fails with a
        # broken pipe; that is the reader's doing, not a database error.
        if self.error is not None and not isinstance(self.error, BrokenPipeError):
            raise self.error


class MappedStream:
    """A reader of `schema` whose batches are `convert`ed one at a time, as the writer pulls.

    A writer in C (GDAL) reports a failed batch as "Error while accessing batch from
    stream"; the Python error that caused it is kept in `error`, to be raised instead.
    """

    def __init__(self, batches: Iterator[pa.RecordBatch], schema: pa.Schema,
                 convert: Callable[[pa.RecordBatch], list[pa.Array]],
                 progress: Callable[[int], None] | None = None) -> None:
        self.error: BaseException | None = None
        self.reader = pa.RecordBatchReader.from_batches(
            schema, self._converted(batches, schema, convert, progress))

    def _converted(self, batches, schema, convert, progress) -> Iterator[pa.RecordBatch]:
        try:
            for batch in batches:
                out = pa.RecordBatch.from_arrays(convert(batch), schema=schema)
                yield out
                if progress is not None:
                    progress(out.num_rows)
        except BaseException as error:
            self.error = error
            raise
