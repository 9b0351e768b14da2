"""Coordinates as people type them into a table: in degrees, minutes and seconds, as a GPS
receiver shows them and survey lists write them (10°46'21.3"N, 106°44'20.5"E, 106 44 20.5,
10°46.355'), and both in one cell, as Google Maps copies a place's position
("10.772583, 106.739028", or 10°46'21.3"N 106°44'20.5"E).

GDAL reads a table's longitude and latitude columns as numbers only, so a list of hydrants
typed so had no geometry at all, and one column of positions gave it none either. The
table's copy (`loaders.tables`) carries such values as decimal degrees in a column each; a
value that is not one (minutes or seconds of 60 or more, a stray word) is left as typed, or
empty, for the load to refuse as it refuses any unreadable position.
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
    read = _dms(text)
    return None if read is None else read[0]


def _dms(text: str) -> tuple[float, str] | None:
    """A position in degrees and minutes, signed, with the hemisphere it names ("" if none)."""
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
    return (-value if hemisphere in ("S", "W") else value), hemisphere


_DECIMAL = re.compile(
    r"^(?P<before>[NSEW])?\s*(?P<value>[+-]?\d+(?:[.,]\d+)?)\s*(?P<after>[NSEW])?$", re.IGNORECASE)
# Where a cell holding both coordinates may be cut in two: a comma or semicolon, or blanks.
_BETWEEN = re.compile(r"\s*[,;]\s*|\s+")


def _coordinate(text: str) -> tuple[float, str] | None:
    """One coordinate, decimal or in degrees and minutes, with the hemisphere it names."""
    found = _DECIMAL.match(text)
    if not found:
        return _dms(text)
    if found["before"] and found["after"]:
        return None
    hemisphere = (found["before"] or found["after"] or "").upper()
    value = float(found["value"].replace(",", "."))
    return (-abs(value) if hemisphere in ("S", "W") else value), hemisphere


def coordinate_pair(text: str) -> tuple[float, float, str] | None:
    """Longitude, latitude and the order they were written in ("latitude, longitude" or
    "longitude, latitude") of a cell holding both; None unless it holds exactly one pair.

    Hemispheres say which is which; without them a value beyond ±90 is the longitude, and
    otherwise the latitude comes first, as Google Maps copies a position and ISO 6709 writes
    it (in Vietnam, 8-24°N and 102-110°E, the values themselves always say).

    >>> coordinate_pair("10.772583, 106.739028")
    (106.739028, 10.772583, 'latitude, longitude')
    >>> coordinate_pair("[106.739028, 10.772583]")
    (106.739028, 10.772583, 'longitude, latitude')
    >>> coordinate_pair('10°46\\'21.3"N 106°44\\'20.5"E')[:2]
    (106.73902777777778, 10.772583333333333)
    >>> coordinate_pair("10,772583; 106,739028")[:2], coordinate_pair("10.7, 20.1, 30.2")
    ((106.739028, 10.772583), None)
    """
    text = text.strip().strip("()[]").strip()
    pairs = {_ordered(first, second) for first, second in
             ((_coordinate(text[:cut.start()]), _coordinate(text[cut.end():]))
              for cut in _BETWEEN.finditer(text)) if first and second}
    pairs.discard(None)
    return pairs.pop() if len(pairs) == 1 else None


def _ordered(first: tuple[float, str],
             second: tuple[float, str]) -> tuple[float, float, str] | None:
    """The pair as longitude, latitude and the order written; None if it cannot be one."""
    (a, a_names), (b, b_names) = first, second
    if a_names in ("E", "W") or b_names in ("N", "S") or (abs(a) > 90 and not a_names):
        lon, lat, order = a, b, "longitude, latitude"
    else:
        lon, lat, order = b, a, "latitude, longitude"
    latitude_named, longitude_named = (a_names, b_names) if order == "latitude, longitude" \
        else (b_names, a_names)
    if latitude_named in ("E", "W") or longitude_named in ("N", "S"):
        return None  # two latitudes, or two longitudes
    if abs(lat) > 90 or abs(lon) > 180:
        return None
    return lon, lat, order


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
