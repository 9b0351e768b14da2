"""The embedded PostGIS and DATABASE_URL, driven through the `urbanmap` command as a user would."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg2
import pytest

from geo.localdb import LocalPostgis
from geo.migrate import head_revision

URBANMAP = str(Path(sys.executable).parent / "urbanmap")


def urbanmap(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | env
    return subprocess.run([URBANMAP, *args], env=environment, capture_output=True, text=True,
                          timeout=180)


def libpq_url(cluster: LocalPostgis, database: str, user: str = "urbanmap") -> str:
    return f"postgresql://{user}@/{database}?host={cluster.socket_dir}"


@pytest.fixture
def home() -> Path:
    return Path(tempfile.mkdtemp(prefix="urbanmap-home-"))


def test_db_start_stop_and_start_again_keeps_the_data(home: Path) -> None:
    cluster = LocalPostgis(home)
    assert urbanmap("db", "start", URBANMAP_HOME=str(home)).returncode == 0
    try:
        with psycopg2.connect(cluster.libpq_dsn()) as conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE kept (name text); INSERT INTO kept VALUES ('Tân Phong')")
        status = urbanmap("db", "status", URBANMAP_HOME=str(home))
        assert status.returncode == 0 and "running" in status.stdout
        assert urbanmap("db", "stop", URBANMAP_HOME=str(home)).returncode == 0
        stopped = urbanmap("db", "status", URBANMAP_HOME=str(home))
        assert stopped.returncode == 3 and "stopped" in stopped.stdout
        assert urbanmap("db", "start", URBANMAP_HOME=str(home)).returncode == 0
        with psycopg2.connect(cluster.libpq_dsn()) as conn, conn.cursor() as cur:
            cur.execute("SELECT name FROM kept")
            assert cur.fetchall() == [("Tân Phong",)]
    finally:
        urbanmap("db", "stop", URBANMAP_HOME=str(home))


def test_embedded_cluster_is_private_to_its_socket(cluster: LocalPostgis) -> None:
    with psycopg2.connect(cluster.libpq_dsn()) as conn, conn.cursor() as cur:
        cur.execute("SELECT current_setting('listen_addresses'), current_setting('jit')")
        assert cur.fetchone() == ("", "off")
        cur.execute("SELECT extname FROM pg_extension")
        assert {"postgis", "pg_trgm", "unaccent", "pgrouting"} <= {r[0] for r in cur.fetchall()}
    assert stat.S_IMODE(cluster.socket_dir.stat().st_mode) == 0o700


def test_missing_postgresql_gives_a_message_not_a_traceback(home: Path) -> None:
    result = urbanmap("db", "start", URBANMAP_HOME=str(home), URBANMAP_PG_BIN=str(home / "none"))
    assert result.returncode == 1
    assert "apt-get install postgresql-15-postgis-3" in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_database_url_is_used_and_nothing_is_started(cluster: LocalPostgis, home: Path) -> None:
    cluster.create_database("external")
    unused_home = home / "never-created"
    env = {"DATABASE_URL": libpq_url(cluster, "external"), "URBANMAP_HOME": str(unused_home)}
    assert urbanmap("db", "migrate", **env).returncode == 0
    status = urbanmap("db", "status", **env)
    assert "external PostGIS" in status.stdout and head_revision() in status.stdout
    url = urbanmap("db", "url", **env).stdout.strip()
    assert url.startswith("postgresql://urbanmap@/external")
    assert not unused_home.exists()
    with psycopg2.connect(cluster.libpq_dsn("external")) as conn, conn.cursor() as cur:
        cur.execute("SELECT to_regclass('hydrants') IS NOT NULL")
        assert cur.fetchone() == (True,)


def test_unreachable_database_url_says_so_and_hides_the_password(home: Path) -> None:
    result = urbanmap("db", "status", DATABASE_URL="postgresql://gis:s3cret@127.0.0.1:1/d7",
                      URBANMAP_HOME=str(home))
    assert result.returncode == 1
    assert "Cannot connect to the database" in result.stderr
    assert "s3cret" not in result.stderr and "Traceback" not in result.stderr


def test_database_without_postgis_rights_says_whom_to_ask(cluster: LocalPostgis,
                                                          home: Path) -> None:
    with cluster.cursor("postgres") as cur:
        cur.execute("DROP DATABASE IF EXISTS plain WITH (FORCE)")
        cur.execute("DROP ROLE IF EXISTS mapper")
        cur.execute("CREATE ROLE mapper LOGIN")
        cur.execute("CREATE DATABASE plain OWNER mapper")
    result = urbanmap("db", "migrate", DATABASE_URL=libpq_url(cluster, "plain", "mapper"),
                      URBANMAP_HOME=str(home))
    assert result.returncode == 1
    assert "CREATE EXTENSION postgis" in result.stderr
    assert "Traceback" not in result.stderr
