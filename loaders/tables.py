"""Tables people type: a sheet of an Excel (.xlsx) or LibreOffice (.ods) workbook, or a CSV
saved from one, read from its heading row down.

District offices keep their lists in workbooks: hydrants with their coordinates, clinics,
the day's cases per ward. GDAL reads a sheet or a CSV as a table, but takes its first row
for the column names, and a Vietnamese office sheet opens with a title ("UBND QUẬN 7",
"DANH SÁCH TRỤ NƯỚC CHỮA CHÁY") and blank rows above them, which Excel's "Save as CSV"
keeps. So the heading is looked for: the row (or the pair of rows, for headings merged over
two) among the first HEADER_ROWS_SEARCHED that names the most of the layer's columns (its
fields by any of their Vietnamese or English names, a source id, longitude and latitude, or
WKT). A sheet is always copied, batch by batch, to a CSV that the load reads as it reads
any CSV (coordinate columns found by name, WKT, longitude/latitude in degrees); a CSV only
when its heading is not its first row, when its longitudes or latitudes are typed in
degrees and minutes (`loaders.degrees`), which the copy holds as decimal degrees, or when
one column holds each position whole, as Google Maps copies it ("10.7726, 106.7390"),
which the copy splits into a latitude and a longitude column. The rows above the heading
and blank rows are left out of the copy.

The copy is written with `;` between fields, the separator under which GDAL reads a
decimal comma ("106,7123", a number typed as text on a Vietnamese Windows) as a decimal
point. A sheet's cells keep GDAL's types where the heading is the first row (numbers
exact, dates ISO); below a title every column holds text, dates as GDAL writes them
(2024/03/04), which the loader reads year first.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import NamedTuple

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from geo.errors import InvalidInput
from layers import LayerSpec
from loaders.batches import BATCH_ROWS
from loaders.charsets import misread_message, redecoded
from loaders.degrees import as_decimal, coordinate_pair, dms_degrees
from loaders.gdal_said import gdal_said
from loaders.mapping import (
    PAIR_KEYS,
    WKT_COLUMNS,
    chosen_by_name,
    column_key,
    coordinate_axis,
    coordinate_key,
    match_columns,
    names_vn2000,
)
from loaders.stated import day_fields

SPREADSHEET_SUFFIXES = (".xlsx", ".ods")


class Headers(NamedTuple):
    """The values of a GDAL driver's HEADERS open option: first row names, or is data."""

    on: str
    off: str


SHEET_HEADERS = Headers("FORCE", "DISABLE")  # XLSX and ODS
CSV_HEADERS = Headers("YES", "NO")
HEADER_ROWS_SEARCHED = 20
COPY_SEPARATOR = ";"  # the copies' (see above)
WKT_KEYS = frozenset(map(column_key, WKT_COLUMNS))


SEPARATORS = {b",": "COMMA", b";": "SEMICOLON", b"\t": "TAB"}  # as GDAL's SEPARATOR names them
NUMBER = re.compile(rb"[-+]?\d+(?:[.,]\d+)?")


class CsvShape(NamedTuple):
    """How GDAL is to read a CSV whose first line it would misjudge: its separator, and the
    width (in separators) to pad the lines above the first that has one."""

    separator: bytes
    width: int

    @property
    def options(self) -> dict[str, str]:
        return {"SEPARATOR": SEPARATORS[self.separator]}

    def padded(self, head: bytes) -> bytes:
        """`head` with each line above the table given the table's width: GDAL takes the
        first line's for the file's, and cuts every row below to it. The separators go
        before the title: GDAL drops one that ends a line ("TITLE," is one field)."""
        top, rest = [], head
        while rest:
            line, newline, after = rest.partition(b"\n")
            if self.separator in line:
                break
            top.append(self.separator * self.width + line + newline)
            rest = after
        return b"".join(top) + rest


def csv_shape(head: bytes) -> CsvShape | None:
    r"""The shape of a CSV starting with `head` whose first line is words without a separator,
    None for any other (GDAL's own guess, from the first line alone, is then right).

    Such a line, a title typed above the table or the heading of a one-column list ("Mã
    trụ"), has GDAL split every row at its spaces, and cut every row to the title's one
    column. The lines below say the separator; a list of one column has none ("TN 02" is
    one code). A file whose every line is as many words, with numbers in pairs or more
    below, is one GDAL rightly reads as separated by spaces (a surveyor's "1 1187695.12
    603941.45").

    >>> csv_shape("DANH SÁCH TRỤ\nMã trụ;Tình trạng\nT-1;hỏng\n".encode())
    CsvShape(separator=b';', width=1)
    >>> csv_shape("Tên phường\nTân Phong\nPhường 7\nPhú Mỹ\n".encode()).options
    {'SEPARATOR': 'COMMA'}
    >>> csv_shape(b"code x y\nT1 683000 1185000\n"), csv_shape(b"code,lon\nT-1,106.7\n")
    (None, None)
    """
    lines = [line for line in head.splitlines() if line.strip()][:HEADER_ROWS_SEARCHED]
    if not lines or b" " not in lines[0] or any(sep in lines[0] for sep in (*SEPARATORS, b"|")):
        return None
    below = lines[1:-1] or lines[1:]  # the last may be cut short
    used = [sep for sep in SEPARATORS if any(sep in line for line in below)]
    if used:
        separator = max(used, key=lambda sep: sum(line.count(sep) for line in below))
        return CsvShape(separator, next(line.count(separator) for line in lines
                                        if separator in line))
    words = {len(line.split()) for line in lines}
    spaced = len(words) == 1 and words.pop() > 1 and below and all(
        sum(bool(NUMBER.fullmatch(word)) for word in line.split()) >= 2 for line in below)
    return None if spaced else CsvShape(b",", 0)


class TableCopy(NamedTuple):
    """A table copied to a CSV: notes of what was read, and where a value for all its rows
    may be written (`loaders.stated`)."""

    notes: list[str]
    places: list[tuple[str, str]]


def sheet_as_csv(name: str, dataset: str, spec: LayerSpec, wanted: str | None,
                 scratch: Path, typed_in: str | None = None,
                 sheets: Sequence[str] | None = None) -> tuple[Path, TableCopy]:
    """The chosen sheet of workbook `dataset` (of its `sheets` with data) copied to a CSV in
    `scratch` (named after the sheet, which is then the CSV's layer name), what was read, and
    the title and the sheet's name as places. `typed_in`: the Vietnamese set its cells were
    typed in (loaders.charsets), decoded only to find the heading: the copy keeps them as
    they are, for the load to decode."""
    sheet = _pick_sheet(name, sheets or data_sheets(name, dataset), spec, wanted)
    copy = scratch / f"{sheet}.csv"  # Excel forbids / \ : ? * [ ] in sheet names
    return copy, copy_sheet(name, dataset, sheet, spec, copy, typed_in)


def copy_sheet(name: str, dataset: str, sheet: str, spec: LayerSpec, copy: Path,
               typed_in: str | None = None) -> TableCopy:
    """Sheet `sheet` of workbook `dataset` (file `name`) copied to CSV `copy`, from its
    heading down, with `COPY_SEPARATOR` between fields."""
    heading = _heading(dataset, sheet, spec, SHEET_HEADERS, typed_in)
    try:
        converted = _write_csv(dataset, sheet, heading, copy, SHEET_HEADERS)
    except (DataSourceError, DataLayerError) as exc:
        raise InvalidInput(f"GDAL stopped reading sheet {sheet!r} of {name}: "
                           f"{gdal_said(exc)}. The workbook may be damaged.") from None
    notes = [", ".join([f"read sheet {sheet!r}", *_read_from(heading)]),
             *_conversion_notes(converted)]
    places = [*(heading.places() if heading else []), ("the sheet's name", sheet)]
    return TableCopy(notes, places)


def csv_from_heading(dataset: str, spec: LayerSpec, copy: Path, typed_in: str | None = None,
                     options: Mapping[str, str] | None = None) -> TableCopy | None:
    """A CSV whose heading is not its first row, or whose coordinates are typed in degrees
    and minutes, copied to `copy` from the heading down with decimal degrees, notes saying
    so and its title; None, and no copy, for a CSV as GDAL reads it (with `options`: its
    separator)."""
    layer = PurePosixPath(dataset).stem
    heading = _heading(dataset, layer, spec, CSV_HEADERS, typed_in, options)
    if heading is None or (heading.data_from == 1 and not heading.degrees_typed
                           and heading.pair_column is None):
        return None
    converted = _write_csv(dataset, layer, heading, copy, CSV_HEADERS, options)
    return TableCopy(_read_from(heading) + _conversion_notes(converted), heading.places())


def _conversion_notes(converted: Converted) -> list[str]:
    notes = [f"{converted.degrees:,} coordinate{'s' if converted.degrees != 1 else ''} in "
             "degrees and minutes read as decimal degrees"] if converted.degrees else []
    if converted.pair_column:
        orders = " and ".join(f"{count:,} as {order}"
                              for order, count in sorted(converted.pair_orders.items()))
        notes.append(f"column {converted.pair_column!r} holds each position in one cell: "
                     f"read {orders or 'none'}")
    if converted.unreadable_pairs:
        count = converted.unreadable_pairs
        shown = ", ".join(repr(text) for text in converted.unreadable_examples)
        cells = "1 cell" if count == 1 else f"{count:,} cells"
        notes.append(f"{cells} of {converted.pair_column!r} hold{'s' if count == 1 else ''} no "
                     f"position that could be read ({shown}): latitude and longitude, as "
                     "10.7726, 106.7390")
    return notes


def _read_from(heading: Heading | None) -> list[str]:
    if heading is None or heading.data_from == 1:
        return []
    rows = (f"row {heading.first + 1}" if heading.rows == 1 else
            f"rows {heading.first + 1}-{heading.first + heading.rows}")
    above = heading.first
    left_out = "the row above" if above == 1 else f"the {above} rows above"
    return [f"column names from {rows}" + (f" ({left_out} left out)" if above else "")]


def data_sheets(name: str, dataset: str) -> list[str]:
    """The sheets of workbook `dataset` (file `name`) that hold anything; refused when none
    does, or GDAL cannot read it."""
    try:
        sheets = [str(sheet) for sheet, _ in pyogrio.list_layers(dataset)]
        # GDAL leaves out empty sheets (Excel's Sheet2, Sheet3), but for a workbook's only
        # one; each look at a sheet parses the workbook again, so only that one is looked at.
        if len(sheets) == 1 and not pyogrio.read_info(dataset, layer=sheets[0])["features"]:
            sheets = []
    except (DataSourceError, DataLayerError) as exc:
        raise InvalidInput(f"GDAL cannot read {name}: {gdal_said(exc)}. Check that the "
                           "workbook is complete; save it again from Excel or LibreOffice.") \
            from None
    if not sheets:
        raise InvalidInput(f"{name} has no sheet with anything in it.")
    return sheets


def _pick_sheet(name: str, sheets: Sequence[str], spec: LayerSpec, wanted: str | None) -> str:
    listed = ", ".join(repr(s) for s in sheets)
    if wanted and wanted not in sheets:
        raise InvalidInput(f"{name} has no sheet {wanted!r} with data; it has: {listed}.")
    chosen = chosen_by_name(sheets, wanted, spec)
    if chosen:
        return chosen
    by_day = bool(day_fields(spec))  # loaders.day_sheets
    raise InvalidInput(f"{name} has several sheets with data ({listed}); pick one with "
                       "--layer" + (", or name or title each by the day it is of "
                                    "(05.11.2021, BÁO CÁO NGÀY 05/11/2021, or 5 in a "
                                    "workbook named by its month: T11.2021.xlsx) to load "
                                    "them all."
                                    if by_day else ", or load them all as one list with "
                                    "--layer '*'."))


@dataclass(frozen=True)
class Heading:
    """Where a table's column names are: from row `first` (0-based), over `rows` rows."""

    first: int
    rows: int
    names: list[str]
    degrees_typed: bool = False  # a longitude or latitude below it in degrees and minutes
    pair_column: int | None = None  # the column holding both coordinates in each cell
    title: str = ""  # the text of the rows above it

    def places(self) -> list[tuple[str, str]]:
        """Where a value for all rows may be written (`loaders.stated`): the title."""
        return [("the title above the table", self.title)] if self.title else []

    @property
    def data_from(self) -> int:
        return self.first + self.rows


def _heading(dataset: str, layer: str, spec: LayerSpec, headers: Headers,
             typed_in: str | None = None,
             options: Mapping[str, str] | None = None) -> Heading | None:
    """The row, or pair of rows, naming the most of the layer's columns; None if none names
    any. Official tables often head a group of columns once, over two rows: "Tọa độ" merged
    above "Kinh độ" and "Vĩ độ", "STT" merged down beside them. A pair is taken only when it
    names more than either of its rows alone."""
    _, top = pyogrio.read_arrow(dataset, layer=layer, read_geometry=False,
                                max_features=HEADER_ROWS_SEARCHED, HEADERS=headers.off,
                                **(options or {}))
    cells = [[_cell(v) for v in row.values()] for row in top.to_pylist()]
    read = [[redecoded(cell, typed_in) if cell else cell for cell in row]
            for row in cells]  # as typed, to be matched; the names stay as they are
    alone = [_names_known(row, spec) for row in read]
    if typed_in is None and not any(alone):  # a heading typed in .VnTime, say: no name known
        refusal = misread_message([cell for row in cells for cell in row if cell], "utf-8")
        if refusal:
            raise InvalidInput(f"{PurePosixPath(dataset).name}: {refusal}")
    best, best_score = None, 0
    for first, row in enumerate(cells):
        if alone[first] > best_score:
            best, best_score = Heading(first, 1, _column_names(row)), alone[first]
        if first + 1 < len(cells):
            score = _names_known(_paired(read, first), spec)
            if score > max(best_score, alone[first + 1]):
                best, best_score = Heading(first, 2, _column_names(_paired(cells, first))), score
    if best is None:
        return None
    below = cells[best.data_from:]
    typed = any(dms_degrees(row[i]) is not None for row in below
                for i in _coordinate_columns(best.names) if row[i])
    title = " ".join(cell for row in read[:best.first] for cell in row if cell)
    return replace(best, degrees_typed=typed, pair_column=_pair_column(best.names, below),
                   title=title)


def _pair_column(names: list[str], rows: list[list[str | None]]) -> int | None:
    """The one column holding a latitude and a longitude in each cell
    (`degrees.coordinate_pair`), in a table with no other coordinates; None if none does, or
    several do. A column named for positions ("Tọa độ") is one if any of its values in `rows`
    is a position; another if all are, and not all are whole numbers ("12 34")."""
    if any(coordinate_axis(name) for name in names) or \
            {column_key(name) for name in names} & WKT_KEYS:
        return None
    found = []
    for i, name in enumerate(names):
        values = [row[i] for row in rows if row[i]]
        read = [coordinate_pair(value) is not None for value in values]
        if coordinate_key(name) in PAIR_KEYS and any(read) or values and all(read) and any(
                mark in value for value in values for mark in ".°º˚'′\"″"):
            found.append(i)
    return found[0] if len(found) == 1 else None


def _paired(rows: list[list[str | None]], first: int) -> list[str | None]:
    """Rows `first` and the next as one heading: the lower cell, else the one merged above."""
    return [low or high for high, low in zip(rows[first], rows[first + 1], strict=True)]


def _cell(value: object) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def _names_known(row: Sequence[str | None], spec: LayerSpec) -> int:
    """How many of the layer's columns these cells name, as column headings."""
    cells = [cell for cell in row if cell]
    if len(set(cells)) < len(cells):  # a heading row names each column once
        cells = list(dict.fromkeys(cells))
    axes = {coordinate_axis(cell) for cell in cells} - {None}
    mapping = match_columns(spec, cells)
    return (len(mapping.fields) + (mapping.source_id is not None) + len(axes)
            + bool({column_key(cell) for cell in cells} & WKT_KEYS)
            + bool({coordinate_key(cell) for cell in cells} & PAIR_KEYS))


@dataclass
class Converted:
    """What the copy holds otherwise than typed: coordinates in degrees and minutes as
    decimals, and a column of positions split in two (how many were written in each order)."""

    degrees: int = 0
    pair_column: str | None = None
    pair_orders: Counter[str] = field(default_factory=Counter)
    unreadable_pairs: int = 0
    unreadable_examples: list[str] = field(default_factory=list)  # the first few


def _write_csv(dataset: str, layer: str, heading: Heading | None, copy: Path,
               headers: Headers, options: Mapping[str, str] | None = None) -> Converted:
    """Write the copy; what it converted."""
    # GDAL's own guess at the header stands when no row names a column: the load then says
    # what the file lacks (coordinates, a required field) in the usual words. Headings in
    # the first row alone are GDAL's to read too, which then types each column.
    typed = heading is None or heading.data_from == 1
    options = {**(options or {}), **({} if heading is None else {"HEADERS": headers.on}
                                     if typed else {"HEADERS": headers.off})}
    with pyogrio.open_arrow(dataset, layer=layer, read_geometry=False, batch_size=BATCH_ROWS,
                            use_pyarrow=True, **options) as (_, reader):
        schema = reader.schema
        if not typed:
            schema = pa.schema([f.with_name(n)
                                for f, n in zip(schema, heading.names, strict=True)])
        skip = 0 if typed else heading.data_from
        positions = _coordinate_columns(schema.names)
        pair = None if heading is None else heading.pair_column
        converted = Converted(pair_column=None if pair is None else schema.names[pair])
        written = schema if pair is None else _split_schema(schema, pair)
        with pa_csv.CSVWriter(copy, written, write_options=pa_csv.WriteOptions(
                delimiter=COPY_SEPARATOR)) as writer:
            for batch in reader:
                table = pa.Table.from_batches([batch]).rename_columns(schema.names)
                table, skip = table.slice(skip), max(0, skip - table.num_rows)
                for i in positions:
                    column, count = as_decimal(table.column(i))
                    table = table.set_column(i, schema.field(i), column)
                    converted.degrees += count
                if pair is not None:
                    table = _split_pairs(table, pair, written, converted)
                writer.write_table(_without_blank_rows(table))
    return converted


def _split_schema(schema: pa.Schema, pair: int) -> pa.Schema:
    """The copy's columns: the column of positions as a latitude and a longitude column,
    named for VN-2000 if it was ("Tọa độ VN-2000")."""
    datum = " VN-2000" if names_vn2000(schema.names[pair]) else ""
    return (schema.remove(pair).insert(pair, pa.field(f"lon{datum}", pa.string()))
            .insert(pair, pa.field(f"lat{datum}", pa.string())))


def _split_pairs(table: pa.Table, pair: int, written: pa.Schema,
                 converted: Converted) -> pa.Table:
    """`table` with column `pair` as its latitudes and longitudes, in decimal degrees; a
    cell that holds no position leaves both empty, a feature without geometry."""
    lats, lons = [], []
    for text in table.column(pair).cast(pa.string()).to_pylist():
        read = coordinate_pair(text) if text else None
        if read:
            converted.pair_orders[read[2]] += 1
        elif text:
            converted.unreadable_pairs += 1
            if len(converted.unreadable_examples) < 3:
                converted.unreadable_examples.append(text)
        lons.append(f"{read[0]:.9f}" if read else None)
        lats.append(f"{read[1]:.9f}" if read else None)
    return pa.Table.from_arrays(
        [*table.columns[:pair], pa.array(lats, pa.string()), pa.array(lons, pa.string()),
         *table.columns[pair + 1:]], schema=written)


def _coordinate_columns(names: Sequence[str]) -> list[int]:
    """Where the longitude and latitude columns are, by name."""
    return [i for i, name in enumerate(names) if coordinate_axis(name)]


def _without_blank_rows(table: pa.Table) -> pa.Table:
    """Rows with something in them: a blank row between blocks is layout, not a feature."""
    if not table.num_columns:
        return table
    filled = functools.reduce(pc.or_, (pc.is_valid(column) for column in table.columns))
    return table.filter(filled)


def _column_names(cells: list[str | None]) -> list[str]:
    """Heading cells as column names; a blank one by its place ("column 7")."""
    return [cell or f"column {i}" for i, cell in enumerate(cells, start=1)]
