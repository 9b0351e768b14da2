"""Running the HTTP servers a benchmark compares: each in its own process group, started
by uvicorn with the listening socket it should have had, and waited for until it answers.

This file needs only the standard library at import, because the other side's virtualenv
(tipg's) runs it too: `python bench/bench_servers.py --uvicorn APP …` is how every server
starts. Used by `tiles_bench.py`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIPG_VENV = ROOT / ".venv-tipg"


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    base: str
    log: Path

    def stop(self) -> None:
        """SIGTERM to the server's own process group (its workers), SIGKILL if it lingers."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# What `urbanmap serve` runs: uvicorn's defaults, which take uvloop and httptools when they
# are installed (urbanmap depends on both; ensure_tipg gives tipg's venv the same two).
SERVER_LOOP = SERVER_HTTP = "auto"
SERVER_EXTRAS = ("uvloop", "httptools")


def uvicorn_command(venv: Path, app: str, port: int, workers: int) -> list[str]:
    """uvicorn from `venv`, through `run_uvicorn` below."""
    return [str(venv / "bin" / "python"), __file__, "--uvicorn", app, "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers), "--loop", SERVER_LOOP,
            "--http", SERVER_HTTP, "--no-access-log", "--log-level", "warning"]


def run_uvicorn(argv: list[str]) -> None:
    """`uvicorn argv…` with its shared listening socket created as IPPROTO_TCP.

    With --workers > 1 uvicorn binds the socket itself as socket.socket(family) (proto 0),
    and asyncio turns Nagle off (TCP_NODELAY) only on connections accepted from an
    IPPROTO_TCP socket. Left as is, every response written in two segments waits for the
    client's delayed ACK: 44 ms a request here for tipg and urbanmap alike, a cost of the
    deployment rather than of either server. One worker, or a proxy in front, never sees it.
    """
    import uvicorn.config
    import uvicorn.main

    bind = uvicorn.config.Config.bind_socket

    def bind_tcp(self: uvicorn.config.Config) -> socket.socket:
        sock = bind(self)
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return sock
        return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, sock.detach())

    uvicorn.config.Config.bind_socket = bind_tcp
    sys.argv = ["uvicorn", *argv]
    uvicorn.main.main()


def start_server(name: str, command: list[str], env: dict[str, str], rundir: Path,
                 ready_path: str) -> Server:
    """Start `command` in its own session and wait until `ready_path` answers 200."""
    log = rundir / f"{name.replace(' ', '-')}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env={**os.environ, **env}, cwd=rundir, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name, process, f"http://127.0.0.1:{command[command.index('--port') + 1]}",
                    log)
    try:
        wait_ready(server, ready_path)
    except RuntimeError:
        server.stop()
        raise
    return server


def wait_ready(server: Server, path: str, timeout: float = 120) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            if httpx.get(server.base + path, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    tail = "\n".join(server.log.read_text(errors="replace").splitlines()[-15:])
    raise RuntimeError(f"{server.name} did not answer {path} within {timeout:.0f} s:\n{tail}")


def ensure_tipg() -> bool:
    """tipg in its own venv (.venv-tipg at the repository root), installed on first use,
    with the uvloop and httptools urbanmap's uvicorn runs on, so both serve alike."""
    python = TIPG_VENV / "bin" / "python"
    has_extras = [str(python), "-c", "import " + ", ".join(SERVER_EXTRAS)]
    if (TIPG_VENV / "bin" / "uvicorn").exists() and subprocess.run(
            has_extras, capture_output=True).returncode == 0:
        return True
    print("installing tipg, uvicorn, uvloop and httptools into .venv-tipg …", flush=True)
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(TIPG_VENV)], check=True)
        subprocess.run([str(TIPG_VENV / "bin" / "pip"), "install", "-q", "tipg", "uvicorn",
                        *SERVER_EXTRAS], check=True)
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"!! could not install tipg ({error}); tipg will not be measured")
        return False
    return True


if __name__ == "__main__":
    if sys.argv[1:2] == ["--uvicorn"]:
        run_uvicorn(sys.argv[2:])
