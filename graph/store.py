"""One store interface for the graph stage, embedded (pyoxigraph) or remote (SPARQL 1.1 server).

Everything above this module (CLI, API, named questions) talks to `Store` only, so a user who
outgrows one machine points policykg at another SPARQL server with `open_store(endpoint=...)`.

The default dataset of a query is the union of all named graphs plus the default graph: every
document lives in its own named graph, and questions span documents.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence

import pyoxigraph

DEFAULT_PATH = "./data"
SERVER_KINDS = ("oxigraph", "virtuoso")   # remote layouts and dialects (graph/store_remote.py)


@dataclass
class QueryOutcome:
    kind: str                                             # "select" | "ask" | "graph"
    variables: list[str] = ()                             # select only
    rows: list[dict[str, pyoxigraph.Term]] = ()           # select only; unbound variables absent
    boolean: bool | None = None                           # ask only
    triples: list[pyoxigraph.Triple] = ()                 # construct/describe only


class QueryError(Exception):
    """Syntax or evaluation error; the message is the parser's or the server's."""


class QueryTimeout(QueryError):
    """The query ran past its time limit and was stopped."""


class ResultTooLarge(QueryError):
    """The query returned more rows (or triples) than max_rows."""


class StoreUnavailable(Exception):
    """The store cannot be reached or opened (server down, directory locked by another process)."""


class Store(Protocol):
    def query(self, sparql: str, *, bindings: Mapping[str, pyoxigraph.Term] | None = None,
              default_graph: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None,
              timeout: float | None = None, max_rows: int | None = None,
              render: Callable[[QueryOutcome], Any] | None = None) -> QueryOutcome: ...
    # `render(outcome)`, when given, is what the query returns: a server has its answer
    # serialised where the query ran (a worker process of the embedded store), not in its own
    # process. It must pickle (a module-level function, or a partial of one).

    def update(self, sparql: str) -> None: ...

    def replace_graph(self, graph: str, triples: Iterable[pyoxigraph.Triple]) -> None: ...

    def get_graph(self, graph: str | None) -> list[pyoxigraph.Triple]: ...

    def add_to_graph(self, graph: str | None, triples: Iterable[pyoxigraph.Triple]) -> None: ...

    def delete_graph(self, graph: str | None) -> bool: ...

    def graph_names(self) -> list[str]: ...

    def close(self) -> None: ...


def open_store(path: str | None = None, endpoint: str | None = None, *, read_only: bool = False,
               query_workers: int = 0, **options) -> Store:
    """A remote store when `endpoint` is given, else the embedded store at `path`.

    `open_store()` alone is an in-memory store (tests); the CLI passes DEFAULT_PATH explicitly.
    `query_workers`: warm worker processes for the embedded store's timed queries (a server).
    Remote options (server_kind, update_url, graph_store_url, union, auth) go to RemoteStore.
    """
    if endpoint:
        from policykg.graph.store_remote import RemoteStore
        return RemoteStore(endpoint, **options)
    from policykg.graph.store_embedded import EmbeddedStore
    return EmbeddedStore(path, read_only=read_only, query_workers=query_workers)


def outcome_from_results(results, max_rows: int | None) -> QueryOutcome:
    """QueryOutcome from pyoxigraph results (a store's or parsed from a server's answer)."""
    if isinstance(results, pyoxigraph.QueryBoolean):
        return QueryOutcome("ask", boolean=bool(results))
    if isinstance(results, pyoxigraph.QuerySolutions):
        names = [v.value for v in results.variables]
        rows = [_row(solution, names) for solution in _capped(results, max_rows)]
        return QueryOutcome("select", variables=names, rows=rows)
    return QueryOutcome("graph", triples=list(_capped(results, max_rows)))


def _row(solution, names: list[str]) -> dict:
    return {name: solution[name] for name in names if solution[name] is not None}


def _capped(items, max_rows: int | None):
    for count, item in enumerate(items, 1):
        if max_rows is not None and count > max_rows:
            raise ResultTooLarge(f"more than {max_rows} results")
        yield _as_triple(item)


def _as_triple(item):
    # Parsers yield Quads in the default graph for N-Triples; callers want Triples.
    if isinstance(item, pyoxigraph.Quad):
        return item.triple
    return item
