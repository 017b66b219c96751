"""Endpoint throughput and latency under concurrent load: `policykg serve` vs `oxigraph serve`
answering the same named query from the same data (our requests/s as a ratio of theirs).

    python benchmarks/bench_endpoint.py --store DIR [--query units_by_duties] [--connections 16] [--seconds 10]

DIR is an ingested embedded store; its quads are dumped to N-Quads and bulk-loaded into a
fresh Oxigraph location, served read-only. Both run on 127.0.0.1, one after the other. With
--in-place `oxigraph serve-read-only` opens DIR itself (same Oxigraph version as pyoxigraph;
no copy: at 10,000 documents the copy would need another 44 GB of disk).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from loadgen import run_load, sparql_request  # noqa: E402
from servers import oxigraph_bulk_load, oxigraph_serve, policykg_serve  # noqa: E402


def main() -> None:
    import pyoxigraph
    from policykg.graph.queries import load_query
    from policykg.graph.store_embedded import EmbeddedStore
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--documents", type=int, default=0, help="scale label for the table")
    ap.add_argument("--query", default="units_by_duties")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--no-header", action="store_true")
    ap.add_argument("--in-place", action="store_true", help="oxigraph serves DIR itself instead of a copy")
    args = ap.parse_args()
    sparql = load_query(args.query).sparql
    with tempfile.TemporaryDirectory() as tmp:
        location = args.store if args.in_place else Path(tmp) / "ox"
        if not args.in_place:
            dump = Path(tmp) / "all.nq"
            store = EmbeddedStore(str(args.store), read_only=True)
            with dump.open("wb") as fh:
                store.dump(fh, pyoxigraph.RdfFormat.N_QUADS)
            store.close()
            oxigraph_bulk_load(location, [dump])
        results = {}
        # warm query workers (the default), and a fresh fork per query (--query-workers 0) as before
        for name, workers in (("policykg serve", None), ("policykg serve --query-workers 0", 0)):
            with policykg_serve(args.store, query_timeout=60, max_rows=1_000_000, query_workers=workers) as base:
                wait_for_search_index(base)
                req = sparql_request(base + "/sparql", sparql)
                rows = len(httpx.request(**req, timeout=120).json()["results"]["bindings"])
                results[name] = run_load(req.pop("method"), req.pop("url"), connections=args.connections,
                                         seconds=args.seconds, **req)
        with oxigraph_serve(location) as base:
            req = sparql_request(base + "/query?union-default-graph", sparql)
            their_rows = len(httpx.request(**req, timeout=120).json()["results"]["bindings"])
            results["oxigraph serve"] = run_load(req.pop("method"), req.pop("url"), connections=args.connections,
                                                 seconds=args.seconds, **req)
    for name, r in results.items():
        for error in r.errors:
            print(f"{name}: failed request: {error}", file=sys.stderr)
    theirs = results["oxigraph serve"].rps
    if not args.no_header:
        print("| documents | server | query (rows) | connections | requests | failed | req/s | median ms | p95 ms | ÷ oxigraph req/s |")
        print("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        shown = their_rows if name == "oxigraph serve" else rows
        print(f"| {args.documents:,} | {name} | {args.query} ({shown:,}) | {r.connections} | {r.ok:,} | {r.failed} | "
              f"{r.rps:,.1f} | {r.median * 1000:,.1f} | {r.percentile(95) * 1000:,.1f} | "
              f"{r.rps / theirs if theirs else float('nan'):.2f} |", flush=True)


def wait_for_search_index(base: str, limit: float = 1800) -> None:
    """The server builds its search index from its start, on the same cores: measure it once
    that is done (503 with Retry-After: still building; without: search is off at this size)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        r = httpx.get(base + "/api/search", params={"q": "x"}, timeout=120)
        if r.status_code != 503 or "retry-after" not in r.headers:
            return
        time.sleep(1)


if __name__ == "__main__":
    main()
