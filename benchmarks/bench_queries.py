"""Latency of every named query on the embedded store vs the same queries on an rdflib
in-memory Dataset (union default graph) of the same quads.

    python benchmarks/bench_queries.py --store DIR [--repeat 5] [--rdflib-max-triples 2000000]

DIR is an ingested embedded store (bench_ingest.py --keep). rdflib is skipped, with the
reason printed, above --rdflib-max-triples (it holds everything in Python objects). Each query
runs with its default page (limit/offset): first every named query with the parameters of
PARAMS, then the variants of EXTRA (one city where the question is corpus-wide, one page of the
export table). A query whose first run takes longer than --limit seconds is stopped and
reported as such. With --untallied, each question that has a plan for stale tallies
(graph/templates/untallied_NAME.rq: sorting or grouping every row, as before the tallies kept
its pages and sums) also runs that plan, on the same parameters, in a row of its own.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

PARAMS = {
    "leads_by_city": {"city": "甲州市"}, "unit_duties": {"name": "市财政局", "city": "乙州市"},
    "due_by_date": {"date": "2025-12-31"}, "target_conflicts": {}, "same_task_different_leads": {},
    "units_by_duties": {}, "duties_in_force": {"date": "2024-06-30"},
    "all_duties": {"city": "甲州市", "limit": "10000"},   # the largest page (unpaged, it is refused past 10,000 rows)
    "stats": {},
}
CITY = {"city": "甲州市"}
# Variants: one city where the question is corpus-wide, one page where the answer is every row.
EXTRA = [
    ("leads_by_city", {}), ("unit_duties", {"name": "市财政局"}), ("due_by_date", {"date": "2025-12-31", **CITY}),
    ("target_conflicts", CITY), ("same_task_different_leads", CITY), ("units_by_duties", CITY),
    ("duties_in_force", {"date": "2024-06-30", **CITY}), ("all_duties", {**CITY, "limit": "100"}),
    # deep pages: counted from the tallies, a page far into the listing costs what the first does
    ("leads_by_city", {"offset": "150000"}), ("all_duties", {"limit": "100", "offset": "150000"}),
    ("unit_duties", {"name": "市财政局", "offset": "20000"}),
]


def cases() -> list[tuple[str, dict]]:
    from policykg.graph.queries import query_names
    return [(name, PARAMS.get(name, {})) for name in query_names()] + EXTRA


def plans(name: str, untallied: bool) -> list[tuple[str, object]]:
    """(label, query): the named query, and with `untallied` its plan for stale tallies."""
    from policykg.graph.queries import TEMPLATES, load_query, parse_query
    out = [(name, load_query(name))]
    plan = TEMPLATES / f"untallied_{name}.rq"
    if untallied and plan.is_file():
        out.append((f"{name} (untallied plan)", parse_query(name, plan.read_text("utf-8"))))
    return out


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
    from policykg.graph.queries import prepare, run_named
    from policykg.graph.store_embedded import EmbeddedStore
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--documents", type=int, default=0, help="scale label for the table")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rdflib-max-triples", type=int, default=2_000_000)
    ap.add_argument("--rdflib-limit", type=float, default=30.0, help="seconds before an rdflib query is stopped")
    ap.add_argument("--limit", type=float, default=120.0, help="seconds before an embedded query is stopped")
    ap.add_argument("--no-header", action="store_true")
    ap.add_argument("--untallied", action="store_true", help="also time the plans for stale tallies")
    args = ap.parse_args()
    store = EmbeddedStore(str(args.store), read_only=True)
    total = int(run_named(store, "stats").rows[0]["triples"].value)
    ds = rdflib_dataset(store) if total <= args.rdflib_max_triples else None
    if not args.no_header:
        print("| documents | quads | query | parameters | rows | embedded median ms | p95 ms | rdflib median ms | p95 ms | rdflib ÷ embedded |")
        print("|---:|---:|---|---|---:|---:|---:|---:|---:|---:|")
    for name, params, query in ((label, params, query) for name, params in cases()
                                for label, query in plans(name, args.untallied)):
        sparql, bindings = prepare(query, params)
        shown = " ".join(f"{k}={v}" for k, v in params.items()) or "(none)"
        run = lambda: len(store.query(sparql, bindings=bindings).rows)  # noqa: E731
        first = bounded(run, args.limit)
        if first is None:
            print(f"| {args.documents:,} | {total:,} | {name} | {shown} | | > {args.limit * 1000:,.0f} (stopped) | | | | |",
                  flush=True)
            continue
        med, p95, rows = timings(run, args.repeat)
        if ds is not None:
            got = rdflib_timings(rdflib_query(ds, sparql, bindings), max(1, args.repeat // 2), args.rdflib_limit)
            if got is None:
                other = f"> {args.rdflib_limit * 1000:,.0f} (stopped) | | > {args.rdflib_limit / med:,.0f}×"
            else:
                rmed, rp95, rrows = got
                other = f"{rmed * 1000:,.1f} | {rp95 * 1000:,.1f} | {rmed / med:,.1f}×" + ("" if rrows == rows else f" (rows {rrows})")
        else:
            other = f"not run ({total:,} quads > {args.rdflib_max_triples:,}) | | "
        print(f"| {args.documents:,} | {total:,} | {name} | {shown} | {rows:,} | {med * 1000:,.1f} | {p95 * 1000:,.1f} | {other} |",
              flush=True)
    store.close()


if __name__ == "__main__":
    main()
