"""Where a urbanmap load spends its time: `load_bench.py --profile` runs this.

One load in-process, with wall time per pipeline phase, every SQL statement timed, the
server's plans of slow statements (auto_explain), and a cProfile of the Python side.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections import defaultdict
from pathlib import Path

from load_bench import ROOT, Database, Dataset, new_database  # the sibling script

PHASES = (  # (module, function): the load's steps, in the order a chunk meets them
    ("loaders.files", "_chunk"), ("loaders.pipeline", "typed_chunk"),
    ("loaders.pipeline", "arrow_rows"), ("loaders.pipeline", "layer_rows"),
    ("loaders.staging", "copy_data"),
    ("loaders.pipeline", "copy_rows"), ("loaders.pipeline", "_copy"),
    ("loaders.pipeline", "validate"), ("loaders.pipeline", "_publish"),
    ("loaders.pipeline", "_check_in_layer"),
    ("loaders.pipeline", "stage_and_publish"), ("loaders.files", "load_chunks"),
    ("loaders.files", "load_file"))


class PhaseClock:
    """Wall time spent in each of PHASES, by wrapping them in place for one load."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._saved: list[tuple[object, str, object]] = []

    def __enter__(self) -> PhaseClock:
        import importlib

        for module_name, name in PHASES:
            owner = importlib.import_module(module_name)
            self._saved.append((owner, name, getattr(owner, name)))
            setattr(owner, name, self._timed(name, getattr(owner, name)))
        return self

    def __exit__(self, *exc) -> None:
        for owner, name, original in self._saved:
            setattr(owner, name, original)

    def _timed(self, name: str, function):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
        return timed

    def report(self) -> list[tuple[str, float | None]]:
        t = defaultdict(float, self.seconds)
        in_layer = t["_check_in_layer"] - (t["validate"] if t["_check_in_layer"] else 0)
        publish = t["_publish"] + in_layer
        return [
            ("COPY (into the layer or staging)", t["copy_rows"]),
            ("waiting for the reading thread, creating staging", t["_copy"] - t["copy_rows"]),
            ("in the reading thread, beside the COPY:", None),
            ("  _chunk: WKB->shapely, reproject, to_pandas, mapping", t["_chunk"]),
            ("  typed_chunk: cast, NFC, unreadable count", t["typed_chunk"]),
            ("  arrow_rows, layer_rows: Arrow table", t["arrow_rows"] + t["layer_rows"]),
            ("  copy_data: binary COPY data (Arrow kernels)", t["copy_data"]),
            ("validate (SQL)", t["validate"]),
            ("publish (SQL), or the indexes of a load into the empty layer", publish),
            ("lock, staging table, version, load log", t["stage_and_publish"] - t["_copy"]
             - t["validate"] - publish),
            ("connect, commit", t["load_chunks"] - t["stage_and_publish"]),
            ("open file, inspect, match columns", t["load_file"] - t["load_chunks"]),
        ]


def profile_load(db: Database, dataset: Dataset, fresh: bool = True) -> None:
    """One load in-process, twice for a fresh one: timed by phase with each SQL statement's
    time and the server's plans (auto_explain: EXPLAIN ANALYZE of every statement over a
    second); then, fresh only, under cProfile (which slows the Python parts)."""
    kind = "fresh load" if fresh else "idempotent re-load"
    statements: list[tuple[float, str]] = []
    log_offset = db.cluster.log_file.stat().st_size
    with PhaseClock() as clock:
        total = _load_in_process(db, dataset, fresh, statements)
    print(f"\nProfile of one {kind} of {dataset.label} ({dataset.features:,} features), "
          f"in-process: {total:.1f} s wall")
    for phase, seconds in clock.report():
        print(f"  {seconds:7.2f} s {seconds / total:4.0%}  {phase}" if seconds is not None
              else f"  {'':15}{phase}")
    _print_statements(statements, total)
    _print_plans(db.cluster.log_file, log_offset)
    if fresh:
        profiler = cProfile.Profile()
        _load_in_process(db, dataset, fresh, [], profiler)
        _print_profile(profiler)


def _load_in_process(db: Database, dataset: Dataset, fresh: bool,
                     statements: list[tuple[float, str]],
                     profiler: cProfile.Profile | None = None) -> float:
    from sqlalchemy import event

    from geo.db import make_engine, normalise_url
    from loaders import files

    if fresh:
        new_database(db)
    db.sql("CHECKPOINT")
    engine = make_engine(normalise_url(db.libpq_url))
    event.listen(engine, "connect", _explain_slow_statements)
    event.listen(engine, "before_cursor_execute", _start_clock)
    event.listen(engine, "after_cursor_execute", _stop_clock(statements))
    started = time.perf_counter()
    if profiler:
        profiler.runcall(files.load_file, engine, dataset.layer, dataset.path)
    else:
        files.load_file(engine, dataset.layer, dataset.path)
    total = time.perf_counter() - started
    engine.dispose()
    return total


def _explain_slow_statements(dbapi_connection, connection_record) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("LOAD 'auto_explain'; SET auto_explain.log_min_duration = '1s'; "
                       "SET auto_explain.log_analyze = on; SET auto_explain.log_buffers = on")
    dbapi_connection.commit()


def _print_plans(log_file: Path, offset: int) -> None:
    with open(log_file, errors="replace") as log:
        log.seek(offset)
        entries = log.read().split("LOG:  duration: ")[1:]
    print(f"  server plans of the {len(entries)} statements over 1 s (auto_explain):")
    for entry in entries:
        lines = [line.strip() for line in entry.splitlines()]
        plan = [line for line in lines[1:] if line and not line.startswith(
            ("Query Text", "FROM", "WHERE", "SELECT", "INSERT", "UPDATE", "DELETE", "AND", "OR"))]
        print(f"    {lines[0]}  {lines[1][:110]}")
        print("\n".join(f"      {line[:140]}" for line in plan[:14]))


def _start_clock(conn, cursor, statement, parameters, context, executemany):
    conn.info.setdefault("clock", []).append(time.perf_counter())


def _stop_clock(statements: list[tuple[float, str]]):
    def stop(conn, cursor, statement, parameters, context, executemany):
        started = conn.info["clock"].pop()
        statements.append((time.perf_counter() - started, " ".join(statement.split())))
    return stop


def _print_statements(statements: list[tuple[float, str]], total: float) -> None:
    """SQL statements by time (COPY is not among them: psycopg2's copy_expert bypasses events)."""
    spent = sum(seconds for seconds, _ in statements)
    print(f"  SQL statements through SQLAlchemy: {len(statements)}, {spent:.1f} s "
          f"({spent / total:.0%} of the load); the slowest:")
    for seconds, statement in sorted(statements, reverse=True)[:12]:
        print(f"    {seconds:7.2f} s  {statement[:150]}")


def _print_profile(profiler: cProfile.Profile) -> None:
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    stats.sort_stats("tottime").print_stats(25)
    lines = [line for line in buffer.getvalue().splitlines() if line.strip()]
    print("  the same load under cProfile, by own time (top 25):")
    print("\n".join("    " + line.replace(str(ROOT) + "/", "") for line in lines[2:30]))
