"""A workbook of daily reports, one sheet a day: the health office's month of ward figures,
its sheets named by the day each is of ("01.11.2021", "02.11.2021" …).

Such a workbook is read as one table: every sheet's rows, with the day its name states in a
column named for the layer's required date field, so that one load takes the month, where
the load stopped at "several sheets with data" and asked for each sheet by name. A sheet
whose name states no day, or two (the month's summary, "Tổng hợp"; a week "01.11-07.11"),
is left out, and the notes name it.

Taken only when a load names no sheet (`--layer`) and none is named like the layer, when two
sheets or more state a day each, none the same, and when the first of them has no column
for the date: rows that say their own day are read as a single sheet's are.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from layers import LayerSpec
from layers.spec import Field
from loaders.mapping import chosen_by_name, match_columns
from loaders.stated import days_in
from loaders.tables import COPY_SEPARATOR, TableCopy, copy_sheet


def _day_field(spec: LayerSpec) -> Field | None:
    return next((f for f in spec.fields if f.type == "date" and f.required), None)


def sheets_by_day(sheets: Sequence[str], spec: LayerSpec) -> dict[str, date]:
    """The sheets whose names state one day each, by sheet, if two or more do and no two
    the same day; else none."""
    days = {sheet: found[0] for sheet in sheets if len(found := days_in(sheet)) == 1}
    return days if len(days) >= 2 and len(set(days.values())) == len(days) else {}


def days_as_csv(name: str, dataset: str, spec: LayerSpec, sheets: Sequence[str],
                wanted: str | None, scratch: Path,
                typed_in: str | None = None) -> tuple[Path, TableCopy] | None:
    """Workbook `dataset`'s sheets of one day each as one CSV in `scratch`, with the day of
    each row in the date field's column; None for a workbook that is not one."""
    field = _day_field(spec)
    if field is None or wanted is not None or chosen_by_name(sheets, None, spec):
        return None
    days = sheets_by_day(sheets, spec)
    if not days:
        return None
    (scratch / "days").mkdir()
    copies = []
    for sheet in days:
        copy = scratch / "days" / f"{len(copies)}.csv"  # Excel allows . and spaces in names
        copy_sheet(name, dataset, sheet, spec, copy, typed_in)
        if not copies and field.name in match_columns(spec, _heading(copy)).fields:
            return None
        copies.append(copy)
    merged = scratch / f"{Path(name).stem}.csv"
    _merge(copies, [day.isoformat() for day in days.values()], field.name, merged)
    first, last = min(days, key=days.__getitem__), max(days, key=days.__getitem__)
    notes = [f"read {len(days)} sheets, one day's report each, {first!r} to {last!r}: "
             f"{field.name} from each sheet's name"]
    left_out = [sheet for sheet in sheets if sheet not in days]
    if left_out:
        notes.append(f"sheet{'s' if len(left_out) > 1 else ''} "
                     f"{', '.join(repr(s) for s in left_out)} left out: "
                     f"{'its name states' if len(left_out) == 1 else 'their names state'} "
                     "no single day")
    return merged, TableCopy(notes, [])


def _heading(copy: Path) -> list[str]:
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


def _merge(copies: Sequence[Path], days: Sequence[str], day_column: str, merged: Path) -> None:
    """The copies' rows under the union of their columns (a day may add a "Ghi chú"), each
    with its copy's day in `day_column`."""
    keys = list(dict.fromkeys(key for copy in copies for key in _keys(_heading(copy))))
    with merged.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=COPY_SEPARATOR)
        writer.writerow([*(name for name, _ in keys), day_column])
        for copy, day in zip(copies, days, strict=True):
            with copy.open(encoding="utf-8", newline="") as text:
                rows = csv.reader(text, delimiter=COPY_SEPARATOR)
                where = {key: i for i, key in enumerate(_keys(next(rows, [])))}
                for row in rows:
                    writer.writerow([*(row[where[key]] if key in where else "" for key in keys),
                                     day])
