"""`policykg serve`: the SPARQL endpoint, browse API and page on one port."""
from __future__ import annotations

import importlib
import ipaddress
import os
import sys
from pathlib import Path

from policykg.errors import UserError
from policykg.graph.query_workers import default_size

TOKEN_ENV = "POLICYKG_UPDATE_TOKEN"


def register(sub) -> None:
    p = sub.add_parser("serve", help="serve the SPARQL endpoint, browse API and web page")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--store", metavar="PATH", help="embedded store folder (default: ./data)")
    where.add_argument("--endpoint", metavar="URL", help="use a remote SPARQL 1.1 server instead")
    p.add_argument("--server-kind", choices=("oxigraph", "virtuoso"),
                   help="with --endpoint: the server's URL layout and dialect (default oxigraph: /query "
                        "/update /store; virtuoso: query and update at /sparql, graphs through SPARQL Update)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--update-token", metavar="TOKEN", default=os.environ.get(TOKEN_ENV) or None,
                   help=f"allow SPARQL Update and Graph Store writes with 'Authorization: Bearer TOKEN' "
                        f"(also ${TOKEN_ENV}); without it every write is refused")
    p.add_argument("--ingest", nargs="+", type=Path, metavar="PATH",
                   help="documents or folders to ingest into the store before serving")
    p.add_argument("--query-timeout", type=float, default=10.0, help="seconds per query (default: 10)")
    p.add_argument("--query-workers", type=int, default=default_size(), metavar="N",
                   help="warm processes answering timed queries on the embedded store "
                        f"(default: twice the cores, {default_size()}; 0: a fresh fork per query)")
    # Longer than the clients' own idle limits (httpx 5 s, aiohttp 15 s, load balancers 60 s),
    # so that a client closes an idle connection before the server does: with uvicorn's 5 s a
    # client reusing a connection just as the server closed it got a reset (seen under load,
    # a few requests in a thousand when the cores were busy).
    p.add_argument("--keep-alive", type=float, default=75.0, metavar="SECONDS",
                   help="seconds an idle client connection is kept open (default: 75)")
    p.add_argument("--max-rows", type=int, default=10_000, help="rows/triples per result (default: 10000)")
    p.set_defaults(func=run_serve)


def _ingest_function():
    """The graph stage's ingest (policykg.graph.load), or None where that stage lacks it."""
    try:
        load = importlib.import_module("policykg.graph.load")
    except ImportError:
        return None

    def run(store, paths: list[Path]) -> None:
        summary = load.ingest(store, load.expand(paths))
        print(f"policykg serve: ingested {summary.documents} documents, {summary.triples} triples"
              + (f", {len(summary.failed)} failed" if summary.failed else ""), file=sys.stderr)
        for path, why in summary.failed:
            print(f"  {path}: {why}", file=sys.stderr)
    return run


def run_serve(args) -> int:
    import uvicorn

    from policykg.api.app import create_app
    from policykg.graph.store import DEFAULT_PATH, StoreUnavailable, open_store

    if args.query_timeout <= 0 or args.max_rows <= 0:
        raise UserError("--query-timeout and --max-rows must be positive")
    if args.query_workers < 0:
        raise UserError("--query-workers must be 0 or more")
    if args.keep_alive <= 0:
        raise UserError("--keep-alive must be positive")
    if args.server_kind and not args.endpoint:
        raise UserError("--server-kind goes with --endpoint")
    if args.ingest and args.endpoint:
        raise UserError("--ingest writes to the embedded store; load a remote store with its own tools")
    ingest = _ingest_function() if args.ingest else None
    if args.ingest and ingest is None:
        raise UserError("--ingest: the graph stage has no ingest function yet; "
                        "load the store with `policykg` graph commands first")
    try:
        store = (open_store(endpoint=args.endpoint, server_kind=args.server_kind or "oxigraph") if args.endpoint
                 else open_store(args.store or DEFAULT_PATH, query_workers=args.query_workers))
    except StoreUnavailable as err:
        raise UserError(str(err)) from err
    if ingest:
        ingest(store, args.ingest)
    if args.update_token is None:
        print("policykg serve: read-only (no --update-token)", file=sys.stderr)
    elif not _loopback(args.host):
        print(f"policykg serve: writes are open to any client holding the token on {args.host}", file=sys.stderr)
    # Provision text is re-read from the source files: the ingested paths, else ./corpus.
    app = create_app(store, update_token=args.update_token, query_timeout=args.query_timeout,
                     max_rows=args.max_rows, text_folders=list(args.ingest or []) or None)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="info", timeout_keep_alive=args.keep_alive)
    finally:
        store.close()
    return 0


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
