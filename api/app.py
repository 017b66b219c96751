"""create_app: the one FastAPI application — SPARQL endpoint, Graph Store, browse API, page."""
from __future__ import annotations

from fastapi import FastAPI

from policykg.api.graph_store import GraphStoreRouter
from policykg.api.sparql import Limits, SparqlRouter


def create_app(store, *, update_token: str | None = None, query_timeout: float = 10.0,
               max_rows: int = 10_000) -> FastAPI:
    app = FastAPI(title="policykg")
    app.state.store = store
    app.include_router(SparqlRouter(store, update_token=update_token,
                                    limits=Limits(query_timeout=query_timeout, max_rows=max_rows)))
    app.include_router(GraphStoreRouter(store, update_token=update_token))
    return app
