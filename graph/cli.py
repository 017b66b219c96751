"""`policykg ingest | query | export | stats`: the graph stage on the command line."""
from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import networkx as nx
import pyoxigraph

from policykg.errors import UserError
from policykg.graph.namespaces import PREFIXES
from policykg.graph.store import DEFAULT_PATH, SERVER_KINDS, QueryError, StoreUnavailable, open_store

EXPORT_FORMATS = ("ttl", "nq", "jsonld", "graphml", "csv")


def register(sub) -> None:
    p = sub.add_parser("ingest", help="extract documents and write each into its own named graph")
    p.add_argument("paths", nargs="+", type=Path, help="files or folders of documents")
    p.add_argument("--skip-shacl", action="store_true", help="do not validate graphs before writing")
    p.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                   help="extract and check in N worker processes (0: one per core); this process "
                        "stays the only writer of the store")
    _store_args(p)
    p.set_defaults(func=_unavailable_is_user_error(run_ingest))

    q = sub.add_parser("query", help="ask a named question (or a .rq file) of the store")
    q.add_argument("name", help="named question (leads_by_city, …) or path to a .rq file; 'list' lists them")
    q.add_argument("--param", action="append", default=[], metavar="K=V", help="parameter, repeatable")
    q.add_argument("--format", choices=("table", "json", "csv"), default="table")
    q.add_argument("--timeout", type=float, default=None, help="seconds before the query is stopped")
    _store_args(q)
    q.set_defaults(func=_unavailable_is_user_error(run_query))

    e = sub.add_parser("export", help="write the whole graph (or the duty network) to stdout or a file")
    e.add_argument("--format", choices=EXPORT_FORMATS, required=True)
    e.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
    _store_args(e)
    e.set_defaults(func=_unavailable_is_user_error(run_export))

    s = sub.add_parser("stats", help="count documents, provisions, tasks, units and triples")
    _store_args(s)
    s.set_defaults(func=_unavailable_is_user_error(run_stats))

    t = sub.add_parser("tally", help="recount the corpus tallies that stats and units_by_duties read "
                                     "(ingest does it; needed after `oxigraph load` or direct writes)")
    _store_args(t)
    t.set_defaults(func=_unavailable_is_user_error(run_tally))


def _unavailable_is_user_error(func):
    """A store that cannot be reached is the user's to fix (path, URL, server): one line, exit 2."""
    def run(args) -> int:
        try:
            return func(args)
        except StoreUnavailable as err:
            raise UserError(str(err)) from err
    return run


SERVER_KIND_HELP = ("with --endpoint: the server's URL layout and dialect (default oxigraph: /query /update "
                    "/store; virtuoso: query and update at /sparql, graphs through SPARQL Update)")


def _store_args(p) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument("--store", default=DEFAULT_PATH, help=f"embedded store folder (default {DEFAULT_PATH})")
    where.add_argument("--endpoint", help="SPARQL 1.1 server base or query URL (Oxigraph layout: /query /update /store)")
    p.add_argument("--server-kind", choices=SERVER_KINDS, help=SERVER_KIND_HELP)


def _open(args, read_only: bool = False):
    """Reading commands open a read-only snapshot, so they work beside a running server."""
    if args.server_kind and not args.endpoint:
        raise UserError("--server-kind goes with --endpoint")
    options = {"server_kind": args.server_kind} if args.server_kind else {}
    return open_store(None if args.endpoint else args.store, endpoint=args.endpoint, read_only=read_only,
                      **options)


# --- ingest ------------------------------------------------------------------------------
def run_ingest(args) -> int:
    from policykg.graph.load import expand, ingest
    files = expand(args.paths)
    missing = [str(p) for p in files if not p.exists()]
    if missing:
        raise UserError(f"{missing[0]}: no such file or folder")
    if not files:
        raise UserError(f"{args.paths[0]}: no document files found")
    store = _open(args)
    try:
        summary = ingest(store, files, shacl=not args.skip_shacl, jobs=_jobs(args.jobs), progress=_progress)
    finally:
        store.close()
    for path, reason in summary.failed:
        print(f"policykg ingest: {path}: {reason} (store unchanged for this file)", file=sys.stderr)
    print(f"documents: {summary.documents}  provisions: {summary.provisions}  units: {len(summary.units)}  "
          f"triples: {summary.triples}  warnings: {summary.warnings}  failed: {len(summary.failed)}")
    return 1 if summary.failed else 0


def _progress(i: int, n: int, path: Path, status: str) -> None:
    # Printed after the document's graph is committed: a line here means it is in the store.
    print(f"[{i}/{n}] {path.name}: {status}", file=sys.stderr, flush=True)


def _jobs(jobs: int) -> int:
    import os
    if jobs < 0:
        raise UserError("--jobs must be 0 (one per core) or more")
    return jobs or os.cpu_count() or 1


# --- query -------------------------------------------------------------------------------
def run_query(args) -> int:
    from policykg.graph.queries import load_query, query_names, run_named
    if args.name == "list":
        for name in query_names():
            q = load_query(name)
            print(f"{name}\t{q.title_en}\t{q.title_zh}\t" + " ".join(
                f"{p.name}{'?' if p.optional else ''}:{p.type}" for p in q.params))
        return 0
    params = dict(_param(p) for p in args.param)
    store = _open(args, read_only=True)
    try:
        outcome = run_named(store, args.name, params, timeout=args.timeout)
    except QueryError as err:
        raise UserError(f"{args.name}: {err}") from err
    finally:
        store.close()
    write_outcome(outcome, args.format, sys.stdout)
    return 0


def _param(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise UserError(f"--param {text!r}: expected NAME=VALUE")
    return key.strip(), value.strip()


def write_outcome(outcome, fmt: str, out) -> None:
    if outcome.kind == "ask":
        print(json.dumps(outcome.boolean) if fmt == "json" else str(outcome.boolean).lower(), file=out)
        return
    if outcome.kind == "graph":
        out.write(pyoxigraph.serialize(outcome.triples, format=pyoxigraph.RdfFormat.TURTLE).decode("utf-8"))
        return
    rows = [{k: row[k].value for k in outcome.variables if k in row} for row in outcome.rows]
    if fmt == "json":
        json.dump({"variables": list(outcome.variables), "rows": rows}, out, ensure_ascii=False, indent=1)
        out.write("\n")
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(outcome.variables))
        writer.writeheader()
        writer.writerows(rows)
    else:
        _table(outcome.variables, rows, out)


def _table(variables, rows, out) -> None:
    shown = [v for v in variables if any(not r.get(v, "").startswith("http") for r in rows)] or list(variables)
    print("\t".join(shown), file=out)
    for row in rows:
        print("\t".join(row.get(v, "") for v in shown), file=out)
    print(f"({len(rows)} rows)", file=out)


# --- export ------------------------------------------------------------------------------
def run_export(args) -> int:
    store = _open(args, read_only=True)
    try:
        data = export_bytes(store, args.format)
    finally:
        store.close()
    if args.output:
        args.output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


def export_bytes(store, fmt: str) -> bytes:
    if fmt == "graphml":
        from policykg.graph.analytics import duty_graph
        buf = io.BytesIO()
        nx.write_graphml(duty_graph(store), buf)
        return buf.getvalue()
    if fmt == "csv":
        text = io.StringIO()
        write_outcome(every_duty(store), "csv", text)
        return text.getvalue().encode("utf-8")
    quads = all_quads(store)
    if fmt == "ttl":
        triples = sorted({q.triple for q in quads}, key=str)
        return pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.TURTLE, prefixes=PREFIXES) or b""
    rdf = pyoxigraph.RdfFormat.N_QUADS if fmt == "nq" else pyoxigraph.RdfFormat.JSON_LD
    return pyoxigraph.serialize(quads, format=rdf) or b""


def every_duty(store):
    """The export table (named query all_duties), read in pages of the largest size a page may have."""
    from policykg.graph.queries import MAX_LIMIT, run_named
    first = run_named(store, "all_duties", {"limit": str(MAX_LIMIT)})
    page = first
    while len(page.rows) == MAX_LIMIT:
        page = run_named(store, "all_duties", {"limit": str(MAX_LIMIT), "offset": str(len(first.rows))})
        first.rows.extend(page.rows)
    return first


def all_quads(store) -> list[pyoxigraph.Quad]:
    quads = [pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in store.get_graph(None)]
    for name in store.graph_names():
        g = pyoxigraph.NamedNode(name)
        quads += [pyoxigraph.Quad(t.subject, t.predicate, t.object, g) for t in store.get_graph(name)]
    return quads


# --- tally -------------------------------------------------------------------------------
def run_tally(args) -> int:
    from policykg.graph.tallies import recount
    store = _open(args)
    try:
        done = recount(store)
    finally:
        store.close()
    print(f"tallied: {done.documents} documents, {done.units} units in {done.cities} cities")
    return 0


# --- stats -------------------------------------------------------------------------------
def run_stats(args) -> int:
    from policykg.graph.queries import run_named
    store = _open(args, read_only=True)
    try:
        row = run_named(store, "stats").rows
        graphs = len(store.graph_names())
    finally:
        store.close()
    counts = {k: v.value for k, v in (row[0] if row else {}).items()}
    print(f"named graphs: {graphs}")
    for key in ("documents", "provisions", "tasks", "units", "targets", "deadlines", "triples"):
        print(f"{key}: {counts.get(key, 0)}")
    return 0
