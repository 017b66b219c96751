"""Throw-away SPARQL servers on 127.0.0.1 for tests (and for trying the remote store):
`oxigraph serve`, and Virtuoso when the Debian package `virtuoso-opensource` is installed."""
from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from policykg.graph.query_processes import die_with_parent


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
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=die_with_parent,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base, process, startup)
            yield base
        finally:
            stop(process)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = ., {dir}
NumberOfBuffers = 4000
MaxDirtyBuffers = 3000
ThreadsPerQuery = 2
MaxClientConnections = 8

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 8
MaxClientConnections = 8
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 30
"""

# What the anonymous /sparql user needs to write: SPARQL Update rights (reading is allowed).
VIRTUOSO_GRANTS = 'GRANT SPARQL_UPDATE TO "SPARQL";'


def virtuoso_binaries() -> tuple[str, str] | None:
    """(virtuoso-t, isql-vt) when both are installed (Debian: virtuoso-opensource)."""
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    return (server, isql) if server and isql else None


@dataclass
class Virtuoso:
    """A running test Virtuoso: its SPARQL endpoint, its database folder (the only folder its
    bulk loader may read: DirsAllowed) and its SQL port for isql."""
    endpoint: str
    data: Path
    isql_argv: list[str]

    def isql(self, statements: str, timeout: float = 120) -> str:
        """Runs SQL statements through isql-vt as dba; raises with Virtuoso's message on an error."""
        done = subprocess.run([*self.isql_argv, f"exec={statements}"], capture_output=True, timeout=timeout, text=True)
        if done.returncode != 0 or "Error" in done.stdout + done.stderr:
            raise RuntimeError(f"virtuoso: {statements} failed: {done.stdout}{done.stderr}")
        return done.stdout


@contextlib.contextmanager
def virtuoso_server(startup: float = 60.0):
    """Yields a Virtuoso (SPARQL query and update at http://127.0.0.1:PORT/sparql) whose
    database lives in a temporary folder; gone at exit."""
    binaries = virtuoso_binaries()
    if binaries is None:
        raise RuntimeError("virtuoso-t not found (apt-get install virtuoso-opensource)")
    server, isql = binaries
    sql_port, http_port = _free_port(), _free_port()
    with tempfile.TemporaryDirectory(prefix="policykg-virtuoso-") as data:
        ini = Path(data) / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(dir=data, sql_port=sql_port, http_port=http_port))
        console = Path(data) / "console.log"      # a file, not a pipe nobody reads while tests run
        with console.open("wb") as out:
            process = subprocess.Popen([server, "+foreground", "+configfile", str(ini)], cwd=data,
                                       stdout=out, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        try:
            instance = Virtuoso(f"http://127.0.0.1:{http_port}/sparql", Path(data),
                                [isql, f"127.0.0.1:{sql_port}", "dba", "dba"])
            _wait_virtuoso(instance.endpoint, process, console, startup)
            instance.isql(VIRTUOSO_GRANTS, timeout=30)
            yield instance
        finally:
            stop(process)


def _wait_virtuoso(endpoint: str, process: subprocess.Popen, console: Path, startup: float) -> None:
    """Until the HTTP /sparql answers (a new database takes a few seconds to create)."""
    deadline = time.monotonic() + startup
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"virtuoso exited: {console.read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(endpoint, params={"query": "ASK {}"}, timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"virtuoso did not answer on {endpoint} within {startup} s: "
                       f"{console.read_text(errors='replace')[-2000:]}")


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
