"""Rendered tiles kept in memory, gzip-compressed, under the data versions they were cut from.

Every load bumps its layer's `data_version` in the load's own transaction. A tile is kept
under the versions its own statement read (one statement, one snapshot: the key says
exactly which data the tile shows). A request looks the tile up under versions read after
it arrived (geo.versions: one query on a table of a few rows, shared by the requests that
arrive together), so the first request after a load misses and renders the new data: a
tile is never stale, and nothing has to be invalidated. Entries of older versions are
simply never asked for again and fall out of the LRU.

PostgreSQL LISTEN/NOTIFY could spare the version query, but the loaders do not notify and
a trigger would be a schema change; the query costs far less than a cache miss.
"""

from __future__ import annotations

import datetime
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from isal import igzip
from sqlalchemy import Connection, Engine

from geo.catalog import data_versions
from geo.tiles import TileAddress, render_tile_on_driver
from layers.spec import LayerSpec

DEFAULT_MAX_BYTES = 256 * 2**20


def version_key(layer_ids: Sequence[str], versions: Sequence[int]) -> str:
    """A short name for the state of these layers' data: the `v` of immutable tile URLs.

    >>> version_key(["hydrants"], [3]) == version_key(["hydrants"], [3])
    True
    >>> version_key(["hydrants"], [3]) == version_key(["hydrants"], [4])
    False
    """
    return _version_key(tuple(layer_ids), tuple(versions))


@lru_cache(maxsize=1024)
def _version_key(layer_ids: tuple[str, ...], versions: tuple[int, ...]) -> str:
    # Asked for two or three times by every tile request (ETag, Cache-Control), for the few
    # states the data is in: hash each state once.
    state = ",".join(f"{layer}:{version}" for layer, version in zip(layer_ids, versions,
                                                                    strict=True))
    return hashlib.sha256(state.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class TileKey:
    layers: tuple[str, ...]
    versions: tuple[int, ...]
    address: TileAddress
    day: datetime.date | None = None  # the `datetime` of layers that change by day

    @classmethod
    def of(cls, specs: Sequence[LayerSpec], versions: Mapping[str, int], address: TileAddress,
           day: datetime.date | None = None) -> TileKey:
        """The key of the tile of `specs` at `address` under `versions` (0: never loaded)."""
        return cls(tuple(s.id for s in specs), tuple(versions.get(s.id, 0) for s in specs),
                   address, day)

    @property
    def version_key(self) -> str:
        return version_key(self.layers, self.versions)

    @property
    def etag(self) -> str:
        # Weak: the gzip and the identity bodies are one tile in two encodings.
        a = self.address
        day = f"-{self.day.isoformat()}" if self.day else ""
        return f'W/"{self.version_key}-{a.z}-{a.x}-{a.y}{day}"'


def current_versions(conn: Connection, specs: Sequence[LayerSpec]) -> tuple[int, ...]:
    """Each layer's data version now; 0 for a layer never loaded."""
    versions = data_versions(conn)
    return tuple(versions.get(spec.id, 0) for spec in specs)


def compress(tile: bytes) -> bytes:
    """gzip with a fixed timestamp, so one tile always compresses to the same bytes.

    ISA-L's level 1, not zlib's 6: on the sample's tiles it takes a tenth of the time
    (a 7 MB z12 tile: 11 ms against 153 ms; a 100 kB z16 tile: 0.16 ms against 1.8 ms,
    more than the rest of serving it) for a body about 20 % larger (bench/RESULTS.md).

    >>> import gzip  # any gzip reader: the format is the standard one
    >>> gzip.decompress(compress(b"tile" * 1000)) == b"tile" * 1000
    True
    >>> compress(b"tile") == compress(b"tile")
    True
    """
    return igzip.compress(tile, compresslevel=1, mtime=0) if tile else b""


def decompress(stored: bytes) -> bytes:
    return igzip.decompress(stored) if stored else b""


class TileCache:
    """A thread-safe LRU of gzip-compressed tiles, bounded by their total size in bytes."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[TileKey, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: TileKey) -> bytes | None:
        with self._lock:
            stored = self._entries.get(key)
            if stored is not None:
                self._entries.move_to_end(key)
            return stored

    def put(self, key: TileKey, stored: bytes) -> None:
        if len(stored) > self.max_bytes:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            self.size -= len(previous) if previous is not None else 0
            self._entries[key] = stored
            self.size += len(stored)
            while self.size > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self.size -= len(evicted)

    def render(self, engine: Engine, specs: Sequence[LayerSpec], address: TileAddress,
               day: datetime.date | None = None) -> tuple[TileKey, bytes]:
        """Render the tile now and keep it under the data versions it was cut from, which
        come from its own statement: (its key, the gzip-compressed tile).

        Two requests missing together both render; the tile is the same, and rendering
        outside the lock keeps one slow tile from holding up every other request.
        """
        rendered = render_tile_on_driver(engine, specs, address.z, address.x, address.y, day)
        key = TileKey.of(specs, rendered.versions, address, day)
        stored = compress(rendered.tile)
        self.put(key, stored)
        return key, stored
