"""Feature queries for OGC API Features: a request's parameters as one SQLAlchemy select.

The GeoJSON is assembled by PostgreSQL (`json_build_object`, `ST_AsGeoJSON`) and handed to
the response as text, so a page of a thousand features is never parsed into Python objects
and written out again. Every name in a query comes from the layer registry; every value a
request gives is a bound parameter.
"""

from __future__ import annotations

import datetime
import math
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import chain

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    Select,
    Table,
    Text,
    and_,
    cast,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from geo.errors import BadRequest
from geo.schema import LAYER_TABLES
from layers import REGISTRY, LayerSpec
from layers.spec import FieldType

WGS84 = 4326
COORDINATE_DECIMALS = 7  # about 1 cm: more digits only make the response longer
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000


@dataclass
class ItemsQuery:
    """What a client asked of a layer's items, checked against the registry."""

    spec: LayerSpec
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None
    properties: tuple[str, ...] | None = None  # None: all of them
    sortby: tuple[tuple[str, bool], ...] = ()  # (name, descending)
    equals: dict[str, object] = field(default_factory=dict)
    cql: ColumnElement[bool] | None = None
    period: tuple[datetime.date | None, datetime.date | None] | None = None  # `datetime`

    @property
    def table(self) -> Table:
        return LAYER_TABLES[self.spec.id]

    def where(self) -> ColumnElement[bool]:
        table = self.table
        conditions: list[ColumnElement[bool]] = [table.c[name] == value
                                                 for name, value in self.equals.items()]
        if self.bbox is not None:
            envelope = func.ST_Transform(func.ST_MakeEnvelope(*self.bbox, WGS84),
                                         table.c.geom.type.srid)
            conditions.append(func.ST_Intersects(table.c.geom, envelope))
        if self.cql is not None:
            conditions.append(self.cql)
        if self.period is not None and self.spec.time_field:
            start, end = self.period
            day = table.c[self.spec.time_field]
            conditions += [day >= start] if start else []
            conditions += [day <= end] if end else []
        return and_(true(), *conditions)

    def order(self) -> list[ColumnElement]:
        table = self.table
        keys = [table.c[name].desc() if descending else table.c[name].asc()
                for name, descending in self.sortby]
        return [*keys, table.c.fid]  # fid last: pages never overlap or skip


def feature_json(spec: LayerSpec, properties: tuple[str, ...] | None) -> ColumnElement:
    """One row as a GeoJSON Feature (json), geometry in WGS 84 as GeoJSON requires."""
    table = LAYER_TABLES[spec.id]
    names = spec.property_names if properties is None else properties
    values = chain.from_iterable((literal(name), table.c[name]) for name in names)
    geometry = (cast(func.ST_AsGeoJSON(func.ST_Transform(table.c.geom, WGS84),
                                       COORDINATE_DECIMALS), JSON)
                if spec.is_spatial else literal(None, JSON))
    return func.json_build_object("type", "Feature", "id", table.c.fid, "geometry", geometry,
                                  "properties", func.json_build_object(*values))


def page_of_features(conn: Connection, query: ItemsQuery,
                     matched: int | None = None) -> tuple[str, int, int]:
    """The page's features as a JSON array (text), the number returned, and matched
    (counted unless the caller knows it: `MatchedCounts`)."""
    table = query.table
    # The page's fids first, then GeoJSON for those rows only: built in the same select as
    # LIMIT/OFFSET, it would be built for every row the offset skips too.
    fids = (select(table.c.fid, func.row_number().over(order_by=query.order()).label("n"))
            .where(query.where()).order_by(*query.order())
            .limit(query.limit).offset(query.offset).subquery())
    rows = (select(feature_json(query.spec, query.properties).label("feature"), fids.c.n)
            .select_from(table.join(fids, table.c.fid == fids.c.fid)).subquery())
    page: Select = select(cast(func.coalesce(func.json_agg(
        aggregate_order_by(rows.c.feature, rows.c.n)), cast(literal("[]"), JSON)), Text),
        func.count())
    features, returned = conn.execute(page).one()
    if returned < query.limit and (returned or not query.offset):
        return features, returned, query.offset + returned  # the last page: nothing to count
    if matched is not None:
        return features, int(returned), matched
    matched = conn.execute(select(func.count()).select_from(table)
                           .where(query.where())).scalar_one()
    return features, int(returned), int(matched)


class MatchedCounts:
    """`numberMatched` of recent selections, kept under the layer's data version.

    Paging through a selection asks for the same count on every page, and counting a large
    layer costs more than building the page (70,000 points: a scan of the whole table for
    a page of 100). A load bumps the version, so a count is never reused for other data.
    Used from the event loop only, so it needs no lock.

    >>> counts = MatchedCounts(size=2)
    >>> counts.put(("hydrants", 3, ()), 25); counts.put(("roads", 1, ()), 9)
    >>> counts.get(("hydrants", 3, ())), counts.get(("hydrants", 4, ()))
    (25, None)
    >>> counts.put(("wards", 1, ()), 10)  # the least recently used goes
    >>> counts.get(("roads", 1, ())), counts.get(("hydrants", 3, ()))
    (None, 25)
    """

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._counts: OrderedDict[tuple, int] = OrderedDict()

    def get(self, key: tuple) -> int | None:
        count = self._counts.get(key)
        if count is not None:
            self._counts.move_to_end(key)
        return count

    def put(self, key: tuple, count: int) -> None:
        self._counts[key] = count
        self._counts.move_to_end(key)
        while len(self._counts) > self._size:
            self._counts.popitem(last=False)


def one_feature(conn: Connection, spec: LayerSpec, fid: int) -> str | None:
    table = LAYER_TABLES[spec.id]
    return conn.execute(select(cast(feature_json(spec, None), Text))
                        .where(table.c.fid == fid)).scalar()


def collection_extent(conn: Connection, spec: LayerSpec) -> list[float] | None:
    """The layer's bounding box in WGS 84 lon/lat, or None when it is empty or has no
    geometry. Taken in storage coordinates and only its corners reprojected."""
    if not spec.is_spatial:
        return None
    table = LAYER_TABLES[spec.id]
    box = func.ST_Transform(func.ST_SetSRID(func.geometry(func.ST_Extent(table.c.geom)),
                                            table.c.geom.type.srid), WGS84)
    corners = conn.execute(select(func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box),
                                  func.ST_YMax(box))).one()
    return None if corners[0] is None else [round(float(v), 6) for v in corners]


# -- reading parameters -------------------------------------------------------------------

def parse_limit(text: str | None) -> int:
    """limit: a whole number from 1; above MAX_LIMIT it is capped, as OGC API says."""
    if text is None:
        return DEFAULT_LIMIT
    number = _whole_number("limit", text)
    if number < 1:
        raise BadRequest(f"limit must be at least 1, not {text}.")
    return min(number, MAX_LIMIT)


def parse_offset(text: str | None) -> int:
    if text is None:
        return 0
    number = _whole_number("offset", text)
    if number < 0:
        raise BadRequest(f"offset must be 0 or more, not {text}.")
    return number


def _whole_number(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not {text!r}.") from None


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """bbox=minLon,minLat,maxLon,maxLat in WGS 84 (a 3D bbox's heights are ignored)."""
    if text is None:
        return None
    parts = text.split(",")
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise BadRequest(f"bbox must be four numbers, minLon,minLat,maxLon,maxLat in WGS 84 "
                         f"(e.g. 106.70,10.72,106.74,10.75), not {text!r}.")
    xmin, ymin, xmax, ymax = numbers
    if not (-180 <= xmin <= 180 and -180 <= xmax <= 180 and -90 <= ymin <= ymax <= 90):
        raise BadRequest(f"bbox {text!r} is not longitudes and latitudes (lon within ±180, "
                         "lat within ±90, min before max).")
    if xmin > xmax:
        raise BadRequest(f"bbox {text!r} crosses the antimeridian, which this service does "
                         "not handle; give minLon ≤ maxLon.")
    return xmin, ymin, xmax, ymax


def parse_day(text: str) -> datetime.date:
    """A date, or the date of an RFC 3339 date-time (the layers keep days, not times).

    >>> parse_day("2021-08-15"), parse_day("2021-08-15T10:00:00Z")
    (datetime.date(2021, 8, 15), datetime.date(2021, 8, 15))
    """
    try:
        return datetime.date.fromisoformat(text[:10]) if len(text) == 10 else \
            datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        raise BadRequest(f"datetime must be a date like 2021-08-15 (or an RFC 3339 date-time),"
                         f" not {text!r}.") from None


def parse_period(spec: LayerSpec, text: str | None
                 ) -> tuple[datetime.date | None, datetime.date | None] | None:
    """OGC API's `datetime`: one day, or start/end with `..` for an open end.

    >>> from layers import get_layer
    >>> parse_period(get_layer("epidemic_risk"), "2021-08-01/..")
    (datetime.date(2021, 8, 1), None)
    """
    if text is None:
        return None
    if not spec.time_field:
        raise BadRequest(f"{spec.id} does not change with time, so datetime cannot apply; "
                         "layers that do: " + ", ".join(_timed_layers()) + ".")
    start, slash, end = text.partition("/")
    if not slash:
        day = parse_day(text)
        return day, day
    period = (None if start in ("", "..") else parse_day(start),
              None if end in ("", "..") else parse_day(end))
    if period[0] and period[1] and period[0] > period[1]:
        raise BadRequest(f"datetime {text!r} ends before it starts.")
    return period


def _timed_layers() -> list[str]:
    return [spec.id for spec in REGISTRY.values() if spec.time_field]


def parse_names(spec: LayerSpec, parameter: str, text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in spec.property_names]
    if unknown:
        raise BadRequest(f"{parameter}: {spec.id} has no property {unknown[0]!r}; its "
                         f"properties are: {', '.join(spec.property_names)}.")
    return names


def parse_sortby(spec: LayerSpec, text: str | None) -> tuple[tuple[str, bool], ...]:
    """sortby=name,-width_m: ascending unless the name starts with '-'."""
    if not text:
        return ()
    keys = []
    for item in (part.strip() for part in text.split(",") if part.strip()):
        descending = item.startswith("-")
        name = item.lstrip("+-").strip()
        if name != "fid" and name not in spec.property_names:
            raise BadRequest(f"sortby: {spec.id} cannot be sorted by {name!r}; use fid or one "
                             f"of: {', '.join(spec.property_names)}.")
        keys.append((name, descending))
    return tuple(keys)


def parse_value(spec: LayerSpec, name: str, text: str) -> object:
    """A query parameter's text as a value of the property's type (for `name=value`)."""
    kind: FieldType = spec.field(name).type
    try:
        if kind == "integer":
            return int(text)
        if kind == "real":
            return float(text)
        if kind == "date":
            return datetime.date.fromisoformat(text)
        if kind == "boolean":
            return {"true": True, "false": False}[text.lower()]
    except (ValueError, KeyError):
        raise BadRequest(f"{name} is {_TYPE_WORDS[kind]}; {text!r} is not.") from None
    return text


_TYPE_WORDS = {"integer": "a whole number", "real": "a number",
               "date": "a date (YYYY-MM-DD)", "boolean": "true or false", "text": "text"}
