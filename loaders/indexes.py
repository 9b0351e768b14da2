"""A layer's indexes while a load fills it, without making its readers wait.

Building an index over a million rows at once is about three times faster than updating it
a row at a time (bench/RESULTS.md), so a load into an empty layer drops the layer's indexes
and builds them once the rows are in. Where they are dropped decides who waits: DROP INDEX
takes PostgreSQL's ACCESS EXCLUSIVE lock, which stops every reader of the table (a tile, the
layer list's feature counts) until the transaction ends. So they are dropped in a short
transaction of their own, committed before the load writes a row: the layer is empty then,
and its readers lose nothing by reading it without indexes. The load builds them again with
CREATE INDEX, whose SHARE lock readers pass, and commits them with the rows. The primary
key is built as a unique index like the others, and made the key again by the last statement
before the commit (`key_back`): that ALTER TABLE does take the exclusive lock, but holds it
for no more than the commit.

A load that fails, or a dry run, has its layer's indexes created again once it has rolled
back; if its process is killed, the next load into the layer builds them.
"""

from __future__ import annotations

from psycopg2.errors import LockNotAvailable
from sqlalchemy import Connection, Engine, Table, exists, select, text
from sqlalchemy.exc import OperationalError

from geo.schema import metadata

# Readers of an empty table finish in milliseconds; a transaction that holds the table
# longer (a client left idle in one) is waited for no longer than this: the load then keeps
# the indexes and updates them row by row.
WAIT_FOR_READERS = "1s"


def unindexed_while_empty(conn: Connection, table: Table) -> bool:
    """Drop `table`'s indexes and key if it is empty, in a transaction of its own; say
    whether they are off (then the load must `build` them, and `key_back`, to commit).

    Called before `conn`'s transaction touches the table. Should it have touched it (several
    layers loaded in one transaction), the table is left as it is: dropping them in a second
    transaction would wait for this one forever, and in this one would lock readers out.
    """
    if conn.execute(_LOCKED_BY_THIS_TRANSACTION, {"table": table.name}).scalar_one():
        return False
    try:
        with conn.engine.begin() as own:
            own.exec_driver_sql(f"SET LOCAL lock_timeout = '{WAIT_FOR_READERS}'")
            if own.execute(select(exists().select_from(table))).scalar_one():
                return False
            own.exec_driver_sql(f'ALTER TABLE "{table.name}" '
                                f'DROP CONSTRAINT IF EXISTS "{_key_name(table)}"')
            for index in table.indexes:
                own.exec_driver_sql(f'DROP INDEX IF EXISTS "{index.name}"')
    except OperationalError as exc:  # rolled back
        if not isinstance(exc.orig, LockNotAvailable):
            raise
        return False  # a reader held on: keep the indexes
    unindexed(conn).add(table.name)
    return True


def build(conn: Connection, table: Table, unique: bool | None = None) -> None:
    """Build the table's declared indexes: all, or only the unique or the other ones. The
    key's index goes with the others: fids come from the table's identity, never twice."""
    if not unique:
        conn.exec_driver_sql(f'CREATE UNIQUE INDEX "{_key_name(table)}" ON "{table.name}" (fid)')
    for index in table.indexes:
        if unique is None or index.unique == unique:
            index.create(conn)


def unindexed(conn: Connection) -> set[str]:
    """The tables whose indexes were dropped for the load on this connection."""
    return conn.info.setdefault("urbanmap_unindexed", set())


def key_back(conn: Connection) -> None:
    """Make the key's index the primary key again, in the tables whose indexes the load
    built: the last statement before the commit, for the lock it takes."""
    for name in sorted(unindexed(conn)):
        table = metadata.tables[name]
        key = _key_name(table)
        # Not built, when the table's load was rolled back to a savepoint: `restore` then.
        if conn.execute(_EXISTS, {"name": key}).scalar_one():
            conn.exec_driver_sql(f'ALTER TABLE "{name}" ADD CONSTRAINT "{key}" '
                                 f'PRIMARY KEY USING INDEX "{key}"')


def restore(engine: Engine, tables: set[str]) -> None:
    """Create the key and any declared index that `tables` lack (after a load rolled back),
    as a migration left them: on an empty table, that is instant."""
    with engine.begin() as conn:
        for name in sorted(tables):
            table = metadata.tables[name]
            if not conn.execute(_EXISTS, {"name": _key_name(table)}).scalar_one():
                conn.exec_driver_sql(f'ALTER TABLE "{name}" ADD CONSTRAINT '
                                     f'"{_key_name(table)}" PRIMARY KEY (fid)')
            for index in table.indexes:
                index.create(conn, checkfirst=True)


def _key_name(table: Table) -> str:
    return f"{table.name}_pkey"  # PostgreSQL's name for it, which the migrations kept


_LOCKED_BY_THIS_TRANSACTION = text(
    "SELECT EXISTS (SELECT FROM pg_locks WHERE pid = pg_backend_pid() "
    "AND relation = to_regclass(:table))")
_EXISTS = text("SELECT to_regclass(:name) IS NOT NULL")
