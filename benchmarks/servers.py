"""Real servers on 127.0.0.1 for the robustness/load tests and the benchmarks: `policykg serve`
and `oxigraph serve` as child processes, each on a free port, stopped on exit."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from policykg.graph.query_processes import die_with_parent

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, process: subprocess.Popen, startup: float = 60.0) -> None:
    deadline = time.monotonic() + startup
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RuntimeError(f"server exited with {process.returncode}: {err[-2000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.1)
    raise RuntimeError(f"no answer from {url} within {startup} s")


@contextlib.contextmanager
def _running(argv: list[str], probe: str, *, cwd: Path = ROOT, log: Path | None = None):
    err = open(log, "wb") if log else subprocess.PIPE
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"}, preexec_fn=die_with_parent)
    try:
        wait_http(probe, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log:
            err.close()


@contextlib.contextmanager
def policykg_serve(store: Path, *, token: str | None = None, query_timeout: float = 10.0,
                   max_rows: int = 10_000, log: Path | None = None, query_workers: int | None = None):
    """`policykg serve --store STORE` (already ingested); yields the base URL. `query_workers`:
    its --query-workers (None: the server's default)."""
    port = free_port()
    argv = [str(Path(sys.executable).with_name("policykg")), "serve", "--store", str(store),
            "--port", str(port), "--query-timeout", str(query_timeout), "--max-rows", str(max_rows)]
    if token:
        argv += ["--update-token", token]
    if query_workers is not None:
        argv += ["--query-workers", str(query_workers)]
    base = f"http://127.0.0.1:{port}"
    # an ASK through /sparql needs the store, so answering it means the server is really up;
    # cheap at any scale (listing /api/documents took seconds at 1,000 documents)
    with _running(argv, base + "/sparql?query=ASK%7B%7D", log=log):
        yield base


def oxigraph_binary() -> str:
    beside = Path(sys.executable).with_name("oxigraph")
    return str(beside) if beside.exists() else "oxigraph"


@contextlib.contextmanager
def oxigraph_serve(location: Path, *, read_only: bool = True):
    """`oxigraph serve[-read-only] --location LOCATION`; yields the base URL (/query, /update, /store)."""
    port = free_port()
    argv = [oxigraph_binary(), "serve-read-only" if read_only else "serve",
            "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    base = f"http://127.0.0.1:{port}"
    with _running(argv, base + "/query?query=ASK%7B%7D"):
        yield base


def ingest_into(store_dir: Path, files: list[Path], *, shacl: bool = False, jobs: int = 1):
    """The graph stage's ingest into an embedded store folder, closed afterwards (lock released)."""
    from policykg.graph.load import ingest
    from policykg.graph.store import open_store
    store = open_store(str(store_dir))
    try:
        return ingest(store, files, shacl=shacl, jobs=jobs)
    finally:
        store.close()


def oxigraph_bulk_load(location: Path, nquads: list[Path]) -> None:
    subprocess.run([oxigraph_binary(), "load", "--location", str(location), "--file", *map(str, nquads)],
                   check=True, capture_output=True)
