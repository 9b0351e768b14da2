"""A layer's look from `styles/` as Leaflet path options, for maps drawn with Leaflet (folium).

MapLibre styles a layer with several style layers (a casing under a road, an outline over
a fill) whose paint values may be expressions of the feature and the zoom; a Leaflet path
has one set of options. So each feature's options are computed here from its properties:
`match`, `case`, `step`, `interpolate` … are evaluated for that feature at STYLE_ZOOM (the
zoom a district-wide map opens at), so a working hydrant is red and a broken one grey, as
on the web map.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from geo.styles import load_style
from layers import LayerSpec

# The zoom that zoom-dependent widths and radii are evaluated at: Leaflet sizes paths in
# screen pixels whatever the zoom, and a district fills a screen at about 14.
STYLE_ZOOM = 14.0

Properties = Mapping[str, Any]

# MapLibre paint property → (Leaflet option, MapLibre's default), per style layer type.
_PAINT = {
    "fill": (("fill-color", "fillColor", "#000000"), ("fill-opacity", "fillOpacity", 1.0)),
    "line": (("line-color", "color", "#000000"), ("line-width", "weight", 1.0),
             ("line-opacity", "opacity", 1.0)),
    "circle": (("circle-color", "fillColor", "#000000"), ("circle-opacity", "fillOpacity", 1.0),
               ("circle-radius", "radius", 5.0), ("circle-stroke-color", "color", "#000000"),
               ("circle-stroke-width", "weight", 0.0),
               ("circle-stroke-opacity", "opacity", 1.0)),
}


def leaflet_options(kind: str, paint: Mapping[str, Any], layout: Mapping[str, Any] | None = None,
                    properties: Properties | None = None, zoom: float = STYLE_ZOOM
                    ) -> dict[str, Any]:
    """Leaflet path options drawing one feature as one MapLibre style layer would.

    `kind` is the style layer's type (fill, line or circle); other types draw nothing here.

    >>> paint = {"circle-color": ["match", ["get", "status"], "working", "#e15759", "#cccccc"],
    ...          "circle-radius": ["interpolate", ["linear"], ["zoom"], 12, 3, 16, 7]}
    >>> leaflet_options("circle", paint, properties={"status": "working"})
    {'fillColor': '#e15759', 'fillOpacity': 1.0, 'radius': 5.0, 'color': '#000000', \
'weight': 0.0, 'opacity': 1.0, 'fill': True, 'stroke': False}
    >>> leaflet_options("line", {"line-color": "#5e548e", "line-dasharray": [4, 2]})
    {'color': '#5e548e', 'weight': 1.0, 'opacity': 1.0, 'stroke': True, 'lineCap': 'butt', \
'lineJoin': 'miter', 'dashArray': '4 2'}
    """
    if kind not in _PAINT:
        return {}
    properties = properties or {}
    options = {}
    for name, option, default in _PAINT[kind]:
        value = evaluate(paint.get(name, default), properties, zoom)
        options[option] = _rounded(default if value is None else value)
    if kind == "fill":
        # MapLibre edges a fill with a hairline of `fill-outline-color`; a line style layer
        # over the fill, when the style has one, sets the outline instead.
        outline = evaluate(paint.get("fill-outline-color"), properties, zoom)
        options |= {"fill": True, "stroke": outline is not None}
        options |= {"color": outline, "weight": 1} if outline else {}
    elif kind == "line":
        layout = layout or {}
        options |= {"stroke": True, "lineCap": layout.get("line-cap", "butt"),
                    "lineJoin": layout.get("line-join", "miter")}
        dashes = evaluate(paint.get("line-dasharray"), properties, zoom)
        if dashes:  # MapLibre counts dashes in line widths, Leaflet in pixels
            options["dashArray"] = " ".join(f"{_rounded(d * options['weight']):g}"
                                            for d in dashes)
    else:
        options |= {"fill": True, "stroke": options["weight"] > 0}
    return options


def feature_style(spec: LayerSpec, properties: Properties,
                  zoom: float = STYLE_ZOOM) -> dict[str, Any]:
    """Leaflet options for one feature of a layer, from all of its style file's fragments.

    Fills come first so that an outline (a line fragment) can set the stroke. An area
    whose style draws no fill (ward boundaries) gets an invisible one, so that a click
    inside the area still finds it.

    >>> from layers import get_layer
    >>> hydrants = get_layer("hydrants")
    >>> [feature_style(hydrants, {"status": s})["fillColor"] for s in ("working",
    ...                                                                "out_of_service")]
    ['#e15759', '#9e9e9e']
    """
    options: dict[str, Any] = {}
    for fragment in drawn_fragments(spec.style_id):
        options |= leaflet_options(fragment["type"], fragment.get("paint", {}),
                                   fragment.get("layout"), properties, zoom)
    if spec.geometry == "MultiPolygon" and not options.get("fill"):
        options |= {"fill": True, "fillOpacity": 0}
    return options


def drawn_fragments(style_id: str) -> list[dict[str, Any]]:
    """The style layers a Leaflet path can show: fills first, then one line, then circles.

    A path has one stroke, so of several line fragments (a road's white casing under its
    coloured line) the one drawn in the legend's colours is kept, else the topmost.
    """
    style = load_style(style_id)
    fragments = [f for f in style["layers"] if f["type"] in _PAINT]
    lines = [f for f in fragments if f["type"] == "line"]
    if len(lines) > 1:
        colours = {entry["color"].lower() for entry in style["legend"]}
        legend_lines = [f for f in lines if colours & _strings(f["paint"].get("line-color"))]
        keep = (legend_lines or lines)[-1]
        fragments = [f for f in fragments if f["type"] != "line" or f is keep]
    order = {"fill": 0, "line": 1, "circle": 2}
    return sorted(fragments, key=lambda fragment: order[fragment["type"]])


def _strings(expression: Any) -> set[str]:
    if isinstance(expression, str):
        return {expression.lower()}
    if isinstance(expression, list):
        return set().union(*(_strings(item) for item in expression))
    return set()


def _rounded(value: Any) -> Any:
    return round(value, 2) if isinstance(value, float) else value


# -- MapLibre expressions -------------------------------------------------------------------

def evaluate(expression: Any, properties: Properties, zoom: float = STYLE_ZOOM) -> Any:
    """The value of a MapLibre style expression for one feature at one zoom.

    The operators urbanmap's styles use are known; an unknown one is None (the option's
    default then applies). A list not starting with an operator name is a literal array.

    >>> evaluate(["match", ["get", "kind"], ["drain", "ditch"], 0.5, 0.8], {"kind": "ditch"})
    0.5
    >>> evaluate(["step", ["to-number", ["get", "floors"], 0], "low", 10, "mid", 25, "high"],
    ...          {"floors": None})
    'low'
    >>> evaluate(["interpolate", ["exponential", 2], ["zoom"], 10, 0, 12, 3], {}, zoom=11)
    1.0
    """
    if not isinstance(expression, list) or not expression or not isinstance(expression[0], str):
        return expression
    operator = _OPERATORS.get(expression[0])
    if operator is None:
        return None
    return operator(expression[1:], lambda item: evaluate(item, properties, zoom),
                    properties, zoom)


Evaluate = Callable[[Any], Any]


def _match(args: list, value: Evaluate, *_: Any) -> Any:
    subject = value(args[0])
    for labels, output in zip(args[1:-1:2], args[2:-1:2], strict=True):
        if subject in (labels if isinstance(labels, list) else [labels]):
            return value(output)
    return value(args[-1])


def _case(args: list, value: Evaluate, *_: Any) -> Any:
    for condition, output in zip(args[:-1:2], args[1:-1:2], strict=True):
        if value(condition):
            return value(output)
    return value(args[-1])


def _step(args: list, value: Evaluate, *_: Any) -> Any:
    subject, output = value(args[0]), args[1]
    for stop, stop_output in zip(args[2::2], args[3::2], strict=True):
        if subject is None or subject < stop:
            break
        output = stop_output
    return value(output)


def _interpolate(args: list, value: Evaluate, *_: Any) -> Any:
    kind, subject, stops = args[0], value(args[1]), args[2:]
    base = float(kind[1]) if kind[0] == "exponential" else 1.0
    inputs, outputs = stops[0::2], stops[1::2]
    if subject is None or subject <= inputs[0]:
        return value(outputs[0])
    for low, high, low_out, high_out in zip(inputs, inputs[1:], outputs, outputs[1:],
                                            strict=False):
        if subject <= high:
            span, step = high - low, subject - low
            t = step / span if base == 1 else (base ** step - 1) / (base ** span - 1)
            start, end = value(low_out), value(high_out)
            return start + t * (end - start)
    return value(outputs[-1])


def _to_number(args: list, value: Evaluate, *_: Any) -> Any:
    for arg in args:
        given = value(arg)
        if given is None or isinstance(given, bool):
            return float(bool(given))
        try:
            return float(given)
        except (TypeError, ValueError):
            continue
    return None


def _to_string(args: list, value: Evaluate, *_: Any) -> str:
    given = value(args[0])
    return "" if given is None else str(given).lower() if isinstance(given, bool) else str(given)


_OPERATORS: dict[str, Callable[..., Any]] = {
    "get": lambda args, value, properties, zoom: properties.get(value(args[0])),
    "has": lambda args, value, properties, zoom: properties.get(value(args[0])) is not None,
    "zoom": lambda args, value, properties, zoom: zoom,
    "literal": lambda args, *_: args[0],
    "==": lambda args, value, *_: value(args[0]) == value(args[1]),
    "!=": lambda args, value, *_: value(args[0]) != value(args[1]),
    "!": lambda args, value, *_: not value(args[0]),
    "coalesce": lambda args, value, *_: next(
        (v for v in map(value, args) if v is not None), None),
    "upcase": lambda args, value, *_: str(value(args[0])).upper(),
    "downcase": lambda args, value, *_: str(value(args[0])).lower(),
    "to-string": _to_string,
    "to-number": _to_number,
    "match": _match,
    "case": _case,
    "step": _step,
    "interpolate": _interpolate,
}
