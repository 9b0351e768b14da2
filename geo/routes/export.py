"""GIS export over HTTP: `GET /export?layers=…&format=…` answers the file itself, with
Content-Disposition, Content-Length, ETag, HEAD and byte ranges (GDAL's /vsicurl/ and
FlatGeobuf's HTTP reader need them); `GET /export/metadata?…` answers its sidecar.

The file is written to a temporary folder a batch at a time (never held in memory) and kept
there under a key made of the request and the data versions of the layers it reads: the
HEAD, then the ranged GETs, that a client sends for one file are served by one export, and
the first request after a load builds a new one. Only the latest exports are kept
(`MAX_CACHE_BYTES`); each app has its own folder, removed when the app goes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from geo.catalog import data_versions
from geo.errors import BadRequest
from geo.export import ExportRequest, build_request
from geo.export_package import Artefact, run_export
from geo.routes.common import app_shared, refuse_unknown_parameters

router = APIRouter()

EXPORT_PARAMETERS = ("layers", "format", "crs", "ward", "bbox", "filter", "filter-lang",
                     "properties", "coordinates")
MAX_CACHE_BYTES = 2 * 2**30
KEEP_SECONDS = 300.0  # a file served this recently is kept even over the limit


@router.get("/export", summary="Export layers as a GIS file: gpkg, shp, geojson, csv, kml, fgb, "
                               "parquet; chosen area, filter, CRS and attributes",
            response_class=FileResponse)
def export_file(request: Request) -> Response:
    wanted = export_request(request)
    key = _key(request, wanted)
    etag = f'"{key[:32]}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    artefact = _artefact(request.app, wanted, key)
    link = f'</export/metadata?{request.url.query}>; rel="describedby"; type="application/json"'
    return FileResponse(artefact.path, media_type=artefact.media_type,
                        filename=artefact.path.name, headers={
                            "ETag": etag, "Cache-Control": "no-cache", "Link": link})


@router.get("/export/metadata", summary="The metadata sidecar of an export (same parameters)")
def export_metadata(request: Request) -> JSONResponse:
    wanted = export_request(request)
    artefact = _artefact(request.app, wanted, _key(request, wanted))
    return JSONResponse(artefact.metadata, headers={"Cache-Control": "no-cache"})


def export_request(request: Request) -> ExportRequest:
    """The query parameters, checked; names only ever come from the registry."""
    refuse_unknown_parameters(request, EXPORT_PARAMETERS)
    params = request.query_params
    for name in params:
        if len(params.getlist(name)) > 1:
            raise BadRequest(f"{name} is given more than once; give it once (a comma list "
                             "for several layers or properties).")
    if params.get("filter-lang", "cql2-text") != "cql2-text":
        raise BadRequest("filter-lang must be cql2-text, the only filter language served.")
    return build_request([params.get("layers", "")], params.get("format", "gpkg"),
                         params.get("crs"), params.get("ward"), params.get("bbox"),
                         params.get("filter"), params.get("properties"),
                         params.get("coordinates"))


def _key(request: Request, wanted: ExportRequest) -> str:
    """The request and the data versions of every layer it reads (wards for a ward)."""
    with request.app.state.engine.connect() as conn:
        versions = data_versions(conn)
    layers = sorted({s.id for s in wanted.layers} | ({"wards"} if wanted.ward else set()))
    state = {"request": wanted.describe(), "versions": {i: versions.get(i, 0) for i in layers}}
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


def _artefact(app: FastAPI, wanted: ExportRequest, key: str) -> Artefact:
    engine = app.state.engine
    return export_cache(app).get(key, lambda folder: run_export(engine, wanted, folder))


def export_cache(app: FastAPI) -> ExportCache:
    """The app's cache, its folder removed when the app is collected or the process exits."""
    def make() -> ExportCache:
        folder = Path(tempfile.mkdtemp(prefix="urbanmap-exports-"))
        weakref.finalize(app, shutil.rmtree, folder, True)
        return ExportCache(folder)

    return app_shared(app, "export_cache", make)


class ExportCache:
    """Finished exports by key, one folder each; one build per key at a time."""

    def __init__(self, folder: Path, max_bytes: int = MAX_CACHE_BYTES) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[Artefact, float]] = OrderedDict()
        self._building: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: str, build: Callable[[Path], Artefact]) -> Artefact:
        with self._lock:
            key_lock = self._building.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                found = self._entries.get(key)
                if found is not None and found[0].path.exists():
                    self._entries[key] = (found[0], time.monotonic())
                    self._entries.move_to_end(key)
                    return found[0]
            target = self.folder / key
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            try:
                artefact = build(target)
            except BaseException:
                shutil.rmtree(target, ignore_errors=True)
                raise
            with self._lock:
                self._entries[key] = (artefact, time.monotonic())
                self._evict()
            return artefact

    def _evict(self) -> None:
        """Oldest first, down to max_bytes; never a file served in the last KEEP_SECONDS."""
        sizes = {key: sum(f.stat().st_size for f in (self.folder / key).iterdir())
                 for key in self._entries if (self.folder / key).exists()}
        total = sum(sizes.values())
        for key, (_, used) in list(self._entries.items()):
            if total <= self.max_bytes or time.monotonic() - used < KEEP_SECONDS:
                break
            shutil.rmtree(self.folder / key, ignore_errors=True)
            total -= sizes.get(key, 0)
            del self._entries[key]
            self._building.pop(key, None)

