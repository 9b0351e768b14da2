"""A short way in for the one request a map makes by the hundred: an XYZ tile.

A cached tile is a dictionary lookup, yet through FastAPI it also paid for matching some 40
routes, solving four dependencies and two exception-handling layers: about 0.3 ms of a
worker's time, several times the tile's own work (measured in bench/RESULTS.md). This
middleware answers a well-formed `GET /tiles/{layers}/{z}/{x}/{y}.{pbf|mvt}` itself, with
the same functions the route uses (`parse_tile_layers`, `TileAddress`, `tile_answer`), and
hands everything else to FastAPI untouched: other paths, unknown query parameters, and any
request those functions refuse. The refusal is then raised again by the route and answered
in the usual error shape, so no check and no error message lives here.

It sits inside CORS and HEAD handling (server.create_app), which therefore apply as before.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from geo.db import DATABASE_DOWN
from geo.errors import UrbanmapError
from geo.routes.tiles import (
    TILE_FORMATS,
    TILE_PARAMETERS,
    accepts_gzip,
    parse_tile_layers,
    tile_answer,
)
from geo.tiles import TileAddress

PREFIX = "/tiles/"
_MOST_DIGITS = 9  # z ≤ 24, so x and y < 2**24: longer numbers are errors for the route


class TileFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["method"] == "GET"
                and scope["path"].startswith(PREFIX) and not scope.get("root_path")):
            response = await self._answer(scope)
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope):
        """The tile's response, or None to let FastAPI answer."""
        address = _tile_path(scope["path"])
        if address is None:
            return None
        layers, z, x, y = address
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        if not query.keys() <= TILE_PARAMETERS:
            return None
        if_none_match, accept_encoding = _headers(scope["headers"])
        if "gzip" in accept_encoding and not accepts_gzip(accept_encoding):
            # "gzip;q=0": the route's plain tile would then be gzipped by GZipMiddleware,
            # which looks for the word only. Rare; keep that behaviour by not answering.
            return None
        try:
            specs = parse_tile_layers(layers)
            return await tile_answer(scope["app"], specs, TileAddress(z, x, y), query,
                                     if_none_match, accept_encoding)
        except (UrbanmapError, *DATABASE_DOWN):
            # FastAPI's route refuses it again, or tries the database once more, and answers
            # in the usual error shape
            return None


def _tile_path(path: str) -> tuple[str, int, int, int] | None:
    """(layers, z, x, y) of /tiles/{layers}/{z}/{x}/{y}.{fmt} with plain decimal numbers.

    >>> _tile_path("/tiles/roads,parks/14/13048/7700.pbf")
    ('roads,parks', 14, 13048, 7700)
    >>> _tile_path("/tiles/roads/14/13048/7700.png"), _tile_path("/tiles/roads/+1/0/0.pbf")
    (None, None)
    """
    parts = path[len(PREFIX):].split("/")
    if len(parts) != 4:
        return None
    layers, z, x, last = parts
    y, _, fmt = last.partition(".")
    if fmt not in TILE_FORMATS or not layers:
        return None
    numbers = (z, x, y)
    if not all(n.isascii() and n.isdecimal() and len(n) <= _MOST_DIGITS for n in numbers):
        return None  # "-1", "0.5", "a", "٣": the route parses or refuses them
    return layers, int(z), int(x), int(y)


def _headers(raw: list[tuple[bytes, bytes]]) -> tuple[str | None, str]:
    """(If-None-Match, Accept-Encoding), the first of each as Starlette's Headers.get."""
    if_none_match: str | None = None
    accept_encoding: str | None = None
    for name, value in raw:
        if name == b"if-none-match" and if_none_match is None:
            if_none_match = value.decode("latin-1")
        elif name == b"accept-encoding" and accept_encoding is None:
            accept_encoding = value.decode("latin-1")
    return if_none_match, accept_encoding or ""
