"""A real PostGIS for the suite: an embedded cluster started in a temporary directory.

No database test may be skipped under CI: a skip there fails the run, because a silently
skipped database test is how a broken PostGIS set-up would hide.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from psycopg2 import sql
from sqlalchemy import Engine

from geo import migrate
from geo.db import make_engine
from geo.localdb import LocalPostgis

_skipped: list[str] = []

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # WebGL without a GPU: Chromium's software renderer, which it no longer picks by itself.
    "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
    # A second wall under the request routing: no host but loopback even resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


@pytest.fixture(scope="session")
def cluster() -> Iterator[LocalPostgis]:
    home = Path(tempfile.mkdtemp(prefix="urbanmap-test-"))
    postgis = LocalPostgis(home, ephemeral=True)
    postgis.start()
    yield postgis
    postgis.stop()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def fresh_engine(cluster: LocalPostgis) -> Iterator[Engine]:
    """An empty database with the extensions and no schema (it goes with the test cluster)."""
    name = f"fresh_{uuid.uuid4().hex[:10]}"
    engine = make_engine(cluster.create_database(name))
    yield engine
    _drop(cluster, engine, name)


@pytest.fixture(scope="session")
def migrated_template(cluster: LocalPostgis) -> str:
    """A database migrated once, that each test's migrated database is a copy of: copying
    takes a tenth of the time of running every migration again, for hundreds of tests."""
    engine = make_engine(cluster.create_database("migrated_template"))
    migrate.upgrade(engine)
    engine.dispose()  # CREATE DATABASE … TEMPLATE refuses a template anyone is connected to
    return "migrated_template"


@pytest.fixture
def migrated_engine(cluster: LocalPostgis, migrated_template: str) -> Iterator[Engine]:
    """An empty database at the newest migration (the migrations themselves are tested from
    `fresh_engine`, in test_migrations.py)."""
    name = f"migrated_{uuid.uuid4().hex[:10]}"
    with cluster.cursor("postgres") as cur:
        cur.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(migrated_template)))
    engine = make_engine(cluster.url_for(name))
    yield engine
    _drop(cluster, engine, name)


def _drop(cluster: LocalPostgis, engine: Engine, name: str) -> None:
    """Drop a test's database after it: hundreds of them, 18 MB each, would otherwise fill
    the disk of a small CI machine."""
    engine.dispose()
    with cluster.cursor("postgres") as cur:
        cur.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def sample_engine(cluster: LocalPostgis, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """One database holding the District 7 sample, shared read-only by many tests."""
    from loaders.sample import load_sample

    engine = make_engine(cluster.create_database("sample"))
    migrate.upgrade(engine)
    load_sample(engine, tmp_path_factory.mktemp("sample"))
    return engine


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI") and _skipped:
        print(f"\nCI forbids skipped tests; skipped: {', '.join(_skipped)}")
        session.exitstatus = 1


@pytest.fixture(scope="session")
def service(sample_engine: Engine) -> Iterator[str]:
    """`urbanmap serve` on a free port over the sample database, as a user starts it; shared
    by the tests of real clients (GDAL, OWSLib, Chromium)."""
    from test_demo import free_port, wait_for  # the demo test starts servers the same way

    port = free_port()
    url = sample_engine.url.render_as_string(hide_password=False)
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "urbanmap"), "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        env={**os.environ, "DATABASE_URL": url.replace("postgresql+psycopg2", "postgresql")})
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz", process, seconds=60)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium, driven by Playwright (its own browser download does not
    work here). Per module, not per session: Playwright's sync API keeps an event loop
    running while it is open, which would break the asyncio doctests collected after."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is installed by `make setup`"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def loaded(migrated_engine: Engine, tmp_path: Path) -> Engine:
    """Three hydrants 100 m apart, loaded once (the previous data a failed load must keep)."""
    from hydrant_files import hydrant, write_geojson

    from loaders.files import load_file

    first = [hydrant("H1"), hydrant("H2", 0.001), hydrant("H3", 0.002)]
    load_file(migrated_engine, "hydrants", write_geojson(tmp_path / "first.geojson", first))
    return migrated_engine
