"""Coordinates typed in degrees, minutes and seconds, as a GPS receiver shows them and survey
lists write them: 10°46'21.3"N, 106°44'20.5"E, 106 44 20.5, 10°46.355'.

GDAL reads a table's longitude and latitude columns as numbers only, so a list of hydrants
typed so had no geometry at all. The table's copy (`loaders.tables`) carries such values as
decimal degrees; a value that is not one (minutes or seconds of 60 or more, a stray word)
is left as typed, for the load to refuse as it refuses any unreadable position.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

_NUMBER = r"\d+(?:[.,]\d+)?"
_DMS = re.compile(
    rf"""^\s*(?P<before>[NSEW])?\s*
    (?P<degrees>{_NUMBER})\s*(?:°|º|˚|deg|d\b|\s)\s*
    (?:(?P<minutes>{_NUMBER})\s*(?:'|′|’|min|m\b|\s)?\s*)?
    (?:(?P<seconds>{_NUMBER})\s*(?:"|″|”|''|’’|sec|s\b)?\s*)?
    (?P<after>[NSEW])?\s*$""", re.VERBOSE | re.IGNORECASE)
# What a value needs to be taken for degrees and minutes rather than a number: a degree
# sign, or a second number after a space.
_MARKED = r"[°º˚'′’\"″”]|\d\s+\d"


def dms_degrees(text: str) -> float | None:
    """Decimal degrees of a position written in degrees (and minutes, and seconds), south
    and west negative; None if `text` is not one.

    >>> dms_degrees('10°46\\'21.3"N'), dms_degrees("106 44 20,5 E"), dms_degrees("10°46.355'")
    (10.772583333333333, 106.73902777777778, 10.772583333333333)
    >>> dms_degrees("W 0°30'"), dms_degrees("106.7390"), dms_degrees("10°75'")
    (-0.5, None, None)
    """
    if not re.search(_MARKED, text):
        return None
    found = _DMS.match(text)
    if not found or (found["before"] and found["after"]):
        return None
    degrees, minutes, seconds = (float((found[part] or "0").replace(",", "."))
                                 for part in ("degrees", "minutes", "seconds"))
    if minutes >= 60 or seconds >= 60 or (found["minutes"] is None and found["seconds"]):
        return None
    hemisphere = (found["before"] or found["after"] or "").upper()
    value = degrees + minutes / 60 + seconds / 3600
    return -value if hemisphere in ("S", "W") else value


def as_decimal(column: pa.ChunkedArray) -> tuple[pa.ChunkedArray, int]:
    """A text column with each value in degrees and minutes as decimal degrees, and how
    many were; any other column, or one with no such value, as it is."""
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return column, 0
    marked = pc.match_substring_regex(column, _MARKED)
    if not pc.any(marked).as_py():
        return column, 0
    converted = 0
    values = []
    for text in column.to_pylist():
        degrees = dms_degrees(text) if text else None
        converted += degrees is not None
        values.append(f"{degrees:.9f}" if degrees is not None else text)
    return pa.chunked_array([pa.array(values, column.type)]), converted
