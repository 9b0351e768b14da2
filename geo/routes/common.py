"""What every route shares: finding a layer by id, the base URL, and strict query parameters.

Layer ids, property names and sort keys only ever come from the registry: a value from a
request is looked up there and refused when it is not found, so it never reaches SQL.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Request

from geo.errors import BadRequest, NotFound
from layers import REGISTRY, LayerSpec


def layer_or_404(layer_id: str, spatial: bool = False) -> LayerSpec:
    spec = REGISTRY.get(layer_id)
    if spec is None or (spatial and not spec.is_spatial):
        known = [s.id for s in REGISTRY.values() if s.is_spatial or not spatial]
        raise NotFound(f"There is no {'spatial ' if spatial else ''}layer {layer_id!r}. "
                       f"Layers: {', '.join(known)}.")
    return spec


def base_url(request: Request) -> str:
    """The service's root URL as the client reached it, ending in '/'."""
    return str(request.base_url)


def refuse_unknown_parameters(request: Request, allowed: Iterable[str]) -> None:
    """A misspelt parameter silently ignored gives a wrong answer; say so instead (400)."""
    allowed = set(allowed)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise BadRequest(f"Unknown query parameter{'s' if len(unknown) > 1 else ''} "
                         f"{', '.join(unknown)}. This endpoint takes: "
                         f"{', '.join(sorted(allowed)) or 'no parameters'}.")


def wants_html(request: Request) -> bool:
    """A browser asking for a page (Accept: text/html) or anyone asking with f=html."""
    f = request.query_params.get("f")
    if f is not None and f not in ("json", "html", "geojson"):
        raise BadRequest(f"f must be json or html, not {f!r}.")
    return f == "html" or (f is None and "text/html" in request.headers.get("accept", ""))
