"""The database connection: which server, the engine, and the checks that it is usable."""

from __future__ import annotations

import time

import psycopg2
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, ProgrammingError

from geo.errors import DatabaseUnavailable, PostgisMissing
from geo.localdb import INSTALL_HINT, LocalPostgis
from geo.settings import Settings


def local_cluster(settings: Settings) -> LocalPostgis:
    return LocalPostgis(settings.home, settings.pg_bin)


def normalise_url(url: str) -> str:
    """Accept the libpq spellings (postgres://, postgresql://) and use psycopg2.

    >>> normalise_url("postgres://u:p@db.example/gis")
    'postgresql+psycopg2://u:p@db.example/gis'
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


def database_url(settings: Settings, start: bool = True) -> str:
    """DATABASE_URL when set (nothing is started); otherwise the embedded cluster's URL."""
    if settings.database_url:
        return normalise_url(settings.database_url)
    cluster = local_cluster(settings)
    if start:
        cluster.start()
    return cluster.url


def redacted(url: str) -> str:
    """A URL safe to print: the password hidden.

    >>> redacted("postgresql+psycopg2://gis:s3cret@db.example:5432/d7")
    'postgresql+psycopg2://gis:***@db.example:5432/d7'
    """
    return make_url(url).render_as_string(hide_password=True)


# What a request meets when the database stops answering (restarted, unreachable, dropped),
# from SQLAlchemy and from the driver's own paths (tiles, version reads): a 503, not a 500.
DATABASE_DOWN = (OperationalError, InterfaceError, psycopg2.OperationalError,
                 psycopg2.InterfaceError)

# A pooled connection idle for longer than this is pinged before use (see _ping_when_idle).
IDLE_BEFORE_PING_S = 10.0


def make_engine(url: str, pool_size: int = 5) -> Engine:
    engine = create_engine(url, pool_size=pool_size, max_overflow=10, future=True)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it sat idle for a while.

    SQLAlchemy's pool_pre_ping pings on every checkout: one more round trip for each
    request, as much as the version read a cached tile waits for. A connection returned
    moments ago is as alive as it was then; it is one left idle that a server restart, an
    idle timeout or a firewall may have closed. A dead one is replaced, as with
    pool_pre_ping (DisconnectionError makes the pool retry with a new connection).
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def note_idle(dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_BEFORE_PING_S:
            return  # new, or used a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise DisconnectionError(str(error)) from error
            raise


def connect_engine(settings: Settings, start: bool = True, pool_size: int = 5) -> Engine:
    """An engine to a database that answers and has PostGIS 3, or a SetupError saying why not."""
    engine = make_engine(database_url(settings, start=start), pool_size)
    check_postgis(engine)
    return engine


def check_postgis(engine: Engine) -> str:
    """PostGIS's version on the server, installing the extension if the user may."""
    where = redacted(str(engine.url.render_as_string(hide_password=False)))
    try:
        with engine.begin() as conn:
            version = conn.execute(text(
                "SELECT extversion FROM pg_extension WHERE extname = 'postgis'")).scalar()
            if version is None:
                version = _install_postgis(conn, where)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "no answer"
        raise DatabaseUnavailable(
            f"Cannot connect to the database at {where}: {reason}. Check that the server is "
            "running and that DATABASE_URL is right, or unset DATABASE_URL to let urbanmap "
            "run its own PostGIS."
        ) from None
    if not str(version).startswith("3."):
        raise PostgisMissing(f"The database at {where} has PostGIS {version}; urbanmap needs 3.x.")
    return str(version)


def _install_postgis(conn, where: str) -> str:
    available = conn.execute(text(
        "SELECT default_version FROM pg_available_extensions WHERE name = 'postgis'")).scalar()
    if available is None:
        raise PostgisMissing(
            f"The PostgreSQL server at {where} does not have PostGIS installed. Install PostGIS 3 "
            "on that server. " + INSTALL_HINT
        )
    try:
        with conn.begin_nested():
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    except ProgrammingError:
        raise PostgisMissing(
            f"PostGIS is available on the server at {where} but not enabled in this database, "
            "and this user may not enable it. Ask the database owner or an administrator to "
            "run `CREATE EXTENSION postgis;` in it."
        ) from None
    return str(available)
