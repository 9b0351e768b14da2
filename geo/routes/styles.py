"""MapLibre styles (version 8): the whole map, or one layer, over this service's tiles.

The layers come from `styles/*.json` through geo.styles, the same files the folium map and
the legend read; the source is this service's TileJSON, so tile URLs carry the current
data version and a style never needs to change when data does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from geo.crs import DISTRICT_7_BBOX_WGS84
from geo.errors import NotFound
from geo.routes.common import base_url, layer_or_404, refuse_unknown_parameters
from geo.styles import available_styles, legend, maplibre_layers
from layers import REGISTRY, LayerSpec

router = APIRouter()

SOURCE = "urbanmap"
# MapLibre refuses a style whose symbol layers show text but which names no glyphs. They are
# this service's own (geo/routes/map.py), never a font server on the internet: district
# offices run on closed networks. Relative to the TileJSON's folder, i.e. the service root.
GLYPHS = "../fonts/{fontstack}/{range}.pbf"
BACKGROUND = {"id": "background", "type": "background",
              "paint": {"background-color": "#f4f1ea"}}
# Areas first, then lines, then points, so nothing is hidden under a fill.
DRAWING_ORDER = {"MultiPolygon": 0, "MultiLineString": 1, "Point": 2}


def styled_layers() -> tuple[LayerSpec, ...]:
    """Spatial layers that have a style file, in registry order."""
    styled = set(available_styles())
    return tuple(spec for spec in REGISTRY.values() if spec.is_spatial and spec.id in styled)


def style_document(specs: tuple[LayerSpec, ...], tilejson_url: str, name: str) -> dict:
    # Risk overlays over the assets of their kind: a hazard zone shades the land use.
    ordered = sorted(specs, key=lambda spec: (DRAWING_ORDER[str(spec.geometry)],
                                              spec.is_overlay))
    fragments = [layer for spec in ordered for layer in maplibre_layers(spec, SOURCE)]
    # Labels go above every geometry, or a later layer's fill would cover them.
    layers: list[dict[str, Any]] = [
        *(f for f in fragments if f["type"] != "symbol"),
        *(f for f in fragments if f["type"] == "symbol")]
    west, south, east, north = DISTRICT_7_BBOX_WGS84
    style: dict[str, Any] = {
        "version": 8, "name": name,
        "center": [(west + east) / 2, (south + north) / 2],
        "zoom": max(13, min(spec.minzoom for spec in specs)),
        "sources": {SOURCE: {"type": "vector", "url": tilejson_url}},
        "layers": [BACKGROUND, *layers],
        # What a map needs to list its layers: the legend, titles and domains (a MapLibre
        # style may carry any metadata; clients that do not know it ignore it).
        "metadata": {"urbanmap:legend": {spec.id: {
            "title": spec.title, "title_vi": spec.title_vi, "domain": spec.domain,
            "entries": legend(spec)} for spec in specs}},
    }
    if any(f["type"] == "symbol" for f in layers):
        style["glyphs"] = urljoin(tilejson_url, GLYPHS)
    return style


@router.get("/styles/map.json", summary="MapLibre style of every layer")
def map_style(request: Request) -> JSONResponse:
    refuse_unknown_parameters(request, ())
    base = base_url(request)
    return JSONResponse(style_document(styled_layers(), f"{base}tiles/all.json",
                                       "urbanmap: District 7"))


@router.get("/styles/{layer_id}.json", summary="MapLibre style of one layer")
def layer_style(layer_id: str, request: Request) -> JSONResponse:
    refuse_unknown_parameters(request, ())
    spec = layer_or_404(layer_id, spatial=True)
    if spec.id not in available_styles():
        raise NotFound(f"Layer {spec.id!r} has no style file.")
    base = base_url(request)
    return JSONResponse(style_document((spec,), f"{base}tiles/{spec.id}.json", spec.title))
