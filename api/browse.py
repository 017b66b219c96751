"""Browse API (/api/...): JSON over named queries with bound parameters.

PLACE FOR THE ONTOLOGY-DEPENDENT ENDPOINTS: documents, provisions, units, regions, targets,
deadlines. They wait for ontology/policykg.ttl and queries/*.rq (graph stage); each will be
a named query run with `bindings=` (never text pasted into SPARQL), paginated, lang=zh|en.
"""
from __future__ import annotations

from fastapi import APIRouter

from policykg.api.queries import Catalog
from policykg.api.sparql import Limits


def router(store, catalog: Catalog, limits: Limits) -> APIRouter:
    r = APIRouter(prefix="/api", tags=["Browse"])

    @r.get("", summary="What the browse API offers")
    def index() -> dict:
        return {"endpoints": [], "queries": "/queries", "sparql": "/sparql"}

    return r
