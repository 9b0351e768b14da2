"""The README's main job, end to end: `urbanmap demo` starts PostGIS, loads, and serves."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

URBANMAP = str(Path(sys.executable).parent / "urbanmap")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 240) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"demo exited early:\n{process.stdout.read()}")
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            time.sleep(1)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def test_demo_serves_the_sample_layers() -> None:
    home = tempfile.mkdtemp(prefix="urbanmap-demo-")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {
        "URBANMAP_HOME": home, "URBANMAP_PORT": str(port)}
    demo = subprocess.Popen([URBANMAP, "demo"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        layers = wait_for(f"http://127.0.0.1:{port}/collections", demo).json()["collections"]
        counts = {layer["id"]: layer["features"] for layer in layers}
        assert counts["wards"] == 10 and counts["hydrants"] == 25
        assert counts["roads"] > 500 and counts["planning_zones"] > 50
        page = httpx.get(f"http://127.0.0.1:{port}/", headers={"Accept": "text/html"})
        assert "Phường" in page.text and "hydrants" in page.text
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGTERM)
            demo.wait(timeout=30)
        subprocess.run([URBANMAP, "db", "stop"], env=env, capture_output=True, timeout=60)
