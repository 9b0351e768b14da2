"""Standalone maps: chosen layers as one self-contained HTML file, for a report or an email.

`urbanmap map --layers wards,roads,hydrants --out map.html` reads every feature of the
layers from PostGIS (in WGS 84, as GeoJSON built by PostgreSQL), draws each with its look
from `styles/` and writes a folium map that opens with no network at all:

- **Leaflet is inlined**: its JS and CSS from the npm package `leaflet` (pinned in
  package-lock.json, installed by `make setup`), with the CSS's three images as data:
  URLs. folium's Map links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs through
  its `default_js` / `default_css` lists; OfflineMap empties them and puts Leaflet in the
  page's head instead. Nothing else is needed: the elements used here (GeoJson,
  CircleMarker, LayerControl, FitBounds) are plain Leaflet, and popups and tooltips are
  built by a small script of ours rather than folium's Popup (jQuery) or GeoJsonPopup
  (which writes property values as HTML: a name in a loaded file could inject markup).
- **No basemap**: tiles would not load offline (`tiles=None`).

Text stays Unicode NFC; the file is UTF-8 and says so. folium writes the GeoJSON with
\\u escapes (ASCII), which a mail client cannot re-encode wrongly.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import re
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

import folium
from branca.element import Element, MacroElement
from jinja2 import Template
from sqlalchemy import JSON, Connection, Text, and_, cast, func, literal, not_, select, true
from sqlalchemy.dialects.postgresql import aggregate_order_by

from geo.errors import InvalidInput, SetupError
from geo.items import WGS84, feature_json
from geo.leaflet_style import feature_style
from geo.schema import LAYER_TABLES, risk_runs
from geo.styles import legend
from geo.text import nfc
from layers import REGISTRY, LayerSpec

LEAFLET_DIST = Path(__file__).resolve().parent.parent / "node_modules" / "leaflet" / "dist"
OSM_ATTRIBUTION = ('<a href="https://www.openstreetmap.org/copyright">'
                   "© OpenStreetMap contributors (ODbL)</a>")
Bounds = tuple[float, float, float, float]  # west, south, east, north in WGS 84
# Areas under lines under points, whatever order the layers were named in.
_DRAW_ORDER = {"MultiPolygon": 0, "MultiLineString": 1, "Point": 2}


@dataclass(frozen=True)
class MapLayer:
    """One layer's features as a GeoJSON FeatureCollection (WGS 84) and their extent."""

    spec: LayerSpec
    collection: dict[str, Any]
    bounds: Bounds | None

    @property
    def features(self) -> int:
        return len(self.collection["features"])

    @property
    def day(self) -> str | None:
        """The day shown, for a layer that changes by day (its latest)."""
        if not self.spec.time_field or not self.features:
            return None
        return str(self.collection["features"][0]["properties"][self.spec.time_field])


@dataclass(frozen=True)
class Ward:
    """The ward a map is limited to (`--ward`)."""

    fid: int
    name: str
    bounds: Bounds


def _bounds(corners: Any) -> Bounds | None:
    west, south, east, north = corners
    return None if west is None else (float(west), float(south), float(east), float(north))


# -- what to draw -----------------------------------------------------------------------

def choose_layers(text: str) -> list[LayerSpec]:
    """`--layers wards,roads,hydrants` as layer specs, each named once, drawn in map order.

    >>> [spec.id for spec in choose_layers("hydrants, wards,roads,wards")]
    ['wards', 'roads', 'hydrants']
    """
    ids = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    spatial = [spec.id for spec in REGISTRY.values() if spec.is_spatial]
    if not ids:
        raise InvalidInput("--layers needs at least one layer id, e.g. --layers "
                           "wards,roads,hydrants; `urbanmap layers` lists them.")
    for layer_id in ids:
        spec = REGISTRY.get(layer_id)
        if spec is None:
            raise InvalidInput(f"There is no layer {layer_id!r}. Layers with a map: "
                               f"{', '.join(spatial)} (`urbanmap layers` lists them all).")
        if not spec.is_spatial:
            raise InvalidInput(f"{layer_id} is a table without geometry, so it cannot be "
                               f"drawn. Layers with a map: {', '.join(spatial)}.")
    specs = [REGISTRY[layer_id] for layer_id in ids]
    return sorted(specs, key=lambda spec: _DRAW_ORDER[spec.geometry or "Point"])


def check_writable(out: Path) -> None:
    """Refuse an --out that cannot be written before any database work is done."""
    parent = out.parent
    if out.is_dir():
        raise InvalidInput(f"--out {out} is a directory; give a file name, e.g. {out}/map.html.")
    if not parent.is_dir():
        raise InvalidInput(f"Cannot write {out}: the directory {parent} does not exist.")
    if not os.access(parent, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise InvalidInput(f"Cannot write {out}: permission denied.")


def read_layers(conn: Connection, specs: list[LayerSpec],
                ward: str | None = None) -> tuple[list[MapLayer], Ward | None]:
    """The layers' features (those in the ward, when one is named) and the ward.

    A layer that changes by day shows its latest day, as its tiles do.
    """
    _check_overlays_computed(conn, specs)
    found = _find_ward(conn, ward) if ward else None
    layers = [_read_layer(conn, spec, found.fid if found else None) for spec in specs]
    if not any(layer.features for layer in layers):
        where = f" in {found.name}" if found else ""
        raise InvalidInput(f"Nothing to draw: {', '.join(s.id for s in specs)} "
                           f"{'has' if len(specs) == 1 else 'have'} no features{where}. "
                           "Load data first (`urbanmap load`, `urbanmap sample`).")
    return layers, found


def _check_overlays_computed(conn: Connection, specs: list[LayerSpec]) -> None:
    models = [spec.computed_by for spec in specs if spec.computed_by]
    computed = set(conn.execute(select(risk_runs.c.model_id)
                                .where(risk_runs.c.model_id.in_(models))).scalars())
    for spec in specs:
        if spec.computed_by and spec.computed_by not in computed:
            raise InvalidInput(f"The overlay {spec.id} has not been computed yet: run "
                               f"`urbanmap risk compute {spec.computed_by}` first.")


def _find_ward(conn: Connection, ward: str) -> Ward:
    """The ward named, compared as search does: `tan thuan dong` finds Phường Tân Thuận Đông."""
    wards = LAYER_TABLES["wards"]
    outline = func.ST_Transform(wards.c.geom, WGS84)
    rows = conn.execute(select(wards.c.fid, wards.c.name, func.ST_XMin(outline),
                               func.ST_YMin(outline), func.ST_XMax(outline),
                               func.ST_YMax(outline))
                        .where(func.urbanmap_search_key(wards.c.name)
                               == func.urbanmap_search_key(nfc(ward) or ""))
                        .order_by(wards.c.fid)).all()
    if len(rows) == 1:
        fid, name, *corners = rows[0]
        return Ward(fid, name, _bounds(corners) or (0.0, 0.0, 0.0, 0.0))
    names = rows or conn.execute(select(wards.c.name).order_by(wards.c.name)).all()
    listed = ", ".join(row.name for row in names) or "none: the wards layer is empty"
    problem = "is more than one ward" if rows else "is no ward"
    raise InvalidInput(f"There {problem} named {ward!r}. Wards: {listed}.")


def _read_layer(conn: Connection, spec: LayerSpec, ward_fid: int | None) -> MapLayer:
    table = LAYER_TABLES[spec.id]
    condition = true()
    if ward_fid is not None:
        wards = LAYER_TABLES["wards"]
        area = select(wards.c.geom).where(wards.c.fid == ward_fid).scalar_subquery()
        # In the ward: sharing more than its boundary, so neighbouring wards are not in it.
        condition = and_(func.ST_Intersects(table.c.geom, area),
                         not_(func.ST_Touches(table.c.geom, area)))
    if spec.time_field:
        day = table.c[spec.time_field]
        condition = and_(condition, day == select(func.max(day)).scalar_subquery())
    rows = (select(table.c.fid, table.c.geom, feature_json(spec, None).label("feature"))
            .where(condition).subquery())
    box = func.ST_Transform(func.ST_SetSRID(func.geometry(func.ST_Extent(rows.c.geom)),
                                            table.c.geom.type.srid), WGS84)
    features, *corners = conn.execute(select(
        cast(func.coalesce(func.json_agg(aggregate_order_by(rows.c.feature, rows.c.fid)),
                           cast(literal("[]"), JSON)), Text),
        func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box), func.ST_YMax(box))).one()
    # "name" is the FeatureCollection member GDAL reads as the layer's name.
    collection = {"type": "FeatureCollection", "name": spec.id,
                  "features": json.loads(features)}
    return MapLayer(spec, collection, _bounds(corners))


# -- the page ---------------------------------------------------------------------------

class OfflineMap(folium.Map):
    """folium's Map with Leaflet inlined in the page instead of linked from CDNs.

    `default_js` / `default_css` are the lists of (name, URL) that folium's JSCSSMixin
    turns into <script src> and <link href> tags; empty, they link nothing.
    """

    default_js: list[tuple[str, str]] = []
    default_css: list[tuple[str, str]] = []

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(tiles=None, **kwargs)
        # Where folium would link Leaflet: in the head, before the map's own styles.
        self.get_root().header.add_child(InlineLeaflet(), name="leaflet")


class RawHTML(Element):
    """Markup put in the page as it is: unlike Element(text), never read as a template."""

    _template = Template("{{ this.text }}\n")

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawHTML"
        self.text = text


class InlineLeaflet(Element):
    """Leaflet's CSS and JS as <style> and <script> in the page."""

    _template = Template("<style>{{ this.css }}</style>\n<script>{{ this.js }}</script>\n")

    def __init__(self) -> None:
        super().__init__()
        self._name = "InlineLeaflet"
        self.css, self.js = leaflet_assets()


@cache
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's CSS (its images as data: URLs) and JS, from node_modules."""
    try:
        css = (LEAFLET_DIST / "leaflet.css").read_text(encoding="utf-8")
        js = (LEAFLET_DIST / "leaflet.js").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SetupError(f"Leaflet is not installed in {LEAFLET_DIST.parent}: run `make setup` "
                         "(or `npm ci` in the project folder).") from None
    css = re.sub(r"url\(images/([\w.-]+\.png)\)", _data_url, css)
    # The source map is not shipped with the page; its comment would name a missing file.
    js = re.sub(r"^//# sourceMappingURL=\S+$", "", js, flags=re.MULTILINE)
    if "</style" in css.lower() or "</script" in js.lower():
        raise SetupError(f"{LEAFLET_DIST} cannot be inlined: it closes its own tag.")
    return css, js


def _data_url(match: re.Match[str]) -> str:
    image = (LEAFLET_DIST / "images" / match.group(1)).read_bytes()
    return f"url(data:image/png;base64,{base64.b64encode(image).decode('ascii')})"


# Tooltips and popups made of DOM text nodes, never HTML, so no property value can inject
# markup (or make the page fetch an image) in a file that is sent around.
DETAILS_SCRIPT = """<script>
function urbanmapDetails(info) {
  const element = (tag, text) => {
    const node = document.createElement(tag);
    node.textContent = text;
    return node;
  };
  const shown = (value) => value === null || value === undefined ? '—'
    : typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(2) : String(value);
  return function (feature, layer) {
    const properties = feature.properties || {};
    const label = info.label && properties[info.label] != null
      ? String(properties[info.label]) : info.title;
    layer.bindTooltip(() => element('span', label), {sticky: true});
    layer.bindPopup(() => {
      const box = document.createElement('div');
      box.className = 'urbanmap-popup';
      box.append(element('strong', info.title));
      const table = box.appendChild(document.createElement('table'));
      for (const name of info.fields) {
        const row = table.insertRow();
        row.append(element('th', name), element('td', shown(properties[name])));
      }
      return box;
    }, {maxWidth: 380});
  };
}
</script>
<style>
.leaflet-container { background: #f6f5f1; }
.urbanmap-popup table { border-collapse: collapse; margin-top: 4px; }
.urbanmap-popup th { text-align: left; padding-right: 10px; font-weight: normal; color: #555; }
.urbanmap-legend { background: #fff; padding: 8px 10px; border-radius: 4px; max-width: 320px;
  max-height: calc(100vh - 150px); overflow-y: auto; box-shadow: 0 1px 5px rgba(0, 0, 0, 0.4);
  font-size: 12px; line-height: 1.4; }
.urbanmap-legend h1 { font-size: 15px; margin: 0 0 2px; }
.urbanmap-legend h2 { font-size: 12px; margin: 6px 0 2px; }
.urbanmap-legend p { margin: 0; color: #555; }
.urbanmap-legend ul { list-style: none; margin: 0; padding: 0; }
.urbanmap-legend .swatch { display: inline-block; width: 14px; height: 10px;
  margin-right: 6px; background: var(--c); vertical-align: middle; }
.urbanmap-legend .swatch-line { height: 3px; }
.urbanmap-legend .swatch-circle { width: 10px; border-radius: 50%; margin: 0 8px 0 2px; }
</style>
"""


class MapControls(MacroElement):
    """A metric scale, and the title, ward, date and each layer's legend (from styles/)."""

    _template = Template("""
        {% macro html(this, kwargs) %}{{ this.content }}{% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
            L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
            const legend = L.control({position: 'bottomleft'});
            legend.onAdd = () => {
                const box = document.getElementById('urbanmap-legend');
                L.DomEvent.disableClickPropagation(box);
                L.DomEvent.disableScrollPropagation(box);
                return box;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, content: str) -> None:
        super().__init__()
        self._name = "MapControls"
        self.content = content


def layer_title(spec: LayerSpec) -> str:
    """The layer's name in both languages, as the README's layer table writes it."""
    return f"{spec.title} ({spec.title_vi})"


def build_map(layers: list[MapLayer], title: str, ward: Ward | None = None) -> OfflineMap:
    """The folium map of the layers, fitted to the ward or else to all their features."""
    page = OfflineMap(maxZoom=20)
    header = page.get_root().header
    header.add_child(RawHTML(f"<title>{escape(title)}</title>"), name="title")
    header.add_child(RawHTML(DETAILS_SCRIPT), name="urbanmap_details")
    for layer in layers:
        _geojson(layer).add_to(page)
    folium.LayerControl(collapsed=False).add_to(page)
    ward_line = ward.name if ward and ward.name not in title else None
    MapControls(_legend_html(layers, title, ward_line)).add_to(page)
    boxes = [ward.bounds] if ward else [layer.bounds for layer in layers if layer.bounds]
    page.fit_bounds([[min(b[1] for b in boxes), min(b[0] for b in boxes)],
                     [max(b[3] for b in boxes), max(b[2] for b in boxes)]], padding=(12, 12),
                    max_zoom=18)
    return page


def _geojson(layer: MapLayer) -> folium.GeoJson:
    spec = layer.spec
    class_name = f"urbanmap-layer urbanmap-layer-{spec.id}"
    details = {"title": layer_title(spec), "label": _label_field(spec),
               "fields": list(spec.property_names)}
    return folium.GeoJson(
        layer.collection, name=escape(layer_title(spec)),
        style_function=lambda feature: {**feature_style(spec, feature["properties"]),
                                        "className": class_name},
        marker=folium.CircleMarker() if spec.geometry == "Point" else None,
        on_each_feature=folium.JsCode(f"urbanmapDetails({_script_json(details)})"),
        attribution=OSM_ATTRIBUTION)


def _label_field(spec: LayerSpec) -> str | None:
    """The property a tooltip shows: the feature's name, else its code or kind."""
    candidates = ("name", *spec.natural_key[:1], "ward_name", "code", "number", "level_name",
                  "level", "kind")
    return next((name for name in candidates if name in spec.property_names), None)


def _legend_html(layers: list[MapLayer], title: str, ward_name: str | None) -> str:
    """The legend box: every text escaped, written as UTF-8 in the page."""
    parts = [f"<div id='urbanmap-legend' class='urbanmap-legend'><h1>{escape(title)}</h1>"]
    if ward_name:
        parts.append(f"<p>{escape(ward_name)}</p>")
    parts.append(f"<p>urbanmap, {datetime.date.today():%Y-%m-%d}</p>")
    for layer in layers:
        day = f", {layer.day}" if layer.day else ""
        parts.append(f"<h2>{escape(layer_title(layer.spec))}: {layer.features}{day}</h2><ul>")
        parts += [f"<li><span class='swatch swatch-{escape(entry['shape'])}' "
                  f"style='--c:{escape(entry['color'])}'></span>{escape(entry['label'])} "
                  f"({escape(entry['label_vi'])})</li>" for entry in legend(layer.spec)]
        parts.append("</ul>")
    return "".join(parts) + "</div>"


def _script_json(value: Any) -> str:
    """JSON to write inside a <script>: `<`, `>` and `&` escaped, other text as it is."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def default_title(specs: list[LayerSpec], ward: Ward | None) -> str:
    """`Wards, Roads, Fire hydrants`, with the ward when there is one."""
    title = ", ".join(spec.title for spec in specs)
    return f"{title}: {ward.name}" if ward else title


def render_map(conn: Connection, specs: list[LayerSpec], ward: str | None = None,
               title: str | None = None) -> tuple[str, list[MapLayer]]:
    """The page as HTML text, and the layers drawn in it."""
    layers, found = read_layers(conn, specs, ward)
    page = build_map(layers, nfc(title) or default_title(specs, found), found)
    return page.get_root().render(), layers


def write_page(html: str, out: Path) -> int:
    """Write the page (UTF-8); its size in bytes."""
    data = html.encode("utf-8")
    try:
        out.write_bytes(data)
    except OSError as error:
        raise InvalidInput(f"Cannot write {out}: {error.strerror or error}.") from None
    return len(data)
