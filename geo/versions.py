"""The layers' data versions as a request needs them: read after the request arrived, so a
load committed before it is always seen, and read once for every request waiting together.

A cached tile costs a dictionary lookup; reading the versions for it costs a database round
trip. Under load many requests arrive while one read is on its way; they cannot use that
read (it may have started before a load they must see), but they can all share the next
one. So each request waits for at most two reads, and the database sees one read per
round trip however many requests come in.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass

from geo.catalog import data_versions
from geo.db import one_statement_reads

_app_lock = threading.Lock()


@dataclass
class _Read:
    ticket: int  # reads with a ticket above a caller's started after the caller arrived
    result: asyncio.Future


class FreshVersions:
    """`await current()`: {layer id: data version}, never older than the call.

    >>> import asyncio
    >>> calls = []
    >>> versions = FreshVersions(lambda: calls.append(1) or {"hydrants": len(calls)})
    >>> async def together():
    ...     return await asyncio.gather(*(versions.current() for _ in range(10)))
    >>> answers = asyncio.run(together())
    >>> len(calls) <= 2 and all(answer["hydrants"] >= 1 for answer in answers)
    True
    """

    def __init__(self, read: Callable[[], dict[str, int]]) -> None:
        self._read_now = read  # blocking (a database query): run in a worker thread
        self._tickets = itertools.count()
        self._latest: _Read | None = None

    async def current(self) -> dict[str, int]:
        ticket = next(self._tickets)
        while True:
            latest = self._latest
            if latest is not None and latest.ticket > ticket:
                return await asyncio.shield(latest.result)
            if latest is None or latest.result.done():
                return await asyncio.shield(self._start())
            await asyncio.wait([latest.result])  # began before this call: wait, then next

    def _start(self) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        result = loop.run_in_executor(None, self._read_now)
        self._latest = _Read(next(self._tickets), result)
        return result


def fresh_versions(app) -> FreshVersions:
    """The app's one version reader, made on first use and shared by every route (tiles and
    items), so that their requests arriving together also share the reads."""
    reader = getattr(app.state, "fresh_versions", None)
    if reader is not None:
        return reader
    with _app_lock:
        reader = getattr(app.state, "fresh_versions", None)
        if reader is None:
            engine = app.state.engine

            def read() -> dict[str, int]:
                with one_statement_reads(engine).connect() as conn:
                    return data_versions(conn)

            reader = app.state.fresh_versions = FreshVersions(read)
    return reader
