"""Every sheet of a workbook read as one table, by `--layer '*'` (Excel forbids * in a
sheet's name): a list an office keeps a sheet a ward ("Phường Tân Phong", "Phường Tân
Hưng" …), each sheet with its own title and heading.

A load of such a workbook stopped at "several sheets with data", and each sheet had to be
loaded by name, where the second load, a replace, deleted what the first had loaded. The
sheets' rows are taken under the union of their columns (a ward may add a "Ghi chú"); a
sheet with none of the layer's columns (notes, a legend) is left out, and the notes name it.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from geo.errors import InvalidInput
from layers import LayerSpec
from loaders.layer_choice import ALL_AS_ONE
from loaders.mapping import match_columns
from loaders.tables import COPY_SEPARATOR, TableCopy, copy_sheet


def all_as_csv(name: str, dataset: str, spec: LayerSpec, sheets: Sequence[str], scratch: Path,
               typed_in: str | None = None) -> tuple[Path, TableCopy]:
    """Workbook `dataset`'s `sheets` (those with data) as one CSV in `scratch`, named so that
    its layer is `ALL_AS_ONE`, and notes of what was read."""
    (scratch / "sheets").mkdir()
    copies: dict[str, Path] = {}
    left_out = []
    for sheet in sheets:
        copy = scratch / "sheets" / f"{len(copies) + len(left_out)}.csv"
        copy_sheet(name, dataset, sheet, spec, copy, typed_in)
        if match_columns(spec, heading(copy)).fields:
            copies[sheet] = copy
        else:
            left_out.append(sheet)
    if not copies:
        raise InvalidInput(f"{name}: no sheet has a column {spec.id} takes ("
                           f"{', '.join(f.name for f in spec.fields)}).")
    merged = scratch / f"{ALL_AS_ONE}.csv"
    counts = merge_copies(list(copies.values()), merged)
    read = ", ".join(f"{sheet!r} ({count:,})" for sheet, count in zip(copies, counts,
                                                                       strict=True))
    notes = [f"read {len(copies)} sheet{'s' if len(copies) != 1 else ''} as one table, rows "
             f"from each: {read}",
             *(f"sheet {sheet!r} left out: none of its columns is one {spec.id} takes"
               for sheet in left_out)]
    return merged, TableCopy(notes, [])


def heading(copy: Path) -> list[str]:
    """The column names of a copied sheet (`tables.copy_sheet`)."""
    with copy.open(encoding="utf-8", newline="") as text:
        return next(csv.reader(text, delimiter=COPY_SEPARATOR), [])


def _keys(names: Sequence[str]) -> list[tuple[str, int]]:
    """Each column as its name and how many before it have that name: a heading may name two
    columns alike, and each keeps its values.

    >>> _keys(["Phường", "Số ca", "Số ca"])
    [('Phường', 0), ('Số ca', 0), ('Số ca', 1)]
    """
    seen: Counter[str] = Counter()
    keys = []
    for name in names:
        keys.append((name, seen[name]))
        seen[name] += 1
    return keys


def merge_copies(copies: Sequence[Path], merged: Path,
                 added: tuple[str, Sequence[str]] | None = None) -> list[int]:
    """The copied sheets' rows in one CSV `merged`, under the union of their columns, and
    how many each gave; `added`: a column's name and each copy's value for it, in all its
    rows (a sheet's day, `loaders.day_sheets`)."""
    keys = list(dict.fromkeys(key for copy in copies for key in _keys(heading(copy))))
    values = added[1] if added else [None] * len(copies)
    counts = []
    with merged.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=COPY_SEPARATOR)
        writer.writerow([*(name for name, _ in keys), *([added[0]] if added else [])])
        for copy, value in zip(copies, values, strict=True):
            with copy.open(encoding="utf-8", newline="") as text:
                rows = csv.reader(text, delimiter=COPY_SEPARATOR)
                where = {key: i for i, key in enumerate(_keys(next(rows, [])))}
                count = 0
                for row in rows:
                    writer.writerow([*(row[where[key]] if key in where else "" for key in keys),
                                     *([value] if added else [])])
                    count += 1
            counts.append(count)
    return counts
