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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import psycopg2
import psycopg2.extensions
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
    >>> async def read():
    ...     calls.append(1)
    ...     await asyncio.sleep(0)
    ...     return {"hydrants": len(calls)}
    >>> versions = FreshVersions(read)
    >>> async def together():
    ...     return await asyncio.gather(*(versions.current() for _ in range(10)))
    >>> answers = asyncio.run(together())
    >>> len(calls) <= 2 and all(answer["hydrants"] >= 1 for answer in answers)
    True
    """

    def __init__(self, read: Callable[[], Awaitable[dict[str, int]]]) -> None:
        self.read_now = read
        self._tickets = itertools.count()
        self._latest: _Read | None = None
        # The answer of the last read that succeeded: maybe old already, so only for a guess
        # that is checked (a tile missing from memory even under these must be rendered).
        self.last_read: dict[str, int] | None = None

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
        result = asyncio.ensure_future(self.read_now())
        result.add_done_callback(self._remember)
        self._latest = _Read(next(self._tickets), result)
        return result

    def _remember(self, read: asyncio.Future) -> None:
        if not read.cancelled() and read.exception() is None:
            self.last_read = read.result()


class KeptConnectionReads:
    """The version query on one connection kept for it, in psycopg2's asynchronous mode: the
    event loop waits for the answer on the connection's socket, no thread is involved.

    Reads come one at a time (FreshVersions starts the next when the last is done), and
    every tile waits for one. Run in a worker thread, as before, a read cost two thread hops
    and the wake-ups between them: about a sixth of a cached tile's CPU in its worker, and
    latency at a moment when the worker had nothing else to do (bench/RESULTS.md). A
    connection that fails is dropped, and the read is tried once more on a new one.
    """

    def __init__(self, engine: Engine) -> None:
        self._connect_args = engine.dialect.create_connect_args(engine.url)
        self._query = str(VERSIONS_QUERY.compile(dialect=engine.dialect))
        self._connection = None

    async def __call__(self) -> dict[str, int]:
        try:
            return await self._read()
        except psycopg2.Error:
            # Closed under us (a database restart, an idle timeout): once more, anew.
            return await self._read()

    async def _read(self) -> dict[str, int]:
        if self._connection is None:
            args, kwargs = self._connect_args
            connection = psycopg2.connect(*args, **kwargs, async_=True)
            try:
                await _answered(connection)
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        try:
            cursor = self._connection.cursor()
            cursor.execute(self._query)
            await _answered(self._connection)
            return dict(cursor.fetchall())
        except BaseException:  # also a cancelled wait: the connection's state is unknown
            self.close()
            raise

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


async def _answered(connection) -> None:
    """Wait on the event loop until an asynchronous psycopg2 connection has finished what it
    was doing (connecting, or a query): poll it, and sleep until its socket is ready for what
    the poll asked for. Errors from the server are raised by poll()."""
    loop = asyncio.get_running_loop()
    while True:
        state = connection.poll()
        if state == psycopg2.extensions.POLL_OK:
            return
        if state == psycopg2.extensions.POLL_READ:
            watch, unwatch = loop.add_reader, loop.remove_reader
        elif state == psycopg2.extensions.POLL_WRITE:
            watch, unwatch = loop.add_writer, loop.remove_writer
        else:
            raise psycopg2.OperationalError(f"unexpected connection poll state {state}")
        ready = loop.create_future()
        socket = connection.fileno()
        watch(socket, _wake, ready)
        try:
            await ready
        finally:
            unwatch(socket)


def _wake(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(None)
