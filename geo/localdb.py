"""The embedded PostGIS: a private PostgreSQL cluster that urbanmap starts for itself.

It listens on a Unix socket in its own directory only (no TCP port), with the socket
directory readable by its owner alone, so trust authentication admits nobody else. As root
the server runs as the `postgres` user, because PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2
from psycopg2 import sql

from geo.errors import DatabaseUnavailable, PostgisMissing, SetupError

DATABASE = "urbanmap"
SUPERUSER = "urbanmap"
EXTENSIONS = ("postgis", "pg_trgm", "unaccent", "pgrouting")

INSTALL_HINT = (
    "On Debian or Ubuntu run `sudo apt-get install postgresql-15-postgis-3 "
    "postgresql-15-pgrouting` (or `make demo` as root, which installs them); elsewhere install "
    "PostgreSQL 13+ with PostGIS 3 and pgRouting from your package manager. Or point "
    "urbanmap at an existing PostGIS 3 server with DATABASE_URL=postgresql://user:pass@host/db."
)

SERVER_CONF = """
# Written by urbanmap: a private server reached only through its own socket directory.
listen_addresses = ''
unix_socket_directories = '{socket_dir}'
unix_socket_permissions = 0700
jit = off
max_connections = 200
shared_buffers = 256MB
work_mem = 32MB
maintenance_work_mem = 256MB
logging_collector = off
"""

# For a throwaway test cluster: durability traded for speed.
EPHEMERAL_CONF = """
fsync = off
synchronous_commit = off
full_page_writes = off
"""


def find_pg_bin(configured: Path | None = None) -> Path:
    """The directory holding pg_ctl and initdb, newest PostgreSQL first."""
    if configured is not None:
        candidates = [configured]
    else:
        installed = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                           key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
        candidates = list(reversed(installed))
        on_path = shutil.which("pg_ctl")
        if on_path:
            candidates.append(Path(on_path).resolve().parent)
    for candidate in candidates:
        if (candidate / "pg_ctl").is_file() and (candidate / "initdb").is_file():
            return candidate
    raise PostgisMissing(
        "PostgreSQL is not installed, so urbanmap cannot start its own PostGIS "
        f"(looked for pg_ctl and initdb in {', '.join(map(str, candidates)) or 'PATH'}). "
        + INSTALL_HINT
    )


@dataclass(frozen=True)
class ClusterStatus:
    initialised: bool
    running: bool
    data_dir: Path
    url: str
    pid: int | None = None


class LocalPostgis:
    """A PostgreSQL + PostGIS cluster in `home`, created on first start and reused after."""

    def __init__(self, home: Path, pg_bin: Path | None = None, ephemeral: bool = False) -> None:
        self.home = Path(home)
        self.data_dir = self.home / "pgdata"
        self.socket_dir = self.home / "run"
        self.log_file = self.home / "postgres.log"
        self._pg_bin = pg_bin
        self.ephemeral = ephemeral
        self.run_as = "postgres" if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        return self.url_for(DATABASE)

    def url_for(self, database: str) -> str:
        return f"postgresql+psycopg2://{SUPERUSER}@/{database}?host={self.socket_dir}"

    def libpq_dsn(self, database: str = DATABASE) -> str:
        return f"host={self.socket_dir} dbname={database} user={SUPERUSER}"

    # -- state ---------------------------------------------------------------
    def status(self) -> ClusterStatus:
        initialised = (self.data_dir / "PG_VERSION").is_file()
        pid = self._server_pid() if initialised else None
        return ClusterStatus(initialised, pid is not None, self.data_dir, self.url, pid)

    def _server_pid(self) -> int | None:
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
            os.kill(pid, 0)
        except (OSError, ValueError, IndexError):
            return None
        return pid

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> ClusterStatus:
        """Start the cluster (creating it on first use) and make sure the database is ready."""
        bin_dir = find_pg_bin(self._pg_bin)
        if not self.status().initialised:
            self._initdb(bin_dir)
        if not self.status().running:
            self._pg_ctl(bin_dir, "start", "-w", "-t", "60", "-l", str(self.log_file))
        self._create_database()
        return self.status()

    def stop(self) -> ClusterStatus:
        if self.status().running:
            self._pg_ctl(find_pg_bin(self._pg_bin), "stop", "-w", "-m", "fast")
        return self.status()

    def _initdb(self, bin_dir: Path) -> None:
        for directory in (self.home, self.socket_dir):
            directory.mkdir(parents=True, exist_ok=True)
        if self.run_as:
            shutil.chown(self.home, self.run_as, self.run_as)
            shutil.chown(self.socket_dir, self.run_as, self.run_as)
            self._check_reachable_by_server()
        os.chmod(self.socket_dir, 0o700)
        self._run([str(bin_dir / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER,
                   "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"])
        conf = SERVER_CONF.format(socket_dir=self.socket_dir)
        if self.ephemeral:
            conf += EPHEMERAL_CONF
        (self.data_dir / "urbanmap.conf").write_text(conf)
        with open(self.data_dir / "postgresql.conf", "a") as main_conf:
            main_conf.write("\ninclude 'urbanmap.conf'\n")

    def _check_reachable_by_server(self) -> None:
        probe = subprocess.run(["test", "-w", str(self.home)], user=self.run_as,
                               capture_output=True)
        if probe.returncode != 0:
            raise SetupError(
                f"The embedded PostGIS runs as the '{self.run_as}' user, which cannot write "
                f"to {self.home} (a parent directory is closed to it). Set URBANMAP_HOME to a "
                "directory it can reach, such as /var/lib/urbanmap."
            )

    def _pg_ctl(self, bin_dir: Path, *args: str) -> None:
        self._run([str(bin_dir / "pg_ctl"), "-D", str(self.data_dir), *args])

    def _run(self, command: list[str]) -> None:
        result = subprocess.run(command, user=self.run_as, capture_output=True, text=True,
                                cwd="/")
        if result.returncode != 0:
            log_tail = self._log_tail()
            raise DatabaseUnavailable(
                f"`{Path(command[0]).name}` failed while starting the embedded PostGIS in "
                f"{self.home}:\n{result.stderr.strip() or result.stdout.strip()}"
                + (f"\nServer log ({self.log_file}):\n{log_tail}" if log_tail else "")
            )

    def _log_tail(self, lines: int = 8) -> str:
        try:
            return "\n".join(self.log_file.read_text().splitlines()[-lines:])
        except OSError:
            return ""

    @contextmanager
    def cursor(self, database: str) -> Iterator[Any]:
        """An autocommit cursor, as CREATE DATABASE and CREATE EXTENSION need."""
        conn = psycopg2.connect(self.libpq_dsn(database))
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                yield cur
        finally:
            conn.close()

    def _create_database(self) -> None:
        with self.cursor("postgres") as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
        self.create_extensions(DATABASE)

    def create_extensions(self, database: str) -> None:
        """Install the extensions urbanmap uses; a clear error when PostGIS is absent."""
        with self.cursor(database) as cur:
            cur.execute("SELECT name FROM pg_available_extensions")
            available = {row[0] for row in cur.fetchall()}
            missing = [name for name in EXTENSIONS if name not in available]
            if missing:
                raise PostgisMissing(
                    f"PostgreSQL is installed but lacks {', '.join(missing)}, which urbanmap "
                    "needs. " + INSTALL_HINT
                )
            for name in EXTENSIONS:
                cur.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {} CASCADE")
                            .format(sql.Identifier(name)))

    def create_database(self, name: str) -> str:
        """A fresh database in this cluster, with the extensions; returns its URL."""
        with self.cursor("postgres") as cur:
            database = sql.Identifier(name)
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
            cur.execute(sql.SQL("CREATE DATABASE {}").format(database))
        self.create_extensions(name)
        return self.url_for(name)
