"""create_app: the one FastAPI application over a Store.

  /sparql         SPARQL 1.1 Protocol (sparql.py)          /store   Graph Store Protocol
  /api/...        browse API, JSON (browse.py)              /queries named queries (queries.py)
  /               the analysts' page (static/index.html)    /drafts  draft checker (drafts.py)
A thin layer: every answer comes from the Store through SPARQL; nothing is computed here.
"""
from __future__ import annotations

import functools
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse

from policykg.api import browse, drafts, queries, vendor
from policykg.api.graph_store import GraphStoreRouter
from policykg.api.sparql import Limits, SparqlRouter
from policykg.graph.tallies import recount_after_write

STATIC = Path(__file__).resolve().parent / "static"
DESCRIPTION = """Knowledge graph of Chinese policy documents: who leads what, by when, with which targets.

* `/sparql` — SPARQL 1.1 Protocol. Each query has a time limit (over it: **503** `query_timeout`)
  and a result-size limit in rows or triples (over it: **400** `result_too_large`).
  Updates and Graph Store writes need `Authorization: Bearer TOKEN`; without a token configured
  the server is read-only (**403**).
* `/api/...` — browse API: JSON, paginated, `lang=zh|en`; unknown ids **404**, bad parameters **422**.
"""


def create_app(store, *, update_token: str | None = None, query_timeout: float = 10.0,
               max_rows: int = 10_000, queries_dir: Path | None = None,
               text_folders: list[Path] | None = None) -> FastAPI:
    """text_folders: where the source files of ingested documents are (default ./corpus)."""
    app = FastAPI(title="policykg", description=DESCRIPTION, version="0.1.0")
    limits = Limits(query_timeout=query_timeout, max_rows=max_rows)
    app.state.store, app.state.limits = store, limits
    catalog = queries.Catalog(queries_dir)
    # Public data: any page may query it from the browser (writes still need the token).
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"],
                       allow_headers=["Accept", "Content-Type", "Authorization"])
    # Raw writes recount the corpus tallies the named questions read (graph/tallies.py).
    recount = functools.partial(recount_after_write, store)
    app.include_router(SparqlRouter(store, update_token=update_token, limits=limits, after_write=recount))
    app.include_router(GraphStoreRouter(store, update_token=update_token, after_write=recount))
    app.include_router(queries.router(catalog))
    app.include_router(browse.router(store, catalog, limits, text_folders))
    app.include_router(drafts.router)
    app.include_router(vendor.router())

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    @app.get("/static/{name}", include_in_schema=False)
    def asset(name: str) -> FileResponse:
        return vendor.file_in(STATIC, name)

    return app
