"""What every route shares: finding a layer by id, the base URL, strict query parameters,
and the app's shared objects (caches, the version reader).

Layer ids, property names and sort keys only ever come from the registry: a value from a
request is looked up there and refused when it is not found, so it never reaches SQL.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from fastapi import FastAPI, Request

from geo.errors import BadRequest, NotFound
from geo.versions import FreshVersions, KeptConnectionReads
from layers import REGISTRY, LayerSpec

T = TypeVar("T")
_shared_lock = threading.Lock()


def app_shared(app: FastAPI, name: str, make: Callable[[], T]) -> T:
    """The app's one `name` (a cache, a reader), made by `make` on first use.

    Made lazily because the engine exists only once the app has started. Reading needs no
    lock; the lock keeps two worker threads arriving together from making two.
    """
    shared = getattr(app.state, name, None)
    if shared is not None:
        return shared
    with _shared_lock:
        shared = getattr(app.state, name, None)
        if shared is None:
            shared = make()
            setattr(app.state, name, shared)
    return shared


def fresh_versions(app: FastAPI) -> FreshVersions:
    """The app's one version reader, shared by every route (tiles and items), so that their
    requests arriving together also share the reads."""
    return app_shared(app, "fresh_versions",
                      lambda: FreshVersions(KeptConnectionReads(app.state.engine)))


def close_version_reads(app: FastAPI) -> None:
    """At shutdown: give back the connection the version reads kept."""
    reader = getattr(app.state, "fresh_versions", None)
    if reader is not None:
        reader.read_now.close()


async def in_database_thread(app: FastAPI, work: Callable[..., T], *args) -> T:
    """`work(*args)`, blocking on the database, run in one of the app's database threads.

    A plain executor, as many threads as the pool has connections (more would only wait for
    one): the hop costs 30 µs of CPU against anyio's 64 µs (run_in_threadpool, with its
    capacity limiter and cancellation scopes), on a tile that costs about 1 ms in all.
    """
    threads = app_shared(app, "database_threads", lambda: ThreadPoolExecutor(
        app.state.settings.db_pool_size, thread_name_prefix="urbanmap-db"))
    return await asyncio.get_running_loop().run_in_executor(threads, work, *args)


def close_database_threads(app: FastAPI) -> None:
    """At shutdown, after the requests: the database threads end."""
    threads = getattr(app.state, "database_threads", None)
    if threads is not None:
        app.state.database_threads = None  # a later start of the same app makes new ones
        threads.shutdown(wait=True)


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
