"""Attributes a KML keeps in its placemarks' descriptions: an HTML table of field names and
values, as ArcGIS's "Layer To KML" writes it (and the web maps that export through it),
instead of KML's ExtendedData.

GDAL reads such a description as one column of HTML, and a hydrant's code, state and street
were lost in it: the load found no column for them. The table's rows of two cells, a name
and a value, are read here as the placemark's columns, named as the table names them, so
that the layer's fields are matched to them as to any file's (`MA_TRU`, `TINH_TRANG`).
ArcGIS writes an empty value as `<Null>`, read as empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html.parser import HTMLParser

import pyarrow as pa

DESCRIPTION = "description"  # GDAL's LIBKML column
NULL_WRITTEN = "<Null>"


class _Cells(HTMLParser):
    """The rows of every table in a text, each a list of its cells' texts; a row holding a
    table (ArcGIS nests the attributes' table in the layer's) is a row of its own."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._open: list[list[str]] = []  # the rows begun and not ended, innermost last

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "tr":
            self._open.append([])
        elif tag in ("td", "th") and self._open:
            self._open[-1].append("")
        elif tag == "br" and self._open and self._open[-1]:
            self._open[-1][-1] += " "

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr" and self._open:
            self.rows.append(self._open.pop())

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1]:
            self._open[-1][-1] += data


def pairs(description: str | None) -> dict[str, str | None]:
    """The name and value of each row of two cells of the description's tables.

    >>> pairs("<table><tr><td>LAYER</td></tr><tr><td><table>"
    ...       "<tr><td>MA_TRU</td><td>TN-01</td></tr>"
    ...       "<tr><td>Tình trạng</td><td>hỏng &amp; rò rỉ</td></tr>"
    ...       "<tr><td>AP_LUC</td><td>&lt;Null&gt;</td></tr></table></td></tr></table>")
    {'MA_TRU': 'TN-01', 'Tình trạng': 'hỏng & rò rỉ', 'AP_LUC': None}
    >>> pairs("Trụ gần chợ"), pairs(None)
    ({}, {})
    """
    if not description or "<t" not in description.lower():
        return {}
    cells = _Cells()
    cells.feed(description)
    cells.close()
    found: dict[str, str | None] = {}
    for row in cells.rows:
        name, value = (" ".join(cell.split()) for cell in row) if len(row) == 2 else ("", "")
        if name and name not in found:
            found[name] = None if value in ("", NULL_WRITTEN) else value
    return found


def columns_in(descriptions: Iterable[str | None], taken: Sequence[str]) -> tuple[str, ...]:
    """The names the descriptions' tables give, in the order they first come, but for the
    names of columns the file has already (`taken`), which keep their own values."""
    names: dict[str, None] = {}
    for description in descriptions:
        names.update(dict.fromkeys(pairs(description)))
    have = {name.casefold() for name in taken}
    return tuple(name for name in names if name.casefold() not in have)


def with_columns(table: pa.Table, names: Sequence[str]) -> pa.Table:
    """`table` with a text column for each of `names`, from each row's description."""
    read = [pairs(text) for text in table.column(DESCRIPTION).to_pylist()]
    for name in names:
        table = table.append_column(name, pa.array([row.get(name) for row in read],
                                                   pa.string()))
    return table
