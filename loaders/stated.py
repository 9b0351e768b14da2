"""Values given once for all of a file's rows: by `--set FIELD=VALUE` or a mapping file's
[set], or, for a report's day, by the title above its table ("BÁO CÁO NGÀY 05/11/2021"),
its sheet's name or the file's name ("bao_cao_2021-11-05.xlsx").

A ward's daily report of cases has the wards and their figures in columns and the day only
there: without it, every row was refused as missing report_date. The day is read only for
a required date field the file has no column for, and only from a place that states one
day: a title "từ ngày 01/11/2021 đến ngày 05/11/2021" (or a week "01-07/11/2021"), or a
report signed the day after the day it is of, states two, and the note asks for --set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

import pandas as pd

from geo.errors import InvalidInput
from geo.text import folded
from layers import LayerSpec
from layers.spec import Field
from loaders.mapping import ColumnMapping, column_key, with_constant
from loaders.values import cast

Place = tuple[str, str]  # where a day may be written (for the note), and what it says

# Day first, as Vietnamese documents write dates; a year first only as ISO 8601 does. Any
# of . / - _ between (a file's name has no /).
_DAY_FIRST = re.compile(r"(?<!\d)(\d{1,2})[./_-](\d{1,2})[./_-](\d{4})(?!\d)")
_YEAR_FIRST = re.compile(r"(?<!\d)(\d{4})[./_-](\d{1,2})[./_-](\d{1,2})(?!\d)")
_IN_WORDS = re.compile(r"ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})")
# A week or a month written as a range states its first day too, which often leaves its
# month and year to the last ("01-07/11/2021", "từ 01/11 đến 07/11/2021", "01/11 - 07/11/2021"):
# read as the last day alone, a week's sums were taken for that day's report. A bare dash
# after a day alone counts only unspaced: "Quận 2 - 05/11/2021" is a place and a day.
_RANGE_START = re.compile(
    r"(?<![\d./_-])(?P<d>\d{1,2})(?:[./-](?P<m>\d{1,2}))?\s*(?:den|toi)\s*(?:ngay\s*)?$"
    r"|(?<![\d./_-])(?P<d2>\d{1,2})[./-](?P<m2>\d{1,2})\s*[-\u2013\u2014]\s*(?:ngay\s*)?$"
    r"|(?<![\d./-])(?P<d3>\d{1,2})[-\u2013\u2014]$")
# A month without a day, as a workbook of its days is named: "tháng 11 năm 2021", "T11.2021",
# "11-2021", "2021_11"
_MONTH_FIRST = re.compile(
    r"(?<![\d./-])(?:thang\s*|t)?(\d{1,2})\s*(?:nam|[./_-])\s*(\d{4})(?!\d|[./_-]\d)")
_YEAR_MONTH = re.compile(r"(?<![\d./-])(\d{4})[./_-](\d{1,2})(?!\d|[./_-]\d)")
# A sheet named by its day alone, or its day and month: "5", "Ngày 5", "05.11"
_DAY_ALONE = re.compile(r"(?:ngay\s*)?(\d{1,2})(?:[./_-](\d{1,2}))?")
YEARS = range(1900, 2101)
SHOWN_CHARACTERS = 80


def days_in(text: str) -> list[date]:
    """The days `text` writes, each once, in the order it writes them.

    >>> days_in("BÁO CÁO TÌNH HÌNH DỊCH NGÀY 05/11/2021")
    [datetime.date(2021, 11, 5)]
    >>> days_in("Quận 7, ngày 06 tháng 11 năm 2021 - số liệu đến 05.11.2021")
    [datetime.date(2021, 11, 6), datetime.date(2021, 11, 5)]
    >>> days_in("bao_cao_2021-11-05"), days_in("31/02/2021 TT 27/2018")
    ([datetime.date(2021, 11, 5)], [])
    >>> days_in("BÁO CÁO TUẦN (TỪ 01/11 ĐẾN 07/11/2021)")
    [datetime.date(2021, 11, 1), datetime.date(2021, 11, 7)]
    >>> [len(days_in(week)) for week in ("TUẦN 01-07/11/2021", "Từ ngày 01 đến ngày 07/11/2021",
    ...                                   "(01.11 – 07.11.2021)", "Quận 2 - 05/11/2021")]
    [2, 2, 2, 1]
    >>> days_in("28/12 - 03/01/2022")
    [datetime.date(2021, 12, 28), datetime.date(2022, 1, 3)]
    """
    text = folded(text)
    found: list[tuple[int, date]] = []  # where it is written, and the day
    for pattern, order in ((_IN_WORDS, "dmy"), (_DAY_FIRST, "dmy"), (_YEAR_FIRST, "ymd")):
        for match in pattern.finditer(text):
            parts = dict(zip(order, map(int, match.groups()), strict=True))
            if parts["y"] in YEARS and (day := _day(parts)):
                found.append((match.start(), day))
                if order == "dmy" and (first := _range_start(text[:match.start()], day)):
                    found.append(first)
    days = [day for _, day in sorted(found, key=lambda written: written[0])]
    return sorted(set(days), key=days.index)


def month_in(text: str) -> tuple[int, int] | None:
    """The year and month `text` names, if it names one and no day.

    >>> month_in("Báo cáo tháng 11 năm 2021"), month_in("T11.2021"), month_in("q7_2021-11")
    ((2021, 11), (2021, 11), (2021, 11))
    >>> month_in("bao_cao_2021-11-05"), month_in("11-2021 và 12-2021"), month_in("2021-2022")
    (None, None, None)
    """
    if days_in(text):
        return None
    text = folded(text)
    months = {(int(year), int(month))
              for pattern, order in ((_MONTH_FIRST, "my"), (_YEAR_MONTH, "ym"))
              for match in pattern.finditer(text)
              for month, year in [match.groups() if order == "my" else match.groups()[::-1]]
              if int(year) in YEARS and 1 <= int(month) <= 12}
    return months.pop() if len(months) == 1 else None


def day_in_month(name: str, month: tuple[int, int]) -> date | None:
    """The day of `month` (year, month) that `name` gives by its day alone, or its day and
    that month.

    >>> [day_in_month(name, (2021, 11)) for name in ("5", "Ngày 05", "05.11", "05.12", "Biểu 1")]
    [datetime.date(2021, 11, 5), datetime.date(2021, 11, 5), datetime.date(2021, 11, 5), None, None]
    """
    match = _DAY_ALONE.fullmatch(folded(name).strip())
    if not match or (match[2] is not None and int(match[2]) != month[1]):
        return None
    return _day({"y": month[0], "m": month[1], "d": int(match[1])})


def _range_start(before: str, last: date) -> tuple[int, date] | None:
    """Where the range that `last` ends starts, and its first day, if `before` (the text up
    to `last`) ends with one: in `last`'s month and year unless it names its own month, and
    in the year before if that month is after `last`'s ("28/12 - 03/01/2022")."""
    if not (match := _RANGE_START.search(before)):
        return None
    day_of_month = int(match["d"] or match["d2"] or match["d3"])
    month = match["m"] or match["m2"]
    if month is None:
        first = _day({"y": last.year, "m": last.month, "d": day_of_month})
    else:
        year = last.year - (int(month) > last.month)
        first = _day({"y": year, "m": int(month), "d": day_of_month})
    return (match.start(), first) if first is not None and first < last else None


def _day(parts: Mapping[str, int]) -> date | None:
    try:
        return date(parts["y"], parts["m"], parts["d"])
    except ValueError:  # 31/02
        return None


def day_fields(spec: LayerSpec) -> list[Field]:
    """The fields a day stated once can fill: required dates (a ward report's report_date)."""
    return [f for f in spec.fields if f.type == "date" and f.required]


def given_fields(spec: LayerSpec, pairs: Mapping[str, str]) -> dict[str, str]:
    """`--set` pairs whose names are fields of the layer (refused before the file is
    opened); their values are checked once the mapping is known (`check_given`)."""
    for name, value in pairs.items():
        if name not in {f.name for f in spec.fields}:
            raise InvalidInput(f"--set {name}={value}: {spec.id} has no field {name!r}; its "
                               f"fields are: {', '.join(f.name for f in spec.fields)}.")
    return dict(pairs)


def check_given(spec: LayerSpec, mapping: ColumnMapping) -> None:
    """Refuse, before a row is read, a value given for every row (`--set`, a mapping file's
    [set]) that its field cannot hold: one of its choices by any name the built-in synonyms
    or the mapping file's [values] give it."""
    for name, source in mapping.fields.items():
        if source.column is not None or source.constant is None:
            continue
        field, value = spec.field(name), source.constant
        stored = source.values.get(column_key(value), value)
        if field.choices and stored not in field.choices:
            raise InvalidInput(f"{source.given_by} {name}={value}: {name} is one of "
                               f"{', '.join(field.choices)}, or a value the mapping file's "
                               f"[values.{name}] names.")
        if cast(pd.Series([stored], dtype=object), field).isna().all():
            raise InvalidInput(f"{source.given_by} {name}={value}: {value!r} cannot be read as "
                               f"{'a' if field.type != 'integer' else 'an'} {field.type}.")


def with_stated_days(spec: LayerSpec, mapping: ColumnMapping,
                     places: Sequence[Place]) -> tuple[ColumnMapping, list[str]]:
    """`mapping` with each required date field it has no column for given the day the first
    of `places` to write one states, and notes saying where it was read, or why not."""
    notes = []
    for field in day_fields(spec):
        if field.name in mapping.fields:
            continue
        for where, text in places:
            days = days_in(text)
            shown = text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS] + "…"
            if len(days) == 1:
                mapping = with_constant(mapping, field, days[0].isoformat())
                notes.append(f"{field.name} {days[0].isoformat()} for every row, as {where} "
                             f"states it ({shown!r}); --set {field.name}=YYYY-MM-DD gives "
                             "another")
            elif days:
                notes.append(f"{where} states {len(days)} days ({shown!r}): --set "
                             f"{field.name}=YYYY-MM-DD says which the rows are of")
            if days:
                break
    return mapping, notes
