"""Any SPARQL 1.1 server: Protocol for query and update, Graph Store HTTP Protocol for graphs.

`server_kind` picks the URL layout and the server's dialect:

- "oxigraph" (default): `/query`, `/update`, `/store` under one base.
- "virtuoso": query and update at `/sparql`; graphs are written with SPARQL Update and read
  with CONSTRUCT (Virtuoso's Graph Store at /sparql-graph-crud wants credentials for writes),
  and Virtuoso's quirks are smoothed over — see graph/store_virtuoso.py.

`update_url` and `graph_store_url` override the layout (Fuseki, GraphDB, Virtuoso with
/sparql-graph-crud-auth).
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping, Sequence

import httpx
import pyoxigraph

from policykg.graph.store import (
    SERVER_KINDS, QueryError, QueryOutcome, QueryTimeout, StoreUnavailable,
    outcome_from_results,
)
from policykg.graph.sparql_text import with_values

_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
_RESULTS = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
_GRAPH_NAMES = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"

# How the server is asked for "default graph = union of all graphs":
#   "oxigraph": its `union-default-graph` query parameter;
#   "native":   nothing, the server already does it (Virtuoso, GraphDB, Fuseki unionDefaultGraph);
#   "list":     every named graph sent as a default-graph-uri (portable, slower).
UNION_MODES = ("oxigraph", "native", "list")


class RemoteStore:
    def __init__(self, endpoint: str, *, server_kind: str = "oxigraph", update_url: str | None = None,
                 graph_store_url: str | None = None, union: str | None = None,
                 auth: tuple[str, str] | None = None, http_timeout: float = 60.0):
        if server_kind not in SERVER_KINDS:
            raise ValueError(f"server_kind must be one of {SERVER_KINDS}")
        virtuoso = server_kind == "virtuoso"
        union = union or ("native" if virtuoso else "oxigraph")
        if union not in UNION_MODES:
            raise ValueError(f"union must be one of {UNION_MODES}")
        base = endpoint.rstrip("/")
        for suffix in ("/query", "/sparql"):
            if base.endswith(suffix):
                base = base[: -len(suffix)]
        query_path = "/sparql" if virtuoso else "/query"
        self.query_url = endpoint if endpoint.rstrip("/") != base else base + query_path
        if virtuoso:
            self.update_url = update_url or self.query_url
            self.graph_store_url = graph_store_url          # None: graphs through SPARQL
        else:
            self.update_url = update_url or base + "/update"
            self.graph_store_url = graph_store_url or base + "/store"
        self.union = union
        self.server_kind = server_kind
        self._http = httpx.Client(auth=auth, timeout=http_timeout)
        if virtuoso:
            from policykg.graph.store_virtuoso import VirtuosoDialect   # it imports this module
            self._dialect = VirtuosoDialect(self)
        else:
            self._dialect = None

    # --- SPARQL --------------------------------------------------------------------------
    def query(self, sparql: str, *, bindings: Mapping[str, pyoxigraph.Term] | None = None,
              default_graph: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None,
              timeout: float | None = None, max_rows: int | None = None, render=None) -> QueryOutcome:
        outcome = self._query(sparql, bindings, default_graph, named_graphs, timeout, max_rows)
        return render(outcome) if render else outcome

    def _query(self, sparql, bindings, default_graph, named_graphs, timeout, max_rows) -> QueryOutcome:
        text = with_values(sparql, bindings or {})
        form = {}
        params = {}
        if default_graph is not None:
            form["default-graph-uri"] = list(default_graph)
        elif self.union == "oxigraph":
            params["union-default-graph"] = ""
        elif self.union == "list":
            form["default-graph-uri"] = self.graph_names()
        if named_graphs is not None:
            form["named-graph-uri"] = list(named_graphs)
        if self._dialect:
            text = self._dialect.query_text(text, default_graph, named_graphs, self.union)
            if timeout is not None:
                form["timeout"] = str(max(1, round(timeout * 1000)))
        form["query"] = text
        accept = _accept(sparql) if self._dialect else _ACCEPT
        response = self._send("POST", self.query_url, timeout, params=params, data=form,
                              headers={"Accept": accept})
        outcome = _outcome(response, max_rows)
        return self._dialect.outcome(outcome, response) if self._dialect else outcome

    def update(self, sparql: str) -> None:
        if self._dialect:
            sparql = self._dialect.update_text(sparql)
        self._send("POST", self.update_url, None, data={"update": sparql})

    # --- graphs (Graph Store HTTP Protocol, or SPARQL where the server has none) ----------
    def replace_graph(self, graph: str, triples: Iterable[pyoxigraph.Triple]) -> None:
        if self.graph_store_url is None:
            return self._dialect.replace_graph(graph, list(triples))
        # PUT replaces the graph in one request; the server applies it as one transaction.
        self._send("PUT", self.graph_store_url, None, params=_graph_param(graph),
                   content=_ntriples(triples), headers={"Content-Type": _NTRIPLES})

    def get_graph(self, graph: str | None) -> list[pyoxigraph.Triple]:
        if self.graph_store_url is None:
            return self._dialect.get_graph(graph)
        response = self._send("GET", self.graph_store_url, None, params=_graph_param(graph),
                              headers={"Accept": _NTRIPLES}, missing_ok=True)
        if response.status_code == 404:
            return []
        return [q.triple for q in pyoxigraph.parse(response.content, format=pyoxigraph.RdfFormat.N_TRIPLES)]

    def add_to_graph(self, graph: str | None, triples: Iterable[pyoxigraph.Triple]) -> None:
        if self.graph_store_url is None:
            return self._dialect.add_to_graph(graph, list(triples))
        self._send("POST", self.graph_store_url, None, params=_graph_param(graph),
                   content=_ntriples(triples), headers={"Content-Type": _NTRIPLES})

    def delete_graph(self, graph: str | None) -> bool:
        if self.graph_store_url is None:
            return self._dialect.delete_graph(graph)
        if graph is None:
            existed = bool(self.get_graph(None))
            self.update("CLEAR SILENT DEFAULT")
            return existed
        response = self._send("DELETE", self.graph_store_url, None, params=_graph_param(graph),
                              missing_ok=True)
        return response.status_code != 404

    def graph_names(self) -> list[str]:
        if self._dialect:
            return self._dialect.graph_names()
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
        if self._dialect:
            self._dialect.check(response)
        if response.status_code == 404 and missing_ok:
            return response
        if response.status_code in (400, 422):
            raise QueryError(response.text.strip() or f"{url}: bad request")
        if response.status_code in (503, 504) and timeout is not None:
            raise QueryTimeout(response.text.strip() or f"{url}: timed out")
        if response.status_code >= 400:
            raise StoreUnavailable(f"{url}: HTTP {response.status_code} {response.text.strip()[:200]}")
        return response


def _iri(graph: str) -> str:
    return str(pyoxigraph.NamedNode(graph))   # refuses what is not an IRI before it reaches the text


# A query's form after its prologue (comments, BASE, PREFIX, Virtuoso `define`s).
_PROLOGUE = re.compile(r"""(?:\s+|\#[^\n]*|BASE\s*<[^>]*>|PREFIX\s*[^\s:]*:\s*<[^>]*>
                           |define\s+\S+\s+(?:<[^>]*>|"[^"]*"|'[^']*'|\S+))*""", re.IGNORECASE | re.VERBOSE)
_FORM = re.compile(r"(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


def _accept(sparql: str) -> str:
    """One media type for the query's form; both, by preference, when the form is unclear."""
    form = _FORM.match(sparql, _PROLOGUE.match(sparql).end())
    if form is None:
        return _ACCEPT
    return _NTRIPLES if form.group(1).upper() in ("CONSTRUCT", "DESCRIBE") else _RESULTS


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
