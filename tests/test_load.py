"""A bounded load test on loopback: 30 s, 32 connections against `policykg serve` answering a
named question over SPARQL; every request answered 200 with the right rows. (How fast is the
benchmarks' business: benchmarks/bench_endpoint.py.)"""
import sys
from pathlib import Path

import httpx
import pytest

from conftest import CORPUS
from policykg.graph.queries import load_query

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from loadgen import run_load, sparql_request  # noqa: E402
from servers import ingest_into, policykg_serve  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory):
    store = tmp_path_factory.mktemp("load") / "store"
    ingest_into(store, sorted(CORPUS.glob("*.txt")))
    return store


def test_named_query_under_concurrent_load_has_no_failures(corpus_store):
    store = corpus_store
    sparql = load_query("units_by_duties").sparql
    with policykg_serve(store, query_timeout=30) as base:
        request = sparql_request(base + "/sparql", sparql)
        expected = httpx.request(**request, timeout=60).json()["results"]["bindings"]
        assert expected
        result = run_load(request.pop("method"), request.pop("url"), connections=32, seconds=30,
                          check=lambda r: len(r.json()["results"]["bindings"]) == len(expected), **request)
    assert result.failed == 0, result.errors
    assert result.ok >= 32
    print(f"\n{result.ok} requests, {result.rps:.1f}/s, median {result.median * 1000:.0f} ms, "
          f"p95 {result.percentile(95) * 1000:.0f} ms")


def test_an_idle_connection_outlives_the_clients_own_idle_limit(corpus_store):
    """The server keeps an idle connection open longer than clients keep theirs (httpx: 5 s),
    so a client never reuses a connection the server is closing at that moment: with
    uvicorn's 5 s that race reset a few requests in a thousand under load."""
    import socket
    import time
    with policykg_serve(corpus_store) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Accept: application/sparql-results+json\r\n\r\n")
            assert _whole_response(sock).startswith(b"HTTP/1.1 200")
            time.sleep(6.5)
            sock.setblocking(False)
            with pytest.raises(BlockingIOError):     # nothing to read, and no end of stream
                sock.recv(1, socket.MSG_PEEK)


def _whole_response(sock) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    headers = dict(line.split(b":", 1) for line in head.split(b"\r\n")[1:])
    length = int({k.strip().lower(): v for k, v in headers.items()}[b"content-length"])
    while len(body) < length:
        body += sock.recv(65536)
    return head
