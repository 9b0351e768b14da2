"""OGC API - Features, Part 1 Core (+ Part 3 filters): collections, items, one item,
queryables. JSON for programs (GeoJSON for items), HTML for people in a browser."""

from __future__ import annotations

import hashlib
import json
from html import escape
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from geo import items
from geo.catalog import LayerState, layer_states
from geo.cql import filter_expression
from geo.errors import BadRequest, NotFound
from geo.routes.common import (
    app_shared,
    base_url,
    fresh_versions,
    in_database_thread,
    layer_or_404,
    refuse_unknown_parameters,
    wants_html,
)
from layers import LayerSpec

router = APIRouter()

GEOJSON = "application/geo+json"
ITEMS_PARAMETERS = {"f", "limit", "offset", "bbox", "properties", "sortby", "filter",
                    "filter-lang", "filter-crs", "datetime"}
JSON_SCHEMA_TYPES = {"text": "string", "integer": "integer", "real": "number",
                     "date": "string", "boolean": "boolean"}
GEOMETRY_FORMATS = {"Point": "geometry-point", "MultiLineString": "geometry-multilinestring",
                    "MultiPolygon": "geometry-multipolygon"}


def _link(href: str, rel: str, type_: str, title: str | None = None) -> dict:
    link = {"href": href, "rel": rel, "type": type_}
    return {**link, "title": title} if title else link


def collection_json(state: LayerState, base: str, extent: list[float] | None) -> dict:
    spec = state.spec
    url = f"{base}collections/{spec.id}"
    links = [_link(url, "self", "application/json"),
             _link(f"{url}?f=html", "alternate", "text/html"),
             _link(f"{url}/items", "items", GEOJSON, f"{spec.title} as GeoJSON"),
             _link(f"{url}/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                   "application/schema+json")]
    if spec.is_spatial:
        links.append(_link(f"{url}/tiles", "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                           "application/json", "Vector tiles"))
    collection = {"id": spec.id, "title": spec.title, "title_vi": spec.title_vi,
                  "description": spec.description, "domain": spec.domain,
                  "itemType": "feature", "geometry": spec.geometry,
                  "features": state.features, "data_version": state.data_version,
                  "crs": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"], "links": links}
    if extent:
        collection["extent"] = {"spatial": {
            "bbox": [extent], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}}
    return collection


def _extent(request: Request, conn, state: LayerState) -> list[float] | None:
    """The layer's extent, computed once per data version: it changes only with the data.
    Kept by the app, since the app names the database."""
    extents = request.app.state.extents
    key = (state.spec.id, state.data_version)
    if key not in extents:
        extents[key] = items.collection_extent(conn, state.spec)
    return extents[key]


@router.get("/collections", summary="The layers")
def collections(request: Request) -> Response:
    refuse_unknown_parameters(request, {"f"})
    with request.app.state.engine.connect() as conn:
        states = layer_states(conn)
        extents = {s.spec.id: _extent(request, conn, s) for s in states}
    base = base_url(request)
    if wants_html(request):
        return HTMLResponse(collections_html(states, base))
    return JSONResponse({
        "links": [_link(f"{base}collections", "self", "application/json"),
                  _link(f"{base}collections?f=html", "alternate", "text/html")],
        "collections": [collection_json(s, base, extents[s.spec.id]) for s in states]})


@router.get("/collections/{layer_id}", summary="One layer")
def collection(layer_id: str, request: Request) -> Response:
    refuse_unknown_parameters(request, {"f"})
    spec = layer_or_404(layer_id)
    with request.app.state.engine.connect() as conn:
        [state] = layer_states(conn, [spec])  # counting one table, not all of them
        extent = _extent(request, conn, state)
    body = collection_json(state, base_url(request), extent)
    if wants_html(request):
        return HTMLResponse(_page(spec.title, f"<p>{escape(spec.description)}</p>"
                                  f"<p><a href='{escape(spec.id)}/items?f=html'>Features</a> "
                                  f"({state.features})</p>"))
    return JSONResponse(body)


@router.get("/collections/{layer_id}/queryables",
            summary="The properties a filter may use, as JSON Schema")
def queryables(layer_id: str, request: Request) -> Response:
    refuse_unknown_parameters(request, {"f"})
    spec = layer_or_404(layer_id)
    properties: dict[str, dict] = {}
    if spec.is_spatial:
        properties["geometry"] = {"format": GEOMETRY_FORMATS[spec.geometry],
                                  "x-ogc-role": "primary-geometry"}
    for name in spec.property_names:
        f = spec.field(name)
        schema = {"title": f.description, "type": JSON_SCHEMA_TYPES[f.type]}
        if f.type == "date":
            schema["format"] = "date"
        if f.choices:
            schema["enum"] = list(f.choices)
        if f.unit:
            schema["x-unit"] = f.unit
        properties[name] = schema
    return JSONResponse({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base_url(request)}collections/{spec.id}/queryables",
        "type": "object", "title": spec.title, "properties": properties,
        "additionalProperties": False}, media_type="application/schema+json")


@router.get("/collections/{layer_id}/items",
            summary="Features of a layer: bbox, limit/offset, properties, sortby, "
                    "name=value filters and CQL2-text filter")
async def items_page(layer_id: str, request: Request) -> Response:
    # Async, like the tiles: the ETag's data version comes from the reads shared by the
    # requests arriving together (geo.versions), and the page costs one trip to a worker
    # thread, not one for the route and another for the version query.
    spec = layer_or_404(layer_id)
    query = items_query(spec, request)
    html = wants_html(request)
    versions = await fresh_versions(request.app).current()
    etag = _etag(spec, versions.get(spec.id, 0), request, html)
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    counted = (spec.id, versions.get(spec.id, 0), _selection(request))
    counts = app_shared(request.app, "matched_counts", items.MatchedCounts)
    features, returned, matched = await in_database_thread(
        request.app, _read_page, request.app.state.engine, query, counts.get(counted))
    counts.put(counted, matched)
    url = f"{base_url(request)}collections/{spec.id}/items"
    links = _page_links(request, url, query, returned, matched)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}  # revalidate: ETag says if changed
    if html:
        return HTMLResponse(items_html(spec, json.loads(features), links, matched),
                            headers=headers)
    header = json.dumps({"type": "FeatureCollection", "numberMatched": matched,
                         "numberReturned": returned, "links": links}, ensure_ascii=False)
    body = f'{header[:-1]}, "features": {features}}}'
    return Response(body, media_type=GEOJSON, headers=headers)


@router.get("/collections/{layer_id}/items/{fid}", summary="One feature by its id")
def item(layer_id: str, fid: str, request: Request) -> Response:
    refuse_unknown_parameters(request, {"f"})
    spec = layer_or_404(layer_id)
    if not fid.isdigit() or len(fid) > 18:
        raise NotFound(f"{spec.id} has no feature {fid!r}: feature ids are whole numbers.")
    with request.app.state.engine.connect() as conn:
        feature = items.one_feature(conn, spec, int(fid))
    if feature is None:
        raise NotFound(f"{spec.id} has no feature {fid}.")
    url = f"{base_url(request)}collections/{spec.id}"
    if wants_html(request):
        return HTMLResponse(items_html(spec, [json.loads(feature)], [], 1))
    parsed = json.loads(feature)
    parsed["links"] = [_link(f"{url}/items/{fid}", "self", GEOJSON),
                       _link(url, "collection", "application/json")]
    return Response(json.dumps(parsed, ensure_ascii=False), media_type=GEOJSON)


def items_query(spec: LayerSpec, request: Request) -> items.ItemsQuery:
    """The request's parameters, each checked; a name=value pair filters on a property."""
    params = request.query_params
    refuse_unknown_parameters(request, ITEMS_PARAMETERS | set(spec.property_names))
    for name in params:
        if len(params.getlist(name)) > 1:
            raise BadRequest(f"{name} is given more than once; give it once.")
    if params.get("filter-lang", "cql2-text") != "cql2-text":
        raise BadRequest("filter-lang must be cql2-text, the only filter language served.")
    if params.get("filter-crs", "http://www.opengis.net/def/crs/OGC/1.3/CRS84") != \
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84":
        raise BadRequest("filter-crs must be http://www.opengis.net/def/crs/OGC/1.3/CRS84.")
    bbox = items.parse_bbox(params.get("bbox"))
    if bbox and not spec.is_spatial:
        raise BadRequest(f"{spec.id} has no geometry, so bbox cannot apply.")
    query = items.ItemsQuery(
        spec, limit=items.parse_limit(params.get("limit")),
        offset=items.parse_offset(params.get("offset")), bbox=bbox,
        properties=(items.parse_names(spec, "properties", params["properties"])
                    if "properties" in params else None),
        sortby=items.parse_sortby(spec, params.get("sortby")),
        equals={name: items.parse_value(spec, name, params[name])
                for name in spec.property_names if name in params},
        period=items.parse_period(spec, params.get("datetime")))
    if "filter" in params:
        query.cql = filter_expression(params["filter"], spec, query.table)
    return query


def _read_page(engine, query: items.ItemsQuery, matched: int | None) -> tuple[str, int, int]:
    with engine.connect() as conn:
        return items.page_of_features(conn, query, matched)


NOT_SELECTING = {"limit", "offset", "properties", "sortby", "f"}  # which page, not which rows


def _selection(request: Request) -> tuple:
    """The parameters that decide which features match, in a canonical order."""
    return tuple(sorted((name, value) for name, value in request.query_params.multi_items()
                        if name not in NOT_SELECTING))


def _etag(spec: LayerSpec, version: int, request: Request, html: bool) -> str:
    digest = hashlib.sha256(f"{version}|{html}|{request.url.query}".encode()).hexdigest()
    return f'"{spec.id}-{version}-{digest[:16]}"'


def _page_links(request: Request, url: str, query: items.ItemsQuery, returned: int,
                matched: int) -> list[dict]:
    params = dict(request.query_params)

    def at(offset: int) -> str:
        return f"{url}?{urlencode({**params, 'offset': offset, 'limit': query.limit})}"

    links = [_link(str(request.url), "self", GEOJSON),
             _link(url.rsplit("/items", 1)[0], "collection", "application/json")]
    if query.offset + returned < matched:
        links.append(_link(at(query.offset + query.limit), "next", GEOJSON))
    if query.offset > 0:
        links.append(_link(at(max(query.offset - query.limit, 0)), "prev", GEOJSON))
    return links


# -- HTML for people ----------------------------------------------------------------------

def _page(title: str, body: str) -> str:
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{escape(title)} — urbanmap</title></head><body>"
            f"<h1>{escape(title)}</h1>{body}<p><small>Data © OpenStreetMap contributors "
            "(ODbL) and generated sample data.</small></p></body></html>")


def collections_html(states: list[LayerState], base: str) -> str:
    rows = "".join(
        f"<tr><td><a href='{base}collections/{escape(s.spec.id)}/items?f=html'>"
        f"{escape(s.spec.id)}</a></td><td>{escape(s.spec.title)}</td>"
        f"<td lang='vi'>{escape(s.spec.title_vi)}</td><td>{escape(s.spec.domain)}</td>"
        f"<td>{s.features}</td></tr>" for s in states)
    return _page("urbanmap — layers", "<table><thead><tr><th>layer</th><th>title</th>"
                 "<th>tên</th><th>domain</th><th>features</th></tr></thead>"
                 f"<tbody>{rows}</tbody></table>")


def items_html(spec: LayerSpec, features: list[dict], links: list[dict], matched: int) -> str:
    names = list(spec.property_names)
    head = "".join(f"<th>{escape(n)}</th>" for n in ["id", *names])
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(str(v)) if v is not None else ''}</td>"
                         for v in [f["id"], *(f["properties"].get(n) for n in names)]) + "</tr>"
        for f in features)
    pages = " ".join(f"<a rel='{link['rel']}' href='{escape(link['href'])}'>"
                     f"{link['rel']}</a>" for link in links if link["rel"] in ("prev", "next"))
    return _page(f"{spec.title} ({spec.title_vi})",
                 f"<p>{matched} features.</p><table><thead><tr>{head}</tr></thead>"
                 f"<tbody>{rows}</tbody></table><p>{pages}</p>")
