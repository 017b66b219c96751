"""Throwaway in-memory Store for the API tests until policykg.graph.store lands."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import pyoxigraph as ox

from policykg.api.sparql import QueryError, QueryTimeout, ResultTooLarge


@dataclass
class QueryOutcome:
    kind: str
    variables: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    boolean: bool | None = None
    triples: list = field(default_factory=list)


def _graph(name):
    return ox.DefaultGraph() if name is None else ox.NamedNode(name)


class MemStore:
    def __init__(self):
        self.inner = ox.Store()

    def query(self, sparql, *, bindings=None, default_graph=None, named_graphs=None, timeout=None, max_rows=None):
        kwargs = {}
        if default_graph is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph]
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        if bindings:
            kwargs["substitutions"] = {ox.Variable(k): v for k, v in bindings.items()}
        try:
            result = self.inner.query(sparql, **kwargs)
        except SyntaxError as err:
            raise QueryError(str(err)) from err
        deadline = time.monotonic() + timeout if timeout else None
        if isinstance(result, ox.QueryBoolean):
            return QueryOutcome("ask", boolean=bool(result))
        out = []
        for item in result:
            if deadline and time.monotonic() > deadline:
                raise QueryTimeout("time limit")
            if max_rows is not None and len(out) >= max_rows:
                raise ResultTooLarge("too many")
            out.append(item)
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            rows = [{n: s[n] for n in names if s[n] is not None} for s in out]
            return QueryOutcome("select", variables=names, rows=rows)
        return QueryOutcome("graph", triples=out)

    def update(self, sparql):
        try:
            self.inner.update(sparql)
        except SyntaxError as err:
            raise QueryError(str(err)) from err

    def replace_graph(self, graph, triples):
        self.delete_graph(graph)
        self.add_to_graph(graph, triples)

    def get_graph(self, graph):
        return [q.triple for q in self.inner.quads_for_pattern(None, None, None, _graph(graph))]

    def add_to_graph(self, graph, triples):
        g = _graph(graph)
        self.inner.extend([ox.Quad(t.subject, t.predicate, t.object, g) for t in triples])

    def delete_graph(self, graph):
        if graph is None:
            self.inner.clear_graph(ox.DefaultGraph())
            return True
        g = ox.NamedNode(graph)
        if not self.inner.contains_named_graph(g):
            return False
        self.inner.remove_graph(g)
        return True

    def graph_names(self):
        return sorted(g.value for g in self.inner.named_graphs() if isinstance(g, ox.NamedNode))

    def close(self):
        pass
