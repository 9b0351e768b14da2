"""The record of loads: who loaded which file into which layer, when, and what it changed.

Written by every load in its own transaction (so a load that fails leaves no record of a
change it did not make), read by `urbanmap loads`.
"""

from __future__ import annotations

import getpass

from sqlalchemy import Connection, func, insert, select

from geo.schema import loads
from layers import get_layer
from loaders.report import LoadReport


def record_load(conn: Connection, report: LoadReport) -> None:
    conn.execute(insert(loads).values(
        layer_id=report.layer_id, source_file=report.source_file, mode=report.mode,
        loaded_by=getpass.getuser(), started_at=report.started_at,
        # now() would be when the transaction began: the load's end is the clock's time
        finished_at=func.clock_timestamp(), inserted=report.inserted,
        updated=report.updated, deleted=report.deleted, rejected=report.rejected_total,
        report=report.to_dict(),
    ))


def recent_loads(conn: Connection, layer_id: str | None = None, last: int = 20) -> list[dict]:
    """The `last` loads, newest first, of one layer (its id checked) or of all."""
    query = select(loads).order_by(loads.c.id.desc()).limit(last)
    if layer_id is not None:
        query = query.where(loads.c.layer_id == get_layer(layer_id).id)
    return [dict(row) for row in conn.execute(query).mappings()]
