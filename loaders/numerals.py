"""Numbers typed as text, read as their writer meant them: in Vietnam a comma marks the
decimals and a dot groups the thousands ("1.234,5"), elsewhere the other way round
("1,234.5"), and a space may group them too ("45 120").

A value with one separator before three digits ("45.120", "45,120") could be either. Where
the field holds whole numbers it is grouped: a population cannot be 45.12. Where it holds
any number, its column decides if it can: a column whose other values show which mark is
its decimal ("3,5" or "1.250.000" show a comma) reads it that way. Alone, it is a decimal:
"45,120" reads as 45.12, as Vietnamese documents write it.
"""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# A blank between digit groups: space, no-break space, narrow and thin no-break space.
_GROUP_BLANK = re.compile(r"(?<=\d)[ \u00a0\u202f\u2009](?=\d{3}(?!\d))")
_PLAIN = r"[+-]?(?:\d+|\d*\.\d+)(?:[eE][+-]?\d+)?"  # a number with "." as decimal, if any
_READABLE = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"  # what Arrow reads as a number
_ONE_GROUP = r"[+-]?\d{1,3}\.\d{3}"  # plain, but "45.120" could be grouped
_MARKS = ",."


def read_numbers(values: pd.Series, whole: bool = False) -> pd.Series:
    """Values as floats, NaN where they do not read as a number; `whole`: the field holds
    whole numbers, which decides "45.120" read alone.

    >>> read_numbers(pd.Series(["3,5", "1.234,5", "1,234.5", "45 120", 7, "x"])).tolist()
    [3.5, 1234.5, 1234.5, 45120.0, 7.0, nan]
    >>> read_numbers(pd.Series(["45.120", "45,120"]), whole=True).tolist()
    [45120.0, 45120.0]
    >>> read_numbers(pd.Series(["1,250", "2,5"]), whole=True).tolist()  # 2.5 then refused
    [1250.0, 2.5]
    >>> read_numbers(pd.Series(["45.120", "45,120"])).tolist()
    [45.12, 45.12]
    >>> read_numbers(pd.Series(["12.500", "3,5"])).tolist()  # the column's decimal: a comma
    [12500.0, 3.5]
    >>> read_numbers(pd.Series(["12,500", "3.25"])).tolist()  # the column's decimal: a dot
    [12500.0, 3.25]
    """
    if pd.api.types.is_numeric_dtype(values):
        return pd.to_numeric(values, errors="coerce").astype("float64")
    if pd.api.types.is_object_dtype(values):
        is_text = values.map(lambda value: isinstance(value, str))
    else:  # text alone
        is_text = values.notna()
    numbers = pd.to_numeric(values.where(~is_text), errors="coerce").astype("float64")
    if not is_text.any():
        return numbers
    # In Arrow's C++ (a million values: about 0.5 s, against 1.3 s by pandas' string methods):
    # most columns hold plain numbers, and only the other values are read one by one, once.
    text = pc.utf8_trim_whitespace(pa.array(values[is_text].to_numpy(object), pa.string()))
    plain = pc.and_(pc.match_substring_regex(text, f"^{_PLAIN}$"),
                    pc.invert(pc.match_substring_regex(text, f"^{_ONE_GROUP}$")))
    written = pc.unique(pc.filter(text, pc.invert(plain)))
    shown_by_plain = {"."} if pc.any(pc.match_substring(pc.filter(text, plain), ".")).as_py() \
        else set()
    ungrouped = [_GROUP_BLANK.sub("", value) for value in written.to_pylist()]
    decimal = _column_decimal(ungrouped, shown_by_plain)
    readings = pa.array([_as_plain(value, decimal, whole) for value in ungrouped], pa.string())
    as_plain = pc.if_else(plain, text, pc.take(readings, pc.index_in(text, written)))
    readable = pc.match_substring_regex(as_plain, f"^{_READABLE}$")
    numbers[is_text] = pc.cast(pc.if_else(readable, as_plain, pa.scalar(None, pa.string())),
                               pa.float64()).to_numpy(zero_copy_only=False)
    return numbers


def _column_decimal(written: list[str], shown_by_plain: set[str]) -> str | None:
    """The decimal mark the column's values show, if they agree on one."""
    shown = {_decimal_shown(value) for value in written} - {None} | shown_by_plain
    return shown.pop() if len(shown) == 1 else None


def _decimal_shown(value: str) -> str | None:
    """The decimal mark that only can be read from `value`: the later mark of two ("1.234,5"),
    the other mark than one that groups more than once ("1.250.000"), one mark not before
    three digits ("3,5"); None for one before three digits ("45.120") or no number at all.
    """
    if "," in value and "." in value:
        return max(_MARKS, key=value.rfind)
    for mark, other in (",", "."), (".", ","):
        if mark in value:
            if _grouped(value, mark):
                return other if value.count(mark) > 1 else None
            return mark if value.count(mark) == 1 else None
    return None


def _as_plain(value: str, decimal: str | None, whole: bool) -> str:
    """`value` with "." as its decimal mark and no grouping, as float() reads it."""
    if "," in value and "." in value:
        point = max(_MARKS, key=value.rfind)
        group = "," if point == "." else "."
        return value.replace(group, "").replace(point, ".") if _grouped(
            value.split(point)[0], group) else value
    for mark in _MARKS:
        if mark in value:
            groups = _grouped(value, mark) and (
                whole or value.count(mark) > 1 or decimal not in (None, mark))
            return value.replace(mark, "" if groups else ".")
    return value


def _grouped(value: str, mark: str) -> bool:
    """Whether `value` is digits grouped by threes with `mark` ("1.250.000")."""
    return re.fullmatch(rf"[+-]?\d{{1,3}}(?:{re.escape(mark)}\d{{3}})+", value) is not None
