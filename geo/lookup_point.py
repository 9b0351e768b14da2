"""The point a field lookup asks about, and the distances it takes, checked before any SQL.

A phone sends WGS 84 longitude and latitude; the layers are stored in UTM 48N, where
distances are metres, so every lookup transforms the point once in SQL and measures there.
A point far from the district is refused rather than answered with nothing: a swapped
longitude and latitude, or a phone still reporting yesterday's city, is the usual cause.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Connection, text

from geo.crs import DISTRICT_7_BBOX_WGS84
from geo.errors import BadRequest

# Lookups answer within this distance of the district's wards; beyond it the point is
# somewhere else (the district is a few kilometres across).
NEAR_DISTRICT_M = 5_000.0

# The distance from the point to the district: the wards' extent, or, before any ward is
# loaded, District 7's bounding box. Measured on the spheroid from lon/lat, because a point
# on the other side of the world is not something UTM 48N can project.
_DISTANCE_TO_DISTRICT = text("""
SELECT ST_Distance(
    coalesce(ST_Transform(ST_SetSRID(ST_Extent(wards.geom)::geometry, 32648), 4326),
             ST_MakeEnvelope(:west, :south, :east, :north, 4326))::geography,
    ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)
FROM wards
""")


@dataclass(frozen=True)
class LookupPoint:
    lon: float
    lat: float

    def to_json(self) -> list[float]:
        return [self.lon, self.lat]

    def bound(self) -> dict[str, float]:
        """The point as the bound values :lon and :lat of the lookup statements."""
        return {"lon": self.lon, "lat": self.lat}


def _number(name: str, value: str | None, example: str) -> float:
    if value is None:
        raise BadRequest(f"{name} is missing: give the point as lon and lat in WGS 84 "
                         f"degrees, e.g. {example}.")
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise BadRequest(f"{name} must be a number of degrees (e.g. {example}), "
                         f"not {value!r}.")
    return number


def parse_point(lon: str | None, lat: str | None) -> LookupPoint:
    """lon and lat as WGS 84 degrees.

    >>> parse_point("106.7218", "10.7298")
    LookupPoint(lon=106.7218, lat=10.7298)
    """
    example = "lon=106.7218&lat=10.7298"
    point = LookupPoint(_number("lon", lon, example), _number("lat", lat, example))
    if not -90 <= point.lat <= 90:
        swapped = " (lon and lat swapped?)" if -90 <= point.lon <= 90 else ""
        raise BadRequest(f"lat must be between -90 and 90 degrees, not {lat}{swapped}.")
    if not -180 <= point.lon <= 180:
        raise BadRequest(f"lon must be between -180 and 180 degrees, not {lon}.")
    return point


def parse_metres(name: str, value: str | None, default: float, maximum: float) -> float:
    """A distance in metres from 0 to `maximum`; missing means `default`.

    >>> parse_metres("radius_m", "250", 100, 1000), parse_metres("radius_m", None, 100, 1000)
    (250.0, 100)
    """
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise BadRequest(f"{name} must be a distance in metres, 0 or more (e.g. "
                         f"{name}={default:g}), not {value!r}.")
    if number > maximum:
        raise BadRequest(f"{name} is at most {maximum:g} m (a lookup is about where you "
                         f"stand), not {value}.")
    return number


def check_near_district(conn: Connection, point: LookupPoint) -> None:
    """Refuse a point farther than NEAR_DISTRICT_M from the district (400)."""
    west, south, east, north = DISTRICT_7_BBOX_WGS84
    distance = conn.execute(_DISTANCE_TO_DISTRICT, {
        **point.bound(), "west": west, "south": south, "east": east, "north": north,
    }).scalar_one()
    if distance > NEAR_DISTRICT_M:
        raise BadRequest(
            f"The point {point.lon:g}, {point.lat:g} is {distance / 1000:,.1f} km from the "
            f"district; lookups answer within {NEAR_DISTRICT_M / 1000:g} km of it. Give "
            "lon (east, about 106.7 here) and lat (north, about 10.7) in WGS 84 degrees.")
