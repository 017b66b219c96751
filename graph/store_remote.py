"""Any SPARQL 1.1 server: Protocol for query and update, Graph Store HTTP Protocol for graphs.

URLs default to Oxigraph's layout under one base (`/query`, `/update`, `/store`); other
servers (Fuseki, GraphDB, Virtuoso) pass their own `update_url` and `graph_store_url`.
"""
from __future__ import annotations

from typing import Iterable, Mapping, Sequence

import httpx
import pyoxigraph

from policykg.graph.store import (
    QueryError, QueryOutcome, QueryTimeout, StoreUnavailable, outcome_from_results,
)
from policykg.graph.sparql_text import with_values

_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
_NTRIPLES = "application/n-triples"
_GRAPH_NAMES = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"

# How the server is asked for "default graph = union of all graphs":
#   "oxigraph": its `union-default-graph` query parameter;
#   "native":   nothing, the server already does it (Virtuoso, GraphDB, Fuseki unionDefaultGraph);
#   "list":     every named graph sent as a default-graph-uri (portable, slower).
UNION_MODES = ("oxigraph", "native", "list")


class RemoteStore:
    def __init__(self, endpoint: str, *, update_url: str | None = None,
                 graph_store_url: str | None = None, union: str = "oxigraph",
                 auth: tuple[str, str] | None = None, http_timeout: float = 60.0):
        if union not in UNION_MODES:
            raise ValueError(f"union must be one of {UNION_MODES}")
        base = endpoint.rstrip("/")
        for suffix in ("/query", "/sparql"):
            if base.endswith(suffix):
                base = base[: -len(suffix)]
        self.query_url = endpoint if endpoint.rstrip("/") != base else base + "/query"
        self.update_url = update_url or base + "/update"
        self.graph_store_url = graph_store_url or base + "/store"
        self.union = union
        self._http = httpx.Client(auth=auth, timeout=http_timeout)

    # --- SPARQL --------------------------------------------------------------------------
    def query(self, sparql: str, *, bindings: Mapping[str, pyoxigraph.Term] | None = None,
              default_graph: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None,
              timeout: float | None = None, max_rows: int | None = None) -> QueryOutcome:
        form = {"query": with_values(sparql, bindings or {})}
        params = {}
        if default_graph is not None:
            form["default-graph-uri"] = list(default_graph)
        elif self.union == "oxigraph":
            params["union-default-graph"] = ""
        elif self.union == "list":
            form["default-graph-uri"] = self.graph_names()
        if named_graphs is not None:
            form["named-graph-uri"] = list(named_graphs)
        response = self._send("POST", self.query_url, timeout, params=params, data=form,
                              headers={"Accept": _ACCEPT})
        return _outcome(response, max_rows)

    def update(self, sparql: str) -> None:
        self._send("POST", self.update_url, None, data={"update": sparql})

    # --- graphs (Graph Store HTTP Protocol) -----------------------------------------------
    def replace_graph(self, graph: str, triples: Iterable[pyoxigraph.Triple]) -> None:
        # PUT replaces the graph in one request; the server applies it as one transaction.
        self._send("PUT", self.graph_store_url, None, params=_graph_param(graph),
                   content=_ntriples(triples), headers={"Content-Type": _NTRIPLES})

    def get_graph(self, graph: str | None) -> list[pyoxigraph.Triple]:
        response = self._send("GET", self.graph_store_url, None, params=_graph_param(graph),
                              headers={"Accept": _NTRIPLES}, missing_ok=True)
        if response.status_code == 404:
            return []
        return [q.triple for q in pyoxigraph.parse(response.content, format=pyoxigraph.RdfFormat.N_TRIPLES)]

    def add_to_graph(self, graph: str | None, triples: Iterable[pyoxigraph.Triple]) -> None:
        self._send("POST", self.graph_store_url, None, params=_graph_param(graph),
                   content=_ntriples(triples), headers={"Content-Type": _NTRIPLES})

    def delete_graph(self, graph: str | None) -> bool:
        if graph is None:
            existed = bool(self.get_graph(None))
            self.update("CLEAR SILENT DEFAULT")
            return existed
        response = self._send("DELETE", self.graph_store_url, None, params=_graph_param(graph),
                              missing_ok=True)
        return response.status_code != 404

    def graph_names(self) -> list[str]:
        outcome = self.query(_GRAPH_NAMES, default_graph=[])
        return sorted(row["g"].value for row in outcome.rows if isinstance(row.get("g"), pyoxigraph.NamedNode))

    def close(self) -> None:
        self._http.close()

    # --- HTTP ----------------------------------------------------------------------------
    def _send(self, method: str, url: str, timeout: float | None, *, missing_ok=False, **kwargs):
        extra = {} if timeout is None else {"timeout": timeout}
        try:
            response = self._http.request(method, url, **kwargs, **extra)
        except httpx.TimeoutException as err:
            raise QueryTimeout(f"no answer from {url} within {timeout or self._http.timeout.read} s") from err
        except httpx.TransportError as err:
            raise StoreUnavailable(f"{url}: {err}") from err
        if response.status_code == 404 and missing_ok:
            return response
        if response.status_code in (400, 422):
            raise QueryError(response.text.strip() or f"{url}: bad request")
        if response.status_code in (503, 504) and timeout is not None:
            raise QueryTimeout(response.text.strip() or f"{url}: timed out")
        if response.status_code >= 400:
            raise StoreUnavailable(f"{url}: HTTP {response.status_code} {response.text.strip()[:200]}")
        return response


def _graph_param(graph: str | None) -> dict:
    if graph is None:
        return {"default": ""}
    pyoxigraph.NamedNode(graph)   # refuses what is not an IRI before it reaches a URL
    return {"graph": graph}


def _ntriples(triples: Iterable[pyoxigraph.Triple]) -> bytes:
    return pyoxigraph.serialize(list(triples), format=pyoxigraph.RdfFormat.N_TRIPLES) or b""


def _outcome(response: httpx.Response, max_rows: int | None) -> QueryOutcome:
    content_type = response.headers.get("content-type", "").split(";")[0].strip()
    if content_type == "application/sparql-results+json":
        results = pyoxigraph.parse_query_results(response.content, format=pyoxigraph.QueryResultsFormat.JSON)
    else:
        fmt = pyoxigraph.RdfFormat.from_media_type(content_type) or pyoxigraph.RdfFormat.N_TRIPLES
        results = pyoxigraph.parse(response.content, format=fmt)
    return outcome_from_results(results, max_rows)
