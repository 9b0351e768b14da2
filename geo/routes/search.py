"""Search by name: `/search?q=tan thuan dong` (see geo.search)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from geo import search as names
from geo.errors import BadRequest
from geo.items import parse_limit
from geo.routes.common import layer_or_404, refuse_unknown_parameters

router = APIRouter()
MAX_RESULTS = 50


@router.get("/search", summary="Roads, alleys, wards and named assets by name; diacritics, "
                               "case and small typos do not matter")
def search(request: Request) -> JSONResponse:
    refuse_unknown_parameters(request, ("q", "limit", "layers"))
    params = request.query_params
    if "q" not in params:
        raise BadRequest("q is missing: give the name to look for, e.g. "
                         "/search?q=tan thuan dong.")
    limit = min(parse_limit(params.get("limit", "10")), MAX_RESULTS)
    specs = None
    if "layers" in params:
        specs = tuple(layer_or_404(part.strip(), spatial=True)
                      for part in params["layers"].split(",") if part.strip())
        searchable = names.searchable_layers()
        for spec in specs:
            if spec not in searchable:
                raise BadRequest(f"{spec.id} has no names to search; searchable layers: "
                                 + ", ".join(s.id for s in searchable) + ".")
    with request.app.state.engine.connect() as conn:
        hits = names.search(conn, params["q"], limit, specs or None)
    return JSONResponse({"query": params["q"], "results": [hit.to_json() for hit in hits]})
