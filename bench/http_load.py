"""A bare asyncio HTTP/1.1 load generator for tiles_bench.py (standard library only).

One keep-alive connection per concurrent request, each cycling over the paths for a fixed
time. httpx took 1.5-5 ms of CPU a request on this machine, which capped every server near
the same rate; this client takes about 0.1 ms.

Given the server's number of worker processes, the connections are spread evenly over them
(`_spread`), as a load balancer in front would. uvicorn's workers share one listening socket
and whichever wakes first accepts: with 8 keep-alive connections, one worker sometimes got
all 8 and the other none, and a server then ran at ~60 % of its rate for the whole
measurement (tipg at z16: 345 against 490-575 req/s; urbanmap 1,215 against 1,500-1,650).
Which measurement caught that was chance, and it moved the ratios between runs more than
any change to either server did.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import math
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)  # successful requests, seconds
    errors: int = 0
    first_error: str = ""
    received: int = 0  # bytes on the wire (gzip where the server compressed)
    seconds: float = 0.0
    cpu: float = 0.0  # the client's own CPU seconds
    spread: tuple[int, ...] = ()  # connections per server worker, most first; () unknown

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return 1000 * ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    def fail(self, what: str) -> None:
        self.errors += 1
        self.first_error = self.first_error or what


class Schedule:
    """What one measurement asks for: a fixed number of passes, or cycling until a deadline."""

    def __init__(self, items: list, seconds: float | None = None, passes: int = 1) -> None:
        self.items = itertools.cycle(items) if seconds else iter(items * passes)
        self.deadline = time.perf_counter() + seconds if seconds else math.inf
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator:
        return self

    def __next__(self):
        if time.perf_counter() >= self.deadline:
            raise StopIteration
        with self._lock:
            return next(self.items)


class Connection:
    """One keep-alive HTTP/1.1 connection, as light a client as can be.

    httpx.AsyncClient spent 1.5 ms of CPU a request here (5 ms with one client shared by 32
    tasks), against 0.1 ms for this: on two cores the client must not take the servers' CPU.
    """

    def __init__(self, base: str) -> None:
        self.host, port = base.removeprefix("http://").split(":")
        self.port = int(port)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.close()
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port,
                                                                 limit=2**20)

    async def worker(self, patience: float = 2.0) -> str | None:
        """The server process that accepted this connection (its pid, from Linux `ss`); None
        when that cannot be told (no `ss`, or no worker accepted it within `patience`)."""
        here = self.writer.get_extra_info("sockname")[1]
        deadline = time.perf_counter() + patience
        while time.perf_counter() < deadline:
            try:
                listing = subprocess.run(
                    ["ss", "-tnpH", "state", "established",
                     f"( sport = :{self.port} and dport = :{here} )"],
                    capture_output=True, text=True, check=True).stdout
            except (OSError, subprocess.CalledProcessError):
                return None
            if "pid=" in listing:
                return listing.split("pid=", 1)[1].split(",", 1)[0]
            await asyncio.sleep(0.002)  # not accepted yet: still in the listen queue
        return None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    async def get(self, path: str) -> tuple[int, int]:
        """(status, body bytes as sent) of GET `path`, asking for gzip."""
        if self.writer is None:
            await self.open()
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n"
                          "Accept-Encoding: gzip\r\n\r\n".encode())
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = dict(line.lower().split(": ", 1) for line in head[1:] if ": " in line)
        size = await self._body(headers)
        if headers.get("connection") == "close":
            self.close()
        return int(head[0].split()[1]), size

    async def _body(self, headers: dict[str, str]) -> int:
        if "content-length" in headers:
            return len(await self.reader.readexactly(int(headers["content-length"])))
        if headers.get("transfer-encoding") != "chunked":
            return len(await self.reader.read())  # delimited by the connection's close
        size = 0
        while chunk := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
            size += len(await self.reader.readexactly(chunk + 2)) - 2
        while await self.reader.readuntil(b"\r\n") != b"\r\n":  # trailers
            pass
        return size


async def _fetch(conn: Connection, path: str, sample: Sample) -> None:
    started = time.perf_counter()
    try:
        status, size = await conn.get(path)
    except (OSError, ValueError, IndexError, asyncio.IncompleteReadError,
            asyncio.LimitOverrunError) as error:
        sample.fail(f"{type(error).__name__} on {path}")
        conn.close()
        return
    if status != 200:
        sample.fail(f"HTTP {status} on {path}")
        return
    sample.latencies.append(time.perf_counter() - started)
    sample.received += size


async def _drive(connections: list[Connection], schedule: Schedule) -> Sample:
    sample = Sample()
    cpu, started = time.process_time(), time.perf_counter()

    async def worker(conn: Connection) -> None:
        for path in schedule:
            await _fetch(conn, path, sample)

    await asyncio.gather(*(worker(conn) for conn in connections))
    sample.seconds = time.perf_counter() - started
    sample.cpu = time.process_time() - cpu
    return sample


async def _spread(connections: list[Connection], workers: int,
                  tries: int = 200) -> tuple[int, ...]:
    """Open the connections so that each of the server's `workers` processes holds an equal
    share (within one): a connection accepted by a worker that has its share is closed and
    opened again. Connections per worker, most first; () when the workers cannot be told
    apart, the connections then open as they come."""
    share = math.ceil(len(connections) / workers)
    held: collections.Counter[str] = collections.Counter()
    for conn in connections:
        for _ in range(tries):
            await conn.open()
            worker = await conn.worker()
            if worker is None:
                return ()
            if held[worker] < share:
                held[worker] += 1
                break
        else:  # as even as `tries` could make it; the spread reported says how even
            held[worker] += 1
    return tuple(sorted(held.values(), reverse=True))


async def _http_load(base: str, paths: list[str], concurrency: int, seconds: float,
                     warm_passes: int, workers: int) -> Sample:
    connections = [Connection(base) for _ in range(concurrency)]
    try:
        spread = await _spread(connections, workers) if workers > 1 else ()
        warm = paths * warm_passes or paths[: 2 * concurrency]
        await _drive(connections, Schedule(warm))  # excluded: connections, caches
        sample = await _drive(connections, Schedule(paths, seconds))
        sample.spread = spread
        return sample
    finally:
        for conn in connections:
            conn.close()


def http_load(base: str, paths: list[str], concurrency: int, seconds: float,
              warm_passes: int = 0, workers: int = 1) -> Sample:
    """`concurrency` connections cycling over `paths` for `seconds`, after a warm-up, spread
    evenly over the server's `workers` processes.

    `warm_passes` 0 warms up with 2 x concurrency requests; n >= 1 with n whole passes.
    """
    return asyncio.run(_http_load(base, paths, concurrency, seconds, warm_passes, workers))
