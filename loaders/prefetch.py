"""Compute the next items of an iterable in a thread while the caller uses the current one.

A load alternates two kinds of work: the client reads, reprojects and encodes a chunk, and
PostgreSQL parses and stores the previous one. Done in turn, each waits for the other; with
the reading in a thread they overlap, which on two cores nearly halves the staging time.
GDAL, shapely, pyproj and Arrow release the GIL for their heavy work, and psycopg2 releases
it while COPY data is on its way, so the two threads really run at once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from queue import Empty, Full, Queue
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


def prefetched(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """`items`, in order, with up to `depth` of them computed ahead in a thread.

    An exception raised while computing an item is raised here, where that item was due;
    if the caller stops early, the thread stops after the item it is computing.

    >>> list(prefetched(x * x for x in range(5)))
    [0, 1, 4, 9, 16]
    """
    producer = _Producer(items, depth)
    try:
        while True:
            item, error = producer.queue.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        producer.stop()


class _Producer:
    """The thread that iterates `items` into a bounded queue."""

    def __init__(self, items: Iterable, depth: int) -> None:
        self.items = items
        self.queue: Queue = Queue(maxsize=depth)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="urbanmap-prefetch", daemon=True)
        self.thread.start()

    def _offer(self, entry: tuple) -> bool:
        while not self.stopping.is_set():
            try:
                self.queue.put(entry, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for item in self.items:
                if not self._offer((item, None)):
                    return
            self._offer((_DONE, None))
        except BaseException as exc:  # handed to the consumer, raised there
            self._offer((_DONE, exc))
        finally:
            close = getattr(self.items, "close", None)
            if close is not None:
                close()

    def stop(self) -> None:
        self.stopping.set()
        while self.thread.is_alive():  # take what it holds so a blocked put returns
            try:
                self.queue.get(timeout=0.1)
            except Empty:
                pass
        self.thread.join()
