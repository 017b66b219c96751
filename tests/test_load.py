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


def test_named_query_under_concurrent_load_has_no_failures(tmp_path):
    store = tmp_path / "store"
    ingest_into(store, sorted(CORPUS.glob("*.txt")))
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
