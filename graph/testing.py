"""A throw-away `oxigraph serve` on 127.0.0.1 for tests (and for trying the remote store)."""
from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).with_name("oxigraph")
    return str(beside) if beside.exists() else shutil.which("oxigraph")


@contextlib.contextmanager
def oxigraph_server(binary: str | None = None, startup: float = 20.0):
    """Yields the server's base URL; the process and its data directory go at exit."""
    binary = binary or oxigraph_binary()
    if binary is None:
        raise RuntimeError("oxigraph binary not found (pip install oxigraph)")
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="policykg-oxigraph-") as data:
        process = subprocess.Popen(
            [binary, "serve", "--location", data, "--bind", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base, process, startup)
            yield base
        finally:
            stop(process)


def stop(process: subprocess.Popen, grace: float = 10) -> None:
    """Terminate a server started by a test; kill it if it does not go within `grace` s."""
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(base: str, process: subprocess.Popen, startup: float) -> None:
    deadline = time.monotonic() + startup
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph exited: {process.stderr.read().decode(errors='replace')}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(base + "/query", params={"query": "ASK {}"}, timeout=1).status_code == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"oxigraph did not answer on {base} within {startup} s")
