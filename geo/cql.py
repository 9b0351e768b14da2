r"""CQL2-text filters (OGC API Features `filter=`) as SQLAlchemy expressions over a layer table.

Supported, keywords in any case:

- comparisons ``=  <>  !=  <  <=  >  >=``, ``x BETWEEN a AND b``, ``NOT BETWEEN``,
  ``LIKE`` / ``NOT LIKE`` (``%`` any text, ``_`` one character, ``\`` escapes the next),
  ``IN (…)`` / ``NOT IN (…)``, ``IS NULL`` / ``IS NOT NULL``, ``INCLUDE`` / ``EXCLUDE``;
- ``AND`` (binds tighter), ``OR``, ``NOT``, parentheses, also ``NOT (a OR b)``;
- ``CASEI(text)`` (lower case) and ``ACCENTI(text)`` (diacritics removed by PostgreSQL's
  ``unaccent``), so ``ACCENTI(CASEI(name)) LIKE '%tan thuan%'`` finds "Tân Thuận";
- ``S_INTERSECTS S_DISJOINT S_CONTAINS S_WITHIN S_TOUCHES S_CROSSES S_OVERLAPS S_EQUALS``
  of two geometries, ``BBOX(geometry, minlon, minlat, maxlon, maxlat)``, and
  ``S_DWITHIN(geometry, POINT(106.72 10.73), 150, meters)`` (also spelled ``DWITHIN``; units
  meters, metres, kilometers, kilometres, feet, statute miles, nautical miles);
- literals: 'text' (a quote inside is doubled: 'it''s'), numbers, TRUE / FALSE,
  DATE('2024-05-31'), TIMESTAMP('2024-05-31T08:00:00Z'), and WKT geometries in WGS 84
  longitude/latitude (CRS84, as OGC API Features says; ``SRID=4326;`` is accepted).
  Against a date property a TIMESTAMP compares with the date's midnight UTC.

Properties are the layer's `property_names`, ``fid``, and ``geometry`` (or ``geom``); a text
value given for a number or date property is read as one ('3.5', '2024-05-31').

The text is read by pygeofilter's CQL2 grammar with four edits (see `_GRAMMAR_EDITS`), and
its syntax tree is turned into SQLAlchemy Core: names are looked up in the table, values
become bound parameters, and anything wrong is a `BadRequest` that says what to write.

>>> from geo.schema import LAYER_TABLES
>>> from layers import REGISTRY
>>> alleys = REGISTRY["alleys"]
>>> print(filter_expression("width_m < 3.5 AND name LIKE 'Hẻm%'", alleys, LAYER_TABLES["alleys"]))
alleys.width_m < :param_1 AND alleys.name LIKE :param_2
>>> filter_expression("colour = 'red'", alleys, LAYER_TABLES["alleys"])  # doctest: +ELLIPSIS
Traceback (most recent call last):
  ...
geo.errors.BadRequest: The filter names 'colour', which alleys does not have. Queryable ...
"""

from __future__ import annotations

import datetime
import math
import operator
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from lark import Lark, v_args
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedToken
from pygeofilter import ast, values
from pygeofilter.backends.evaluator import Evaluator, handle
from pygeofilter.parsers import cql2_text
from pygeofilter.parsers.cql2_text.parser import CQLTransformer
from shapely.errors import ShapelyError
from shapely.geometry import box, shape
from shapely.validation import explain_validity
from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Float,
    Numeric,
    Table,
    Text,
    and_,
    false,
    func,
    literal,
    not_,
    or_,
    true,
)

from geo.crs import STORAGE_SRID, WGS84_SRID
from geo.errors import BadRequest
from layers import LayerSpec

EXAMPLE = "name LIKE 'Hẻm%' AND width_m < 3.5"
GEOMETRY_NAMES = ("geometry", "geom")
METRES_PER_UNIT = {"meters": 1.0, "metres": 1.0, "kilometers": 1000.0, "kilometres": 1000.0,
                   "feet": 0.3048, "statute miles": 1609.344, "nautical miles": 1852.0}

# pygeofilter 0.4's CQL2 grammar, edited where it would give wrong answers or refuse valid
# filters. Each edit must apply exactly once: when an upgrade changes the grammar, the import
# fails here instead of the filters quietly changing meaning.
_GRAMMAR_EDITS = (
    # CQL2: AND binds tighter than OR; pygeofilter reads "a OR b AND c" as "(a OR b) AND c".
    (r'\?condition: condition_1\s*\|\s*condition "AND"i condition_1\s*-> and_\s*'
     r'\|\s*condition "OR"i condition_1\s*-> or_',
     '?condition: conjunction\n    | condition "OR"i conjunction -> or_\n'
     '?conjunction: condition_1\n    | conjunction "AND"i condition_1 -> and_'),
    # CQL2 lets NOT negate any parenthesised condition, not only a single predicate.
    (r'"NOT"i "\(" predicate "\)"', '"NOT"i "(" condition ")"'),
    # In CQL2, as in SQL, '' inside a string is a quote; pygeofilter ends the string there.
    (r'SINGLE_QUOTED: "\'" /\.\*\?/ "\'"', "SINGLE_QUOTED: /'(?:[^']|'')*'/"),
    # pygeofilter has a distance node but no CQL2 syntax for it.
    (r'\| "RELATE"',
     '| ("S_DWITHIN"i | "DWITHIN"i) "(" expression "," expression "," number "," '
     'DISTANCE_UNITS ")" -> s_dwithin\n                  | "RELATE"'),
)
_UNITS_TERMINAL = ("\nDISTANCE_UNITS: /(" + "|".join(
    unit.replace(" ", r"\s+") for unit in METRES_PER_UNIT) + ")/i\n")


@v_args(inline=True)
class _Transformer(CQLTransformer):
    """pygeofilter's, with doubled quotes, S_DWITHIN, and without its stray print() calls."""

    def SINGLE_QUOTED(self, token: str) -> str:
        return token[1:-1].replace("''", "'")

    def wkt__geometry_with_srid(self, srid: str, geometry: dict[str, Any]) -> dict[str, Any]:
        crs = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{srid}"}}
        return {**geometry, "crs": crs}

    def wkt__multipoint_2(self, *coordinates: Any) -> dict[str, Any]:
        return {"type": "MultiPoint", "coordinates": coordinates}

    def s_dwithin(self, lhs: Any, rhs: Any, distance: float, units: str) -> ast.DistanceWithin:
        return ast.DistanceWithin(lhs, rhs, distance, " ".join(units.lower().split()))


def _build_parser() -> Lark:
    path = Path(cql2_text.__file__).with_name("grammar.lark")
    grammar = path.read_text()
    for pattern, replacement in _GRAMMAR_EDITS:
        grammar, count = re.subn(pattern, lambda _, r=replacement: r, grammar)
        if count != 1:
            raise RuntimeError(f"pygeofilter's CQL2 grammar has changed; review the edit "
                               f"{pattern!r} in geo/cql.py")
    return Lark(grammar + _UNITS_TERMINAL, parser="lalr", source_path=str(path),
                import_paths=[path.parent.parent], maybe_placeholders=False,
                transformer=_Transformer())


_PARSER = _build_parser()


def filter_expression(text: str, spec: LayerSpec, table: Table) -> ColumnElement[bool]:
    """The CQL2-text `text` as a condition on `table`, the table of layer `spec`."""
    if not text or not text.strip():
        raise BadRequest(f"The filter is empty. Example: {EXAMPLE}")
    try:
        return _ToSql(spec, table).evaluate(_parse(text))
    except RecursionError:
        raise BadRequest("The filter nests too deeply; list values with IN (…) instead of "
                         "chaining OR.") from None


def queryable_names(spec: LayerSpec) -> tuple[str, ...]:
    """The names a filter may use on this layer."""
    return ("fid", *spec.property_names, *(GEOMETRY_NAMES[:1] if spec.is_spatial else ()))


def _parse(text: str) -> Any:
    try:
        return _PARSER.parse(text)
    except LarkError as error:
        detail = _syntax_detail(error)
    except (ValueError, TypeError, ArithmeticError) as error:
        # pygeofilter's transformer lets Python's own errors through (TIMESTAMP('…T25:00'))
        detail = f"{error} is not a valid value"
    raise BadRequest(f"The filter could not be read: {detail}. Example: {EXAMPLE}")


def _syntax_detail(error: LarkError) -> str:
    if isinstance(error, UnexpectedEOF) or (
            isinstance(error, UnexpectedToken) and error.token.type == "$END"):
        return "it ends too soon"
    if isinstance(error, UnexpectedToken):
        return f"unexpected {str(error.token)!r} at column {error.column}"
    if isinstance(error, UnexpectedCharacters):
        return f"unexpected {error.char!r} at column {error.column}"
    return "it is not CQL2 text"


class _Term(NamedTuple):
    """A SQL value from the table (a column, or a function of one) and what kind it is."""

    expr: ColumnElement[Any]
    kind: str  # a layers.spec.FieldType, or "geometry"
    name: str  # as the filter wrote it, for messages


_TYPE_WORDS = {"integer": "a whole number", "real": "a number", "date": "a date (YYYY-MM-DD)",
               "boolean": "true or false", "text": "text", "geometry": "a geometry"}
_COMPARISONS: dict[type, Callable[[Any, Any], ColumnElement[bool]]] = {
    ast.Equal: operator.eq, ast.NotEqual: operator.ne, ast.LessThan: operator.lt,
    ast.LessEqual: operator.le, ast.GreaterThan: operator.gt, ast.GreaterEqual: operator.ge,
}
_SPATIAL_FUNCTIONS = {
    ast.GeometryIntersects: "ST_Intersects", ast.GeometryDisjoint: "ST_Disjoint",
    ast.GeometryContains: "ST_Contains", ast.GeometryWithin: "ST_Within",
    ast.GeometryTouches: "ST_Touches", ast.GeometryCrosses: "ST_Crosses",
    ast.GeometryOverlaps: "ST_Overlaps", ast.GeometryEquals: "ST_Equals",
}
# pygeofilter spells CASEI as lower; the names are lower case whatever the filter wrote.
_TEXT_FUNCTIONS = {"lower": ("CASEI", func.lower), "accenti": ("ACCENTI", func.unaccent)}
_UNSUPPORTED = {ast.Arithmetic: "arithmetic (+ - * /)", ast.TemporalPredicate: "T_ operators",
                ast.ArrayPredicate: "A_ operators", ast.Relate: "RELATE",
                values.Envelope: "ENVELOPE", values.Interval: "INTERVAL"}


class _ToSql(Evaluator):
    """pygeofilter's syntax tree → SQLAlchemy; children are evaluated before their parent."""

    def __init__(self, spec: LayerSpec, table: Table) -> None:
        self.spec = spec
        self.table = table

    def adopt(self, node: Any, *sub_args: Any) -> Any:
        what = next((words for kind, words in _UNSUPPORTED.items() if isinstance(node, kind)),
                    type(node).__name__)
        raise BadRequest(f"The filter uses {what}, which this service does not support. "
                         f"Example: {EXAMPLE}")

    @handle(ast.Attribute)
    def attribute(self, node: ast.Attribute) -> _Term:
        name = node.name
        if self.spec.is_spatial and name in GEOMETRY_NAMES:
            return _Term(self.table.c.geom, "geometry", name)
        if name == "fid":
            return _Term(self.table.c.fid, "integer", name)
        if name not in self.spec.property_names:
            raise BadRequest(f"The filter names {name!r}, which {self.spec.id} does not have. "
                             f"Queryable properties: {', '.join(queryable_names(self.spec))}.")
        return _Term(self.table.c[name], self.spec.field(name).type, name)

    @handle(str, int, float, bool, datetime.date, datetime.datetime)
    def value(self, node: Any) -> Any:
        return node  # typed later, by the property it is compared with

    @handle(values.Geometry)
    def geometry(self, node: values.Geometry) -> _Term:
        return _Term(_wgs84_literal(node.geometry), "geometry", "a geometry literal")

    @handle(ast.Function)
    def function(self, node: ast.Function, *args: Any) -> _Term:
        if node.name not in _TEXT_FUNCTIONS:
            raise BadRequest(f"The filter calls {node.name.upper()}(); the functions known "
                             "here are CASEI() and ACCENTI().")
        label, sql_function = _TEXT_FUNCTIONS[node.name]
        arg = args[0] if len(args) == 1 else None
        if isinstance(arg, str):
            arg = _bind(arg, "text", f"{label}('…')")
        if not isinstance(arg, _Term) or arg.kind != "text":
            raise BadRequest(f"{label}() takes one text value, e.g. {label}(name).")
        return _Term(sql_function(arg.expr, type_=Text), "text", f"{label}({arg.name})")

    @handle(ast.Comparison, subclasses=True)
    def comparison(self, node: ast.Comparison, lhs: Any, rhs: Any) -> ColumnElement[bool]:
        left, right, _ = _comparable(lhs, rhs)
        return _COMPARISONS[type(node)](left, right)

    @handle(ast.Between)
    def between(self, node: ast.Between, lhs: Any, low: Any, high: Any) -> ColumnElement[bool]:
        left, low_value, _ = _comparable(lhs, low)
        high_value = _comparable(lhs, high)[1]
        condition = left.between(low_value, high_value)
        return not_(condition) if node.not_ else condition

    @handle(ast.Like)
    def like(self, node: ast.Like, lhs: Any) -> ColumnElement[bool]:
        pattern = self.evaluate(node.pattern, False)
        if any(isinstance(side, _Term) and side.kind != "text" for side in (lhs, pattern)):
            raise BadRequest("LIKE compares text; use =, < or BETWEEN for numbers and dates.")
        left, pattern, _ = _comparable(lhs, pattern)
        # CQL2's wildcards and escape (% _ \) are PostgreSQL's, so the pattern goes as it is.
        return left.not_like(pattern) if node.not_ else left.like(pattern)

    @handle(ast.In)
    def in_(self, node: ast.In, lhs: Any, *options: Any) -> ColumnElement[bool]:
        term = _property(lhs, "status IN ('working', 'out_of_service')")
        choices = [_comparable(term, option)[1] for option in options]
        return term.expr.not_in(choices) if node.not_ else term.expr.in_(choices)

    @handle(ast.IsNull)
    def is_null(self, node: ast.IsNull, lhs: Any) -> ColumnElement[bool]:
        column = _property(lhs, "street IS NULL").expr
        return column.is_not(None) if node.not_ else column.is_(None)

    @handle(ast.Not)
    def negation(self, node: ast.Not, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        return not_(condition)

    @handle(ast.And, ast.Or)
    def combination(self, node: ast.Combination, lhs: Any, rhs: Any) -> ColumnElement[bool]:
        return and_(lhs, rhs) if isinstance(node, ast.And) else or_(lhs, rhs)

    @handle(ast.Include)
    def include(self, node: ast.Include) -> ColumnElement[bool]:
        return false() if node.not_ else true()

    @handle(ast.SpatialComparisonPredicate, subclasses=True)
    def spatial(self, node: ast.SpatialComparisonPredicate, lhs: Any, rhs: Any
                ) -> ColumnElement[bool]:
        operation = _SPATIAL_FUNCTIONS[type(node)]
        a, b = _geometries(lhs, rhs, "S_" + operation.removeprefix("ST_").upper())
        return getattr(func, operation)(a, b)

    @handle(ast.DistanceWithin)
    def dwithin(self, node: ast.DistanceWithin, lhs: Any, rhs: Any) -> ColumnElement[bool]:
        a, b = _geometries(lhs, rhs, "S_DWITHIN")
        metres = float(node.distance) * METRES_PER_UNIT[node.units]
        if not math.isfinite(metres):
            raise BadRequest(f"S_DWITHIN needs a finite distance, not {node.distance}.")
        # Storage is UTM, in metres, so the distance needs no conversion per row and the
        # spatial index can serve ST_DWithin.
        return func.ST_DWithin(a, b, metres)

    @handle(ast.BBox)
    def bbox(self, node: ast.BBox, lhs: Any) -> ColumnElement[bool]:
        _check_crs(node.crs)
        envelope = box(node.minx, node.miny, node.maxx, node.maxy)
        a, b = _geometries(lhs, _Term(_wgs84_literal(envelope), "geometry", "BBOX"), "BBOX")
        return func.ST_Intersects(a, b)


def _property(value: Any, example: str) -> _Term:
    if not isinstance(value, _Term) or value.kind == "geometry":
        raise BadRequest(f"This test needs a property on its left, e.g. {example}; "
                         "geometries are tested with S_INTERSECTS, S_DWITHIN, ….")
    return value


def _comparable(lhs: Any, rhs: Any) -> tuple[ColumnElement[Any], ColumnElement[Any], str]:
    """Both sides as SQL of one kind; a bare value takes the kind of the property it meets."""
    terms = [side for side in (lhs, rhs) if isinstance(side, _Term)]
    if not terms:
        raise BadRequest(f"A comparison needs a property on one side, e.g. {EXAMPLE}")
    if any(term.kind == "geometry" for term in terms):
        raise BadRequest("Geometries are compared with S_INTERSECTS, S_WITHIN, S_DWITHIN, …, "
                         "e.g. S_INTERSECTS(geometry, POINT(106.72 10.73)).")
    left = lhs if isinstance(lhs, _Term) else _bind(lhs, rhs.kind, rhs.name)
    right = rhs if isinstance(rhs, _Term) else _bind(rhs, lhs.kind, lhs.name)
    if _family(left.kind) != _family(right.kind):
        raise BadRequest(f"{left.name} is {_TYPE_WORDS[left.kind]} and {right.name} is "
                         f"{_TYPE_WORDS[right.kind]}; they cannot be compared.")
    return left.expr, right.expr, left.kind


def _family(kind: str) -> str:
    return "number" if kind in ("integer", "real") else kind


def _bind(value: Any, kind: str, name: str) -> _Term:
    """A literal as a bound parameter of the kind of the property `name`."""
    try:
        typed = _READERS[kind](value)
    except (ValueError, TypeError, KeyError):
        shown = f"'{value}'" if isinstance(value, str) else str(value).lower()
        raise BadRequest(f"{name} is {_TYPE_WORDS[kind]}; {shown} is not.") from None
    return _Term(literal(typed, _sql_type(typed)), kind, name)


def _sql_type(value: Any) -> Any:
    # bool before int (a bool is an int), datetime before date (a datetime is a date)
    for python_type, sql_type in ((bool, Boolean), (int, BigInteger), (float, Float),
                                  (datetime.datetime, DateTime()),
                                  (datetime.date, Date)):
        if isinstance(value, python_type):
            # drivers that cast parameters (psycopg 3) would overflow a bigint
            return Numeric() if sql_type is BigInteger and abs(value) >= 2**63 else sql_type
    return Text


def _as_text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return unicodedata.normalize("NFC", value)  # stored text is NFC (geo.text)


def _as_number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, str):
        value = float(value)
        value = int(value) if value.is_integer() else value
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(value)
    return value


def _as_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        # In UTC and without a zone, so a date compares as its midnight UTC whatever the
        # session's TimeZone is.
        return value.astimezone(datetime.UTC).replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        return datetime.date.fromisoformat(value.strip())
    raise TypeError(value)


def _as_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return {"true": True, "false": False}[str(value).strip().lower()]


_READERS: dict[str, Callable[[Any], Any]] = {
    "text": _as_text, "integer": _as_number, "real": _as_number, "date": _as_date,
    "boolean": _as_boolean}


def _geometries(lhs: Any, rhs: Any, operation: str) -> tuple[ColumnElement[Any], ...]:
    if not (isinstance(lhs, _Term) and isinstance(rhs, _Term)
            and lhs.kind == rhs.kind == "geometry"):
        raise BadRequest(f"{operation} relates two geometries: the property geometry and a WKT "
                         "geometry in longitude/latitude, e.g. "
                         "S_INTERSECTS(geometry, POINT(106.72 10.73)).")
    return lhs.expr, rhs.expr


def _wgs84_literal(geometry: Any) -> ColumnElement[Any]:
    """A lon/lat geometry (GeoJSON-like mapping or shapely), checked, in the storage CRS."""
    if isinstance(geometry, dict):
        _check_crs((geometry.get("crs") or {}).get("properties", {}).get("name"))
    try:
        checked = shape(geometry)
    except (ValueError, TypeError, ShapelyError) as error:
        raise BadRequest(f"The filter's geometry is not valid: {error}.") from None
    if checked.is_empty or not checked.is_valid:
        reason = "it is empty" if checked.is_empty else explain_validity(checked)
        raise BadRequest(f"The filter's geometry is not valid: {reason}.")
    xmin, ymin, xmax, ymax = checked.bounds
    if not (-180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90):
        raise BadRequest("The filter's geometry is not in longitude/latitude (WGS 84): write "
                         "longitude first, e.g. POINT(106.72 10.73).")
    return func.ST_Transform(func.ST_GeomFromText(checked.wkt, WGS84_SRID), STORAGE_SRID)


def _check_crs(name: str | None) -> None:
    if name is not None and not re.search(r"(EPSG:+4326|CRS84)$", str(name)):
        raise BadRequest(f"Geometries in a filter are WGS 84 longitude/latitude; {name} "
                         "is not supported.")
