"""Layer styles for exported files, derived from `styles/<id>.json` (the MapLibre fragments).

The colour of a layer's main fragment is either a colour or one of the simple expressions
the style files use: `match` on a property, `case` on a property's equality, `step` on a
number. Each becomes a list of `Rule`s (a condition and a colour), which is then written as
SLD 1.1 and as a QGIS QML rule-based renderer (both go into a GeoPackage's `layer_styles`
table, which QGIS reads when it opens the layer), or as one KML `<Style>` per layer with the
layer's default colour. Widths and radii that vary with zoom take a fixed middle value:
a file has no zoom.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from geo.styles import legend, load_style
from layers import LayerSpec

FALLBACK_COLOUR = "#888888"
KINDS = {"Point": "circle", "MultiLineString": "line", "MultiPolygon": "fill"}


@dataclass(frozen=True)
class Rule:
    """Features whose `prop` is one of `values` (or in [low, high)); else when prop is None."""

    colour: str
    prop: str | None = None
    values: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    label: str = ""

    @property
    def is_else(self) -> bool:
        return self.prop is None


@dataclass(frozen=True)
class Look:
    """How a layer is drawn: the rules, and the fixed parts of the symbol."""

    kind: str  # circle, line, fill
    rules: tuple[Rule, ...]
    width: float
    opacity: float
    outline: str  # polygons' and circles' outline colour
    outline_width: float


def layer_look(spec: LayerSpec) -> Look:
    kind = KINDS[str(spec.geometry)]
    fragments = [f for f in load_style(spec.style_id)["layers"] if f["type"] != "symbol"]
    main = next((f for f in fragments if f["type"] == kind and not isinstance(
        f["paint"].get(f"{kind}-color"), str)), None) or next(
        (f for f in fragments if f["type"] == kind), fragments[0])
    paint = main.get("paint", {})
    labels = {entry["color"].lower(): entry["label"] for entry in legend(spec)}
    rules = tuple(Rule(r.colour, r.prop, r.values, r.low, r.high, labels.get(r.colour.lower(),
                       _condition_text(r)))
                  for r in _rules(paint.get(f"{main['type']}-color", FALLBACK_COLOUR)))
    outline = next((f["paint"] for f in fragments if f["type"] == "line" and kind == "fill"),
                   {})
    # A polygon layer drawn only as a line (ward boundaries) keeps an empty fill.
    opacity = 0.0 if kind == "fill" and main["type"] == "line" else \
        _number(paint.get(f"{main['type']}-opacity"), 1.0)
    return Look(kind, rules,
                width=_number(paint.get("line-width", paint.get("circle-radius")),
                              4.0 if kind == "circle" else 1.5),
                opacity=opacity,
                outline=_colour(outline.get("line-color", paint.get("circle-stroke-color")),
                                "#ffffff"),
                outline_width=_number(outline.get("line-width",
                                                  paint.get("circle-stroke-width")), 1.0))


def _rules(expression: Any) -> list[Rule]:
    """Rules for a colour expression; anything unknown draws in its default colour."""
    if isinstance(expression, str):
        return [Rule(expression)]
    operator, prop = expression[0], _property(expression[1]) if len(expression) > 1 else None
    if operator == "match" and prop:
        pairs = expression[2:-1]
        return [*(Rule(_colour(colour), prop, tuple(v if isinstance(v, list) else [v]))
                  for v, colour in zip(pairs[0::2], pairs[1::2], strict=True)),
                Rule(_colour(expression[-1]))]
    if operator == "case":
        tests = expression[1:-1]
        rules = [Rule(_colour(colour), _property(test[1]), (test[2],))
                 for test, colour in zip(tests[0::2], tests[1::2], strict=True)
                 if test[0] == "==" and _property(test[1])]
        return [*rules, Rule(_colour(expression[-1]))]
    if operator == "step" and prop:
        stops = [None, *expression[3::2], None]
        colours = expression[2::2]
        return [Rule(_colour(c), prop, (), stops[i], stops[i + 1]) for i, c in enumerate(colours)]
    return [Rule(FALLBACK_COLOUR)]


def _property(expression: Any) -> str | None:
    """The property an input expression reads: ["get", p] or ["to-number", ["get", p], 0]."""
    if isinstance(expression, list) and expression and expression[0] == "get":
        return str(expression[1])
    if isinstance(expression, list) and expression and expression[0] == "to-number":
        return _property(expression[1])
    return None


def _colour(value: Any, default: str = FALLBACK_COLOUR) -> str:
    return value if isinstance(value, str) and value.startswith("#") else default


def _number(value: Any, default: float) -> float:
    return float(value) if isinstance(value, int | float) else default


def _condition_text(rule: Rule) -> str:
    if rule.is_else:
        return "other"
    if rule.values:
        return f"{rule.prop} = {' or '.join(str(v) for v in rule.values)}"
    return f"{rule.prop} from {rule.low if rule.low is not None else '…'} to " \
           f"{rule.high if rule.high is not None else '…'}"


# -- SLD 1.1 ------------------------------------------------------------------------------

def sld(spec: LayerSpec) -> str:
    look = layer_look(spec)
    rules = "".join(_sld_rule(look, rule) for rule in look.rules)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<StyledLayerDescriptor version="1.1.0" xmlns="http://www.opengis.net/sld" '
            'xmlns:se="http://www.opengis.net/se" xmlns:ogc="http://www.opengis.net/ogc">'
            f"<NamedLayer><se:Name>{escape(spec.id)}</se:Name><UserStyle>"
            f"<se:Name>{escape(spec.id)}</se:Name><se:FeatureTypeStyle>{rules}"
            "</se:FeatureTypeStyle></UserStyle></NamedLayer></StyledLayerDescriptor>\n")


def _sld_rule(look: Look, rule: Rule) -> str:
    return (f"<se:Rule><se:Name>{escape(rule.label)}</se:Name>{_sld_filter(rule)}"
            f"{_sld_symbolizer(look, rule.colour)}</se:Rule>")


def _sld_filter(rule: Rule) -> str:
    if rule.is_else:
        return "<se:ElseFilter/>"
    name = f"<ogc:PropertyName>{escape(str(rule.prop))}</ogc:PropertyName>"

    def compare(operator: str, value: Any) -> str:
        return f"<ogc:{operator}>{name}<ogc:Literal>{escape(_literal(value))}</ogc:Literal>" \
               f"</ogc:{operator}>"

    tests = [compare("PropertyIsEqualTo", v) for v in rule.values]
    if rule.low is not None:
        tests.append(compare("PropertyIsGreaterThanOrEqualTo", rule.low))
    if rule.high is not None:
        tests.append(compare("PropertyIsLessThan", rule.high))
    joined = "".join(tests)
    if len(tests) > 1:
        both = "Or" if rule.values else "And"
        joined = f"<ogc:{both}>{joined}</ogc:{both}>"
    return f"<ogc:Filter>{joined}</ogc:Filter>"


def _literal(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _svg(name: str, value: Any) -> str:
    return f'<se:SvgParameter name="{name}">{escape(str(value))}</se:SvgParameter>'


def _sld_symbolizer(look: Look, colour: str) -> str:
    if look.kind == "line":
        return (f"<se:LineSymbolizer><se:Stroke>{_svg('stroke', colour)}"
                f"{_svg('stroke-width', look.width)}{_svg('stroke-opacity', look.opacity)}"
                "</se:Stroke></se:LineSymbolizer>")
    stroke = (f"<se:Stroke>{_svg('stroke', look.outline)}"
              f"{_svg('stroke-width', look.outline_width)}</se:Stroke>")
    fill = f"<se:Fill>{_svg('fill', colour)}{_svg('fill-opacity', look.opacity)}</se:Fill>"
    if look.kind == "fill":
        return f"<se:PolygonSymbolizer>{fill}{stroke}</se:PolygonSymbolizer>"
    return (f"<se:PointSymbolizer><se:Graphic><se:Mark><se:WellKnownName>circle"
            f"</se:WellKnownName>{fill}{stroke}</se:Mark><se:Size>{look.width * 2}</se:Size>"
            "</se:Graphic></se:PointSymbolizer>")


# -- QGIS QML -----------------------------------------------------------------------------

_QML_SYMBOLS = {"circle": ("marker", "SimpleMarker"), "line": ("line", "SimpleLine"),
                "fill": ("fill", "SimpleFill")}


def qml(spec: LayerSpec) -> str:
    """A QGIS style: a rule-based renderer with one symbol per rule."""
    look = layer_look(spec)
    rules = "".join(
        f"<rule key={quoteattr('{r' + str(i) + '}')} symbol=\"{i}\" "
        f"label={quoteattr(rule.label)} filter={quoteattr(_qgis_filter(rule))}/>"
        for i, rule in enumerate(look.rules))
    symbol_type, layer_class = _QML_SYMBOLS[look.kind]
    symbols = "".join(
        f'<symbol type="{symbol_type}" name="{i}" alpha="1" clip_to_extent="1" '
        f'force_rhr="0"><layer class="{layer_class}" enabled="1" locked="0" pass="0">'
        f"{_qml_options(_qml_properties(look, rule.colour))}</layer></symbol>"
        for i, rule in enumerate(look.rules))
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            '<qgis version="3.22.0" styleCategories="Symbology">'
            '<renderer-v2 type="RuleRenderer" forceraster="0" symbollevels="0" '
            f'enableorderby="0"><rules key="{{root}}">{rules}</rules>'
            f"<symbols>{symbols}</symbols></renderer-v2></qgis>\n")


def _qgis_filter(rule: Rule) -> str:
    if rule.is_else:
        return "ELSE"
    field = '"' + str(rule.prop).replace('"', '""') + '"'
    if rule.values:
        return f"{field} IN ({', '.join(_qgis_literal(v) for v in rule.values)})"
    tests = ([f"to_real({field}) >= {rule.low}"] if rule.low is not None else []) + \
        ([f"to_real({field}) < {rule.high}"] if rule.high is not None else [])
    return " AND ".join(tests)


def _qgis_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _rgba(colour: str, opacity: float = 1.0) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"{r},{g},{b},{round(opacity * 255)}"


def _qml_properties(look: Look, colour: str) -> dict[str, str]:
    if look.kind == "line":
        return {"line_color": _rgba(colour, look.opacity), "line_width": str(look.width),
                "line_width_unit": "Pixel", "line_style": "solid", "capstyle": "round",
                "joinstyle": "round"}
    common = {"color": _rgba(colour, look.opacity), "outline_color": _rgba(look.outline),
              "outline_width": str(look.outline_width), "outline_width_unit": "Pixel",
              "outline_style": "solid"}
    if look.kind == "fill":
        return {**common, "style": "solid"}
    return {**common, "name": "circle", "size": str(look.width * 2), "size_unit": "Pixel"}


def _qml_options(properties: dict[str, str]) -> str:
    # QGIS 3.22 writes both spellings; older versions read <prop>, newer ones <Option>.
    options = "".join(f'<Option name={quoteattr(k)} type="QString" value={quoteattr(v)}/>'
                      for k, v in properties.items())
    props = "".join(f"<prop k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in properties.items())
    return f'<Option type="Map">{options}</Option>{props}'


# -- KML ------------------------------------------------------------------------------------

def kml_styles(spec: LayerSpec) -> str:
    """One <Style id="<layer>-<n>"> per rule (KML colours are aabbggrr)."""
    look = layer_look(spec)
    return "".join(f"<Style id={quoteattr(f'{spec.id}-{i}')}>{_kml_body(look, rule.colour)}"
                   "</Style>" for i, rule in enumerate(look.rules))


def kml_style_index(look: Look, values: dict[str, str]) -> int:
    """The rule a placemark follows, from its <SimpleData> text values."""
    for index, rule in enumerate(look.rules):
        value = values.get(str(rule.prop))
        if rule.is_else or value is None:
            if rule.is_else:
                return index
            continue
        if rule.values and value in {_kml_text(v) for v in rule.values}:
            return index
        if not rule.values and _in_range(value, rule.low, rule.high):
            return index
    return len(look.rules) - 1


def _kml_text(value: Any) -> str:
    return ("1" if value else "0") if isinstance(value, bool) else str(value)


def _in_range(text: str, low: float | None, high: float | None) -> bool:
    try:
        number = float(text)
    except ValueError:
        return False
    return (low is None or number >= low) and (high is None or number < high)


def _kml_body(look: Look, colour: str) -> str:
    if look.kind == "line":
        return f"<LineStyle><color>{_abgr(colour, look.opacity)}</color>" \
               f"<width>{look.width}</width></LineStyle>"
    if look.kind == "fill":
        return (f"<LineStyle><color>{_abgr(look.outline)}</color><width>{look.outline_width}"
                f"</width></LineStyle><PolyStyle><color>{_abgr(colour, look.opacity)}</color>"
                "</PolyStyle>")
    return f"<IconStyle><color>{_abgr(colour, look.opacity)}</color><scale>0.6</scale>" \
           "</IconStyle>"


def _abgr(colour: str, opacity: float = 1.0) -> str:
    return f"{round(opacity * 255):02x}{colour[5:7]}{colour[3:5]}{colour[1:3]}"
