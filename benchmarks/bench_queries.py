"""Latency of every named query on the embedded store vs the same queries on an rdflib
in-memory Dataset (union default graph) of the same quads.

    python benchmarks/bench_queries.py --store DIR [--repeat 5] [--rdflib-max-triples 2000000]

DIR is an ingested embedded store (bench_ingest.py --keep). rdflib is skipped, with the
reason printed, above --rdflib-max-triples (it holds everything in Python objects).
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

PARAMS = {
    "leads_by_city": {"city": "甲州市"}, "unit_duties": {"name": "市财政局", "city": "乙州市"},
    "due_by_date": {"date": "2025-12-31"}, "target_conflicts": {}, "same_task_different_leads": {},
    "units_by_duties": {}, "duties_in_force": {"date": "2024-06-30"}, "all_duties": {"city": "甲州市"},
    "stats": {},
}


def timings(fn, repeat: int) -> tuple[float, float, int]:
    times, n = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        n = fn()
        times.append(time.perf_counter() - start)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))], n


def rdflib_dataset(store):
    import pyoxigraph
    import rdflib
    from io import BytesIO
    buf = BytesIO()
    store.dump(buf, pyoxigraph.RdfFormat.N_QUADS)
    ds = rdflib.Dataset(default_union=True)
    ds.parse(data=buf.getvalue().decode("utf-8"), format="nquads")
    return ds


def rdflib_query(ds, sparql: str, bindings: dict):
    import rdflib
    from rdflib.plugins.sparql import prepareQuery
    init = {k: _to_rdflib(v) for k, v in bindings.items()}
    return lambda: len(list(ds.query(sparql, initBindings=init)))


def _to_rdflib(term):
    import pyoxigraph
    import rdflib
    if isinstance(term, pyoxigraph.NamedNode):
        return rdflib.URIRef(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def bounded(fn, limit: float):
    """fn() in a forked child, stopped after `limit` s: (seconds, rows) or None."""
    import multiprocessing
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child():
        start = time.perf_counter()
        rows = fn()
        send.send((time.perf_counter() - start, rows))
    proc = ctx.Process(target=child, daemon=True)
    proc.start()
    try:
        return receive.recv() if receive.poll(limit) else None
    finally:
        proc.kill()
        proc.join()


def rdflib_timings(fn, repeat: int, limit: float):
    runs = []
    for _ in range(repeat):
        got = bounded(fn, limit)
        if got is None:
            return None
        runs.append(got)
    times = sorted(t for t, _ in runs)
    return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))], runs[-1][1]


def main() -> None:
    from policykg.graph.queries import bind_params, load_query, query_names
    from policykg.graph.store_embedded import EmbeddedStore
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--documents", type=int, default=0, help="scale label for the table")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rdflib-max-triples", type=int, default=2_000_000)
    ap.add_argument("--rdflib-limit", type=float, default=30.0, help="seconds before an rdflib query is stopped")
    ap.add_argument("--no-header", action="store_true")
    args = ap.parse_args()
    store = EmbeddedStore(str(args.store), read_only=True)
    total = int(store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0]["n"].value)
    ds = rdflib_dataset(store) if total <= args.rdflib_max_triples else None
    if not args.no_header:
        print("| documents | quads | query | rows | embedded median ms | p95 ms | rdflib median ms | p95 ms | rdflib ÷ embedded |")
        print("|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for name in query_names():
        q = load_query(name)
        bindings = bind_params(q, PARAMS.get(name, {}))
        med, p95, rows = timings(lambda: len(store.query(q.sparql, bindings=bindings).rows), args.repeat)
        if ds is not None:
            got = rdflib_timings(rdflib_query(ds, q.sparql, bindings), max(1, args.repeat // 2), args.rdflib_limit)
            if got is None:
                other = f"> {args.rdflib_limit * 1000:,.0f} (stopped) | | > {args.rdflib_limit / med:,.0f}×"
            else:
                rmed, rp95, rrows = got
                other = f"{rmed * 1000:,.1f} | {rp95 * 1000:,.1f} | {rmed / med:,.1f}×" + ("" if rrows == rows else f" (rows {rrows})")
        else:
            other = f"not run ({total:,} quads > {args.rdflib_max_triples:,}) | | "
        print(f"| {args.documents:,} | {total:,} | {name} | {rows:,} | {med * 1000:,.1f} | {p95 * 1000:,.1f} | {other} |",
              flush=True)
    store.close()


if __name__ == "__main__":
    main()
