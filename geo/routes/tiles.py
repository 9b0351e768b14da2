"""Vector tiles: XYZ URLs with TileJSON 3.0 for MapLibre, and OGC API - Tiles for GDAL/QGIS.

Both URL schemes serve the same cached tiles. A tile's ETag and cache key come from the
data versions of its layers, so a load shows in the very next tile (see geo.tilecache).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from geo.crs import DISTRICT_7_BBOX_WGS84
from geo.errors import BadRequest, NotFound
from geo.items import parse_day
from geo.routes.common import (
    app_shared,
    base_url,
    fresh_versions,
    in_database_thread,
    layer_or_404,
    refuse_unknown_parameters,
)
from geo.tilecache import TileCache, TileKey, current_versions, decompress, version_key
from geo.tiles import (
    EPSG_3857_URI,
    WEB_MERCATOR_QUAD_URI,
    TileAddress,
    tile_range,
    web_mercator_quad,
)
from layers import REGISTRY, LayerSpec

router = APIRouter()

MVT = "application/vnd.mapbox-vector-tile"
JSON = "application/json"
TILE_FORMATS = ("pbf", "mvt")
TILE_PARAMETERS = frozenset({"v", "datetime"})  # the query parameters a tile takes
ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
SHORT_CACHE = "public, max-age=60"
# A URL carrying the current version key names data that can never change under it.
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"
TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
TMS_ID = "WebMercatorQuad"
MVT_TYPES = {"text": "String", "integer": "Number", "real": "Number", "date": "String",
             "boolean": "Boolean"}
JSON_TYPES = {"text": "string", "integer": "integer", "real": "number", "date": "string",
              "boolean": "boolean"}
GEOMETRY_DIMENSION = {"Point": 0, "MultiLineString": 1, "MultiPolygon": 2}
SPATIAL_LAYERS = tuple(spec for spec in REGISTRY.values() if spec.is_spatial)


# --- parameters, each parsed once ---------------------------------------------------------

async def tile_layers(layers: str) -> tuple[LayerSpec, ...]:
    return parse_tile_layers(layers)


def parse_tile_layers(layers: str) -> tuple[LayerSpec, ...]:
    """`all`, one layer id or a comma list of them; an unknown id is 404."""
    if layers == "all":
        return SPATIAL_LAYERS
    return tuple(dict.fromkeys(layer_or_404(part, spatial=True) for part in layers.split(",")))


async def xyz_address(z: int, x: int, y: int) -> TileAddress:
    return TileAddress(z, x, y)


async def ogc_address(tileMatrix: int, tileRow: int, tileCol: int) -> TileAddress:
    return TileAddress(tileMatrix, tileCol, tileRow)


async def tile_format(fmt: str) -> str:
    if fmt not in TILE_FORMATS:
        raise BadRequest(f"Tiles are Mapbox vector tiles: ask for .pbf or .mvt, not .{fmt}.")
    return fmt


async def tile_matrix_set_id(tms: str) -> str:
    if tms != TMS_ID:
        raise NotFound(f"There is no tile matrix set {tms!r}; tiles are served in {TMS_ID}.")
    return tms


async def json_only(request: Request) -> None:
    """The metadata documents take only f=json, the one format they come in."""
    refuse_unknown_parameters(request, ("f",))
    if request.query_params.get("f", "json") != "json":
        raise BadRequest("f must be json: this document is served as JSON only.")


def tile_cache(app: FastAPI) -> TileCache:
    """The app's cache: one per app, as a cache key names no database."""
    return app_shared(app, "tile_cache", TileCache)


# --- HTTP caching ---------------------------------------------------------------------------

def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (q=0 refuses it).

    >>> accepts_gzip("gzip, deflate, br"), accepts_gzip("br;q=1, gzip;q=0"), accepts_gzip("*")
    (True, False, True)
    """
    weights: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        coding, _, parameter = part.partition(";")
        name, _, value = parameter.strip().partition("=")
        try:
            weights[coding.strip()] = float(value) if name == "q" else 1.0
        except ValueError:
            weights[coding.strip()] = 0.0
    return weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0))) > 0


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match compared weakly, as RFC 9110 requires for GET."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or wanted in tags


async def tile_response(request: Request, specs: tuple[LayerSpec, ...],
                        address: TileAddress) -> Response:
    """The tile for a request that went through FastAPI (see tile_answer)."""
    refuse_unknown_parameters(request, TILE_PARAMETERS)
    return await tile_answer(request.app, specs, address, request.query_params,
                             request.headers.get("if-none-match"),
                             request.headers.get("accept-encoding", ""))


async def tile_answer(app: FastAPI, specs: tuple[LayerSpec, ...], address: TileAddress,
                      query: Mapping[str, str], if_none_match: str | None,
                      accept_encoding: str) -> Response:
    """The tile, from memory when cut before under the current data versions.

    Shared by the routes and the fast path (geo.routes.tile_fast_path), so both check and
    answer alike; `query` holds only TILE_PARAMETERS. Async, so a cached tile costs no
    thread: the (shared) version read waits on the event loop, and only a render runs in a
    database thread.

    A tile that is not in memory even under the versions last read must be rendered
    whatever the versions are now; its render reads them itself, after this request
    arrived, so it waits for no separate read: one round trip for a tile seen for the
    first time, not two.
    """
    day = tile_day(specs, query.get("datetime"))
    versions = fresh_versions(app)
    cache = tile_cache(app)
    seen = stored = None
    if versions.last_read is not None and if_none_match is None:
        seen = TileKey.of(specs, versions.last_read, address, day)
        stored = cache.get(seen)
        if stored is None:
            key, stored = await in_database_thread(app, _render, app, cache, specs, address,
                                                   day)
            return _tile_response(key, stored, query.get("v"), accept_encoding)
    key = TileKey.of(specs, await versions.current(), address, day)
    if etag_matches(if_none_match, key.etag):
        return Response(status_code=304, headers=_tile_headers(key, query.get("v")))
    if key != seen:  # the data changed since the read before: look again under the new key
        stored = cache.get(key)
    if stored is None:
        key, stored = await in_database_thread(app, _render, app, cache, specs, address, day)
    return _tile_response(key, stored, query.get("v"), accept_encoding)


def _tile_response(key: TileKey, stored: bytes, v: str | None,
                   accept_encoding: str) -> Response:
    headers = _tile_headers(key, v)
    if stored and accepts_gzip(accept_encoding):
        # Already compressed: Content-Encoding also makes GZipMiddleware leave it alone.
        return Response(stored, media_type=MVT, headers={**headers, "Content-Encoding": "gzip"})
    return Response(decompress(stored), media_type=MVT, headers=headers)


def tile_day(specs: tuple[LayerSpec, ...], text: str | None) -> datetime.date | None:
    """The day a tile shows of layers that change by day (`datetime=2021-08-15`)."""
    if text is None:
        return None
    if not any(spec.time_field for spec in specs):
        raise BadRequest("datetime applies only to layers that change by day ("
                         + ", ".join(s.id for s in SPATIAL_LAYERS if s.time_field)
                         + "); these do not.")
    return parse_day(text)


def _render(app: FastAPI, cache: TileCache, specs: tuple[LayerSpec, ...],
            address: TileAddress, day: datetime.date | None) -> tuple[TileKey, bytes]:
    return cache.render(app.state.engine, specs, address, day)


def _tile_headers(key: TileKey, v: str | None) -> dict[str, str]:
    current = v == key.version_key
    return {"ETag": key.etag, "Cache-Control": IMMUTABLE_CACHE if current else SHORT_CACHE,
            "Vary": "Accept-Encoding"}


# --- XYZ tiles and TileJSON -----------------------------------------------------------------

@router.get("/tiles/{layers}/{z}/{x}/{y}.{fmt}",
            summary="A vector tile of one layer, a comma list of layers, or all",
            response_class=Response, dependencies=[Depends(tile_format)])
async def xyz_tile(request: Request, specs: tuple[LayerSpec, ...] = Depends(tile_layers),
             address: TileAddress = Depends(xyz_address)) -> Response:
    return await tile_response(request, specs, address)


@router.get("/tiles/{layers}.json",
            summary="TileJSON 3.0 for one layer, a comma list of layers, or all")
def tilejson(layers: str, request: Request,
             specs: tuple[LayerSpec, ...] = Depends(tile_layers)) -> JSONResponse:
    refuse_unknown_parameters(request, ())
    with request.app.state.engine.connect() as conn:
        versions = current_versions(conn, specs)
    path = "all" if layers == "all" else ",".join(spec.id for spec in specs)
    key = version_key([spec.id for spec in specs], versions)
    body = tilejson_document(specs, f"{base_url(request)}tiles/{path}", key)
    # The document names the current version: revalidate it, or a map keeps old tiles.
    return JSONResponse(body, headers={"Cache-Control": "no-cache"})


def tilejson_document(specs: tuple[LayerSpec, ...], tiles_url: str, key: str) -> dict:
    minzoom, maxzoom = min(s.minzoom for s in specs), max(s.maxzoom for s in specs)
    west, south, east, north = DISTRICT_7_BBOX_WGS84
    single = specs[0] if len(specs) == 1 else None
    return {
        "tilejson": "3.0.0",
        "name": single.title if single else "urbanmap: District 7",
        "description": single.description if single else ", ".join(s.title for s in specs),
        "attribution": ATTRIBUTION, "scheme": "xyz",
        "tiles": [f"{tiles_url}/{{z}}/{{x}}/{{y}}.pbf?v={key}"],
        "minzoom": minzoom, "maxzoom": maxzoom, "bounds": [west, south, east, north],
        "center": [(west + east) / 2, (south + north) / 2, min(max(minzoom, 13), maxzoom)],
        "vector_layers": [{
            "id": spec.id, "description": spec.description,
            "minzoom": spec.minzoom, "maxzoom": spec.maxzoom,
            "fields": {name: MVT_TYPES[spec.field(name).type] for name in spec.property_names},
        } for spec in specs],
    }


# --- OGC API - Tiles ------------------------------------------------------------------------

def _link(href: str, rel: str, type_: str, title: str | None = None, **extra: object) -> dict:
    link = {"href": href, "rel": rel, "type": type_, **extra}
    return {**link, "title": title} if title else link


@router.get("/collections/{layer_id}/tiles", summary="The tilesets of a layer",
            dependencies=[Depends(json_only)])
def tilesets(layer_id: str, request: Request) -> JSONResponse:
    spec = layer_or_404(layer_id, spatial=True)
    base = base_url(request)
    url = f"{base}collections/{spec.id}/tiles"
    return JSONResponse({
        "title": f"{spec.title}: vector tiles",
        "links": [_link(url, "self", JSON),
                  _link(f"{base}collections/{spec.id}", "collection", JSON, spec.title)],
        "tilesets": [{
            "title": f"{spec.title} in {TMS_ID}", "dataType": "vector", "crs": EPSG_3857_URI,
            "tileMatrixSetURI": WEB_MERCATOR_QUAD_URI,
            "links": [_link(f"{url}/{TMS_ID}", "self", JSON, f"{spec.title} tileset"),
                      _link(f"{base}tileMatrixSets/{TMS_ID}", TILING_SCHEME, JSON, TMS_ID)],
        }],
    })


@router.get("/collections/{layer_id}/tiles/{tms}", summary="Tileset metadata of a layer",
            dependencies=[Depends(tile_matrix_set_id), Depends(json_only)])
def tileset(layer_id: str, request: Request) -> JSONResponse:
    spec = layer_or_404(layer_id, spatial=True)
    return JSONResponse(tileset_document(spec, base_url(request)))


def tileset_document(spec: LayerSpec, base: str) -> dict:
    url = f"{base}collections/{spec.id}/tiles/{TMS_ID}"
    west, south, east, north = DISTRICT_7_BBOX_WGS84
    return {
        "title": spec.title, "description": spec.description, "dataType": "vector",
        "crs": EPSG_3857_URI, "tileMatrixSetURI": WEB_MERCATOR_QUAD_URI,
        "boundingBox": {"lowerLeft": [west, south], "upperRight": [east, north], "crs": CRS84},
        "tileMatrixSetLimits": _limits(spec),
        "links": [
            _link(url, "self", JSON),
            _link(f"{base}tileMatrixSets/{TMS_ID}", TILING_SCHEME, JSON, TMS_ID),
            _link(f"{url}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}", "item", MVT,
                  f"{spec.title} as Mapbox vector tiles", templated=True),
        ],
        "layers": [{
            "id": spec.id, "title": spec.title, "description": spec.description,
            "dataType": "vector", "geometryDimension": GEOMETRY_DIMENSION[str(spec.geometry)],
            "minTileMatrix": str(spec.minzoom), "maxTileMatrix": str(spec.maxzoom),
            "propertiesSchema": {"type": "object", "properties": {
                name: {"type": JSON_TYPES[spec.field(name).type],
                       "description": spec.field(name).description}
                for name in spec.property_names}},
        }],
    }


def _limits(spec: LayerSpec) -> list[dict]:
    """The tiles covering the district at each zoom the layer is drawn."""
    limits = []
    for z in range(spec.minzoom, spec.maxzoom + 1):
        min_col, min_row, max_col, max_row = tile_range(DISTRICT_7_BBOX_WGS84, z)
        limits.append({"tileMatrix": str(z), "minTileRow": min_row, "maxTileRow": max_row,
                       "minTileCol": min_col, "maxTileCol": max_col})
    return limits


@router.get("/collections/{layer_id}/tiles/{tms}/{tileMatrix}/{tileRow}/{tileCol}",
            summary="A vector tile of a layer", response_class=Response,
            dependencies=[Depends(tile_matrix_set_id)])
async def ogc_tile(layer_id: str, request: Request,
                   address: TileAddress = Depends(ogc_address)) -> Response:
    spec = layer_or_404(layer_id, spatial=True)
    return await tile_response(request, (spec,), address)


@router.get("/tileMatrixSets", summary="The tile matrix sets tiles are served in",
            dependencies=[Depends(json_only)])
def tile_matrix_sets(request: Request) -> JSONResponse:
    url = f"{base_url(request)}tileMatrixSets"
    return JSONResponse({
        "links": [_link(url, "self", JSON)],
        "tileMatrixSets": [{
            "id": TMS_ID, "title": "Google Maps Compatible for the World",
            "uri": WEB_MERCATOR_QUAD_URI, "crs": EPSG_3857_URI,
            "links": [_link(f"{url}/{TMS_ID}", "self", JSON),
                      _link(f"{url}/{TMS_ID}", TILING_SCHEME, JSON, TMS_ID)],
        }],
    })


@router.get("/tileMatrixSets/{tms}", summary="A tile matrix set's definition",
            dependencies=[Depends(tile_matrix_set_id), Depends(json_only)])
def tile_matrix_set(request: Request) -> JSONResponse:
    url = f"{base_url(request)}tileMatrixSets/{TMS_ID}"
    return JSONResponse({**web_mercator_quad(), "links": [_link(url, "self", JSON)]})
