"""The map service: create_app builds the FastAPI app around one engine and the registry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from geo.db import DATABASE_DOWN, connect_engine
from geo.errors import UrbanmapError
from geo.routes import export, features, landing, lookup, map, search, styles, tiles
from geo.routes.common import close_database_threads, close_version_reads
from geo.routes.tile_fast_path import TileFastPath
from geo.settings import Settings

GZIP_LEVEL = 4
DOWNLOAD_PREFIX = "/export"


def error_response(status: int, code: str, description: str) -> JSONResponse:
    """Every error in one shape: {"code", "description"}, the description for a person."""
    return JSONResponse({"code": code, "description": description}, status_code=status)


class HeadAsGet:
    """Answer HEAD on every GET route: the same status and headers, no body.

    HTTP clients (GDAL, download managers, link checkers) ask HEAD first; declaring it on
    each route would also list every operation twice in the OpenAPI document.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class GzipButNotDownloads:
    """Gzip the answers, except file downloads (/export): compressing a file on the fly drops
    its Content-Length and byte ranges, which GDAL's /vsicurl/ and FlatGeobuf's HTTP reader
    need, and the packed formats gain little."""

    def __init__(self, app, **gzip_options) -> None:
        self.plain = app
        self.gzipped = GZipMiddleware(app, **gzip_options)

    async def __call__(self, scope, receive, send) -> None:
        download = scope["type"] == "http" and scope["path"].startswith(DOWNLOAD_PREFIX)
        await (self.plain if download else self.gzipped)(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One connection per request thread, kept open: with fewer, busy moments open and
        # close overflow connections per request (measured: slower at 32 clients than at 8).
        app.state.engine = connect_engine(settings, pool_size=settings.db_pool_size)
        yield
        close_version_reads(app)
        close_database_threads(app)
        app.state.engine.dispose()

    app = FastAPI(title="urbanmap", description="Urban assets of a city district",
                  lifespan=lifespan, openapi_url="/api", docs_url="/api.html", redoc_url=None)
    app.state.settings = settings
    app.state.extents = {}  # (layer, data version) → WGS 84 bbox, see routes.features
    for module in (landing, features, tiles, styles, search, lookup, map, export):
        app.include_router(module.router)
    # Level 4, not Starlette's 9: a page of 100 features gzips in 0.25 ms instead of 1.4 ms
    # (a page of 1,000 in 2.6 ms instead of 18 ms) for a body only 6-8 % larger.
    app.add_middleware(GzipButNotDownloads, minimum_size=1024, compresslevel=GZIP_LEVEL)
    app.add_middleware(TileFastPath)  # inside CORS and HEAD, outside everything FastAPI does
    app.add_middleware(HeadAsGet)
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                       allow_methods=["GET", "HEAD", "OPTIONS"], allow_headers=["*"],
                       expose_headers=["ETag", "Content-Length", "Content-Range"])

    @app.exception_handler(UrbanmapError)
    async def urbanmap_error(request: Request, error: UrbanmapError) -> JSONResponse:
        return error_response(error.status, error.title, error.message)

    async def database_down(request: Request, error: Exception) -> JSONResponse:
        return error_response(503, "Database unavailable",
                              "The database is not answering, so this cannot be served now. "
                              "Try again in a moment; if it goes on, PostgreSQL needs a look "
                              "(`urbanmap db status` on the server).")

    for error_class in DATABASE_DOWN:
        app.add_exception_handler(error_class, database_down)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'][1:]) or 'request'}: "
            f"{problem['msg']}" for problem in error.errors())
        return error_response(400, "Bad request", f"Invalid request: {problems}.")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        description = {404: f"Nothing is served at {request.url.path}. Start at / for the "
                            "layers and links.",
                       405: f"{request.method} is not allowed on {request.url.path}."}.get(
            error.status_code, str(error.detail))
        return error_response(error.status_code, str(error.detail), description)

    return app
