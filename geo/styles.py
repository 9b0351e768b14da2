"""Layer styles: one JSON file per spatial layer in `styles/`, read here.

The file is the single source for the MapLibre style, the folium map and the legend, so
each client draws a layer the same way. A file holds only what is a matter of taste
(paint, layout, filter, legend); what follows from the LayerSpec (id, source-layer, zoom
range) is added here, so a layer's zoom range is changed in one place.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from layers.spec import LayerSpec

STYLES_DIR = Path(__file__).resolve().parent.parent / "styles"

# MapLibre hides a layer at zooms >= its maxzoom, while LayerSpec.maxzoom is the last zoom
# at which the layer is drawn; 24 is the highest zoom MapLibre accepts.
_MAPLIBRE_MAX_ZOOM = 24


def available_styles() -> tuple[str, ...]:
    """Ids of the layers that have a style file, sorted."""
    return tuple(sorted(path.stem for path in STYLES_DIR.glob("*.json")))


@cache
def load_style(layer_id: str) -> dict[str, Any]:
    """The parsed style file of a layer, read once per process.

    The dict is shared between callers: treat it as read-only (`maplibre_layers` and
    `legend` hand out copies). The id is checked against the files on disk before any
    path is built from it, so an id can never reach outside `styles/`.
    """
    if layer_id not in available_styles():
        raise KeyError(
            f"no style for layer {layer_id!r}; {STYLES_DIR} has styles for: "
            f"{', '.join(available_styles())}"
        )
    path = STYLES_DIR / f"{layer_id}.json"
    style: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return style


def maplibre_layers(spec: LayerSpec, source: str) -> list[dict[str, Any]]:
    """MapLibre style layers for one layer, drawn from the vector tile `source`.

    The first fragment gets the layer id itself, so a client can address the main
    rendering as `spec.id`; further fragments (casings, labels) get `<id>-<n>`.
    """
    fragments = load_style(spec.style_id)["layers"]
    maxzoom = min(spec.maxzoom + 1, _MAPLIBRE_MAX_ZOOM)
    result: list[dict[str, Any]] = []
    for n, fragment in enumerate(fragments):
        result.append({
            "id": spec.id if n == 0 else f"{spec.id}-{n}",
            "source": source,
            "source-layer": spec.id,
            "minzoom": spec.minzoom,
            "maxzoom": maxzoom,
            **copy.deepcopy(fragment),
        })
    return result


def legend(spec: LayerSpec) -> list[dict[str, Any]]:
    """Legend entries of a layer: label, label_vi, color (#rrggbb) and shape."""
    return copy.deepcopy(load_style(spec.style_id)["legend"])


def referenced_properties(style: Any) -> set[str]:
    """Every feature property a style reads, found by walking all its expressions.

    Used to check that a style only names declared fields: MapLibre silently draws a
    misspelt property as null, so the mistake would otherwise show only as a wrong colour.
    Both `get` and `has` name a property.

    >>> sorted(referenced_properties({"paint": {"circle-color": ["match", ["get", "status"],
    ...     "working", "#00ff00", ["case", ["has", "code"], "#ff0000", "#999999"]]}}))
    ['code', 'status']
    """
    found: set[str] = set()
    if isinstance(style, dict):
        for value in style.values():
            found |= referenced_properties(value)
    elif isinstance(style, list):
        if len(style) >= 2 and style[0] in ("get", "has") and isinstance(style[1], str):
            found.add(style[1])
        for item in style:
            found |= referenced_properties(item)
    return found
