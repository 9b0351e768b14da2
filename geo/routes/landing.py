"""The landing page and the list of layers, in JSON or HTML."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from geo.catalog import LayerState, layer_states

router = APIRouter()


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.query_params.get("f") == "html" or (
        "text/html" in accept and request.query_params.get("f") != "json")


def _layer_json(state: LayerState, base: str) -> dict:
    spec = state.spec
    return {"id": spec.id, "title": spec.title, "title_vi": spec.title_vi,
            "domain": spec.domain, "description": spec.description,
            "geometry": spec.geometry, "features": state.features,
            "data_version": state.data_version,
            "properties": list(spec.property_names),
            "links": [{"rel": "self", "href": f"{base}collections/{spec.id}"}]}


def _layers_html(states: list[LayerState]) -> str:
    rows = "".join(
        f"<tr><td>{escape(s.spec.id)}</td><td>{escape(s.spec.title)}</td>"
        f"<td lang='vi'>{escape(s.spec.title_vi)}</td><td>{escape(s.spec.domain)}</td>"
        f"<td>{s.features}</td></tr>" for s in states)
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<title>urbanmap — District 7</title></head><body><h1>urbanmap</h1>"
            "<p>Urban assets of the district. Data © OpenStreetMap contributors (ODbL) and "
            "generated sample data.</p><table><thead><tr><th>layer</th><th>title</th>"
            f"<th>tên</th><th>domain</th><th>features</th></tr></thead><tbody>{rows}"
            "</tbody></table></body></html>")


@router.get("/", summary="Landing page with the layers of the registry")
@router.get("/collections", summary="The layers of the registry")
def landing(request: Request) -> Response:
    with request.app.state.engine.connect() as conn:
        states = layer_states(conn)
    if _wants_html(request):
        return HTMLResponse(_layers_html(states))
    base = str(request.base_url)
    return JSONResponse({"title": "urbanmap", "layers": [_layer_json(s, base) for s in states]})


@router.get("/healthz", summary="Liveness and database check")
def healthz(request: Request) -> dict:
    with request.app.state.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    return {"status": "ok"}
