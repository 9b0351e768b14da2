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

from sqlalchemy import Engine

from geo.catalog import VERSIONS_QUERY


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
        self.read_now = read  # blocking (a database query): run in a worker thread
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
        result = loop.run_in_executor(None, self.read_now)
        self._latest = _Read(next(self._tickets), result)
        return result


class KeptConnectionReads:
    """The version query on one connection kept for it, run on the driver directly.

    Reads come one at a time (FreshVersions starts the next when the last is done), and a
    cached tile waits for one: through the pool and SQLAlchemy's execution a read cost a
    cached tile about as much as the rest of serving it. A connection that fails is
    dropped, and the read is tried once more on a new one.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._query = str(VERSIONS_QUERY.compile(dialect=engine.dialect))
        self._connection = None
        self._lock = threading.Lock()

    def __call__(self) -> dict[str, int]:
        with self._lock:
            try:
                return self._read()
            except self._engine.dialect.loaded_dbapi.Error:
                # Closed under us (a database restart, an idle timeout): once more, anew.
                return self._read()

    def _read(self) -> dict[str, int]:
        if self._connection is None:
            self._connection = self._engine.raw_connection()
            self._connection.driver_connection.autocommit = True
        try:
            with self._connection.cursor() as cursor:
                cursor.execute(self._query)
                return dict(cursor.fetchall())
        except BaseException:
            self._connection.invalidate()
            self._connection = None
            raise

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
