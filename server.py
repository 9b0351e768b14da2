"""The map service: create_app builds the FastAPI app around one engine and the registry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from geo.db import connect_engine
from geo.errors import UrbanmapError
from geo.routes import landing
from geo.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = connect_engine(settings)
        yield
        app.state.engine.dispose()

    app = FastAPI(title="urbanmap", description="Urban assets of a city district",
                  lifespan=lifespan)
    app.state.settings = settings
    app.include_router(landing.router)

    @app.exception_handler(UrbanmapError)
    async def urbanmap_error(request: Request, error: UrbanmapError) -> JSONResponse:
        return JSONResponse({"code": error.title, "description": error.message},
                            status_code=error.status)

    return app
