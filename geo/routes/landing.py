"""The landing page, the conformance declaration and the health check."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from geo.catalog import layer_states
from geo.routes.common import base_url, refuse_unknown_parameters, wants_html
from geo.routes.features import collections_html
from geo.routes.map import map_page

router = APIRouter()

OGC = "http://www.opengis.net/spec"
# Only classes the service really meets (tests/test_features.py walks them). No oas30: FastAPI
# writes OpenAPI 3.1.
CONFORMANCE = [
    f"{OGC}/ogcapi-features-1/1.0/conf/core",
    f"{OGC}/ogcapi-features-1/1.0/conf/geojson",
    f"{OGC}/ogcapi-features-1/1.0/conf/html",
    f"{OGC}/ogcapi-features-3/1.0/conf/filter",
    f"{OGC}/ogcapi-features-3/1.0/conf/features-filter",
    f"{OGC}/ogcapi-features-3/1.0/conf/queryables",
    f"{OGC}/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    f"{OGC}/cql2/1.0/conf/cql2-text",
    f"{OGC}/cql2/1.0/conf/basic-cql2",
    f"{OGC}/cql2/1.0/conf/advanced-comparison-operators",
    f"{OGC}/cql2/1.0/conf/basic-spatial-functions",
    f"{OGC}/cql2/1.0/conf/spatial-functions",
    f"{OGC}/cql2/1.0/conf/case-insensitive-comparison",
    f"{OGC}/cql2/1.0/conf/accent-insensitive-comparison",
    f"{OGC}/ogcapi-records-1/1.0/conf/sorting",
    f"{OGC}/ogcapi-tiles-1/1.0/conf/core",
    f"{OGC}/ogcapi-tiles-1/1.0/conf/tileset",
    f"{OGC}/ogcapi-tiles-1/1.0/conf/tilesets-list",
    f"{OGC}/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    f"{OGC}/ogcapi-tiles-1/1.0/conf/mvt",
]


@router.get("/", summary="Landing page")
def landing(request: Request) -> Response:
    refuse_unknown_parameters(request, {"f"})
    base = base_url(request)
    if wants_html(request):
        # A browser gets the planners' map; `f=html` asks for the API's own page.
        if request.query_params.get("f") != "html":
            return map_page()
        with request.app.state.engine.connect() as conn:
            return HTMLResponse(collections_html(layer_states(conn), base))
    return JSONResponse({
        "title": "urbanmap", "description": "Urban assets of a city district",
        "links": [
            {"href": base, "rel": "self", "type": "application/json"},
            {"href": f"{base}?f=html", "rel": "alternate", "type": "text/html"},
            {"href": f"{base}api", "rel": "service-desc",
             "type": "application/vnd.oai.openapi+json;version=3.1"},
            {"href": f"{base}api.html", "rel": "service-doc", "type": "text/html"},
            {"href": f"{base}conformance", "rel": "conformance", "type": "application/json"},
            {"href": f"{base}collections", "rel": "data", "type": "application/json"},
            {"href": f"{base}tileMatrixSets", "rel": "http://www.opengis.net/def/rel/ogc/1.0/"
             "tiling-schemes", "type": "application/json"},
            {"href": f"{base}styles/map.json", "rel": "stylesheet",
             "type": "application/vnd.mapbox.style+json", "title": "MapLibre style"},
        ]})


@router.get("/conformance", summary="Conformance classes met")
def conformance(request: Request) -> dict:
    refuse_unknown_parameters(request, {"f"})
    return {"conformsTo": CONFORMANCE}


@router.get("/healthz", summary="Liveness and database check")
def healthz(request: Request) -> dict:
    refuse_unknown_parameters(request, ())
    with request.app.state.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    return {"status": "ok"}
