"""A workbook of daily reports, one sheet a day: the health office's month of ward figures,
each sheet titled or named by the day it is of ("BÁO CÁO NGÀY 01/11/2021", "01.11.2021").

Such a workbook is read as one table: every sheet's rows, with the sheet's day in a column
named for the layer's required date field, so that one load takes the month, where the load
stopped at "several sheets with data" and asked for each sheet by name. A sheet's day is
the one its title states, or its name (`loaders.stated`), or, for a sheet named by its day
alone ("5", "05.11") where nothing else states one, that day of the month the workbook's
name states ("T11.2021.xlsx", "Báo cáo tháng 11 năm 2021.xlsx"). A sheet that states no
single day (the month's summary, "Tổng hợp"; a week), or whose title and name state
different days (a sheet copied from the day before and renamed, its title left as it was),
is left out, and the notes name it: which day its rows are of is not guessed.

Taken only when a load names no sheet (`--layer`) and none is named like the layer, when two
sheets or more state a day each, and when the first sheet has no column for the date: rows
that say their own day are read as a single sheet's are. Two sheets of one day refuse the
workbook: which of them is that day's report is not guessed either.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from geo.errors import InvalidInput
from layers import LayerSpec
from loaders.all_sheets import heading, merge_copies
from loaders.mapping import chosen_by_name, match_columns
from loaders.stated import Place, day_fields, day_in_month, days_in, month_in
from loaders.tables import TableCopy, copy_sheet

SAID_AS = {"the title above the table": "title", "the sheet's name": "name"}


def day_of(places: Sequence[Place], month: tuple[int, int] | None = None
           ) -> tuple[date, str] | str:
    """The day a sheet is of and where it is stated (its "title", its "name", or both), from
    `places` (`tables.copy_sheet`'s); else why none is taken. `month`: the one the
    workbook's name states, which a sheet named by its day alone ("5") is of, when nothing
    else it has states a day (said as "month").

    >>> day_of([("the title above the table", "BÁO CÁO NGÀY 01/11/2021"),
    ...         ("the sheet's name", "Ngày 1")])
    (datetime.date(2021, 11, 1), 'title')
    >>> day_of([("the title above the table", "BÁO CÁO NGÀY 01/11/2021"),
    ...         ("the sheet's name", "02.11.2021")])
    'its title states 2021-11-01 and its name 2021-11-02'
    >>> day_of([("the sheet's name", "2")], (2021, 11))
    (datetime.date(2021, 11, 2), 'month')
    """
    said = {SAID_AS[where]: (text, days_in(text)) for where, text in places}
    stated = {where: days[0] for where, (_, days) in said.items() if len(days) == 1}
    if len(set(stated.values())) > 1:
        return (f"its title states {stated['title'].isoformat()} and its name "
                f"{stated['name'].isoformat()}")
    if stated:
        return next(iter(stated.values())), " and ".join(stated)
    if month and not any(days for _, days in said.values()) and \
            (day := day_in_month(said["name"][0], month)):
        return day, "month"  # its name, in the workbook's month
    return "it states no single day"


def days_as_csv(name: str, dataset: str, spec: LayerSpec, sheets: Sequence[str],
                wanted: str | None, scratch: Path,
                typed_in: str | None = None) -> tuple[Path, TableCopy] | None:
    """Workbook `dataset`'s sheets of one day each as one CSV in `scratch`, with the day of
    each row in the date field's column; None for a workbook that is not one."""
    field = next(iter(day_fields(spec)), None)
    if field is None or wanted is not None or len(sheets) < 2 or \
            chosen_by_name(sheets, None, spec):
        return None
    (scratch / "days").mkdir()
    month = month_in(Path(name).stem)
    copies: dict[str, Path] = {}
    days: dict[str, tuple[date, str]] = {}
    left_out: dict[str, str] = {}
    for sheet in sheets:
        copy = scratch / "days" / f"{len(copies)}.csv"  # Excel allows . and spaces in names
        table = copy_sheet(name, dataset, sheet, spec, copy, typed_in)
        if not copies and field.name in match_columns(spec, heading(copy)).fields:
            return None
        copies[sheet] = copy
        found = day_of(table.places, month)
        if isinstance(found, str):
            left_out[sheet] = found
        else:
            days[sheet] = found
    if len(days) < 2:
        return None
    by_day: dict[date, list[str]] = {}
    for sheet, (day, _) in days.items():
        by_day.setdefault(day, []).append(sheet)
    for day, alike in by_day.items():
        if len(alike) > 1:  # copied and left unrenamed, or a day's report sent twice
            raise InvalidInput(f"{name}: sheets {' and '.join(map(repr, alike))} all state "
                               f"{day.isoformat()}, and one day has one report. Remove the "
                               "sheet that is not that day's, or pick one with --layer.")
    merged = scratch / f"{Path(name).stem}.csv"
    merge_copies([copies[sheet] for sheet in days],
                 merged, (field.name, [day.isoformat() for day, _ in days.values()]))
    first, last = (f(days, key=days.__getitem__) for f in (min, max))
    read_from = {place for _, where in days.values() for place in where.split(" and ")}
    in_month = month if "month" in read_from else None
    read_from = {"name" if place == "month" else place for place in read_from}
    notes = [f"read {len(days)} sheets, one day's report each, {first!r} to {last!r}: "
             f"{field.name} from each sheet's {' or '.join(sorted(read_from, reverse=True))}"
             + (f", in the month the workbook's name states ({in_month[1]:02}/{in_month[0]})"
                if in_month else ""),
             *(f"sheet {sheet!r} left out: {why}" for sheet, why in left_out.items())]
    return merged, TableCopy(notes, [])
