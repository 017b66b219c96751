"""Virtuoso (7.2) as a RemoteStore: what it does differently from SPARQL 1.1, and how the
store copes (graph/store_remote.py uses this when `server_kind="virtuoso"`)."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import httpx
import pyoxigraph

from policykg.graph.store import QueryError, QueryOutcome, QueryTimeout, ResultTooLarge, StoreUnavailable
from policykg.graph.store_remote import _accept, _iri, _ntriples, _outcome

if TYPE_CHECKING:
    from policykg.graph.store_remote import RemoteStore


class VirtuosoDialect:
    """What Virtuoso (7.2) does differently from SPARQL 1.1, and how the store copes.

    - No default graph of its own: the store's default graph is the named graph DEFAULT_GRAPH,
      given to updates as their default graph and hidden from `GRAPH ?g` and graph_names.
    - Its union default graph includes its own system graphs (RDF views, LDP vocabulary, the
      service description): queries exclude them with `define input:…-graph-exclude`.
    - `GRAPH ?g {}` answers one empty row, so graph names come from `GRAPH ?g { ?s ?p ?o }`
      (empty named graphs do not exist in Virtuoso), grouped: DISTINCT takes seconds there.
    - With CaseMode other than 2 it answers ASK as a one-row table `__ASK_RETVAL`: read as ASK.
    - It ignores q-values in Accept (a CONSTRUCT asked for "JSON, N-Triples;q=0.9" comes back
      as a non-standard JSON table): each query asks for one type, by its form.
    - INSERT DATA of more than ~1,500 triples fails ("generated SQL text has exceeded 10000
      lines"), and one request is no transaction: writes go in chunks of CHUNK triples into a
      staging graph that is then MOVEd over the target, so a failed write leaves the old graph
      in place (while it is written, the staging graph is part of the union default graph).
    - INSERT DATA refuses xsd:duration literals (openlink/virtuoso-opensource#224) and stores
      durations as a number (months, or seconds: "P5Y" comes back "60"): they are written
      through STRDT and read back in XSD canonical form ("P5Y"); the days of a mixed
      duration like "P1Y3D" are lost in Virtuoso.
    - A query past its `timeout` answers 200 with partial results and `X-SQL-State: S1TAT`:
      that is a QueryTimeout. Results are cut at the server's ResultSetMaxRows: a SELECT says
      so in `X-SPARQL-MaxRows` (ResultTooLarge), a CONSTRUCT does not (get_graph counts).
    """
    DEFAULT_GRAPH = "urn:x-policykg:default-graph"
    STAGING = "urn:x-policykg:staging:"
    SYSTEM_GRAPHS = ("http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#")
    CHUNK = 500

    def __init__(self, store: "RemoteStore"):
        self.store = store
        self._system: list[str] | None = None

    # --- text ------------------------------------------------------------------------------
    def system_graphs(self) -> list[str]:
        """The built-in graphs plus the service description's graph (named after the host)."""
        if self._system is None:
            found = self._select("SELECT ?g WHERE { GRAPH ?g { ?s a "
                                 "<http://www.w3.org/ns/sparql-service-description#Service> } } GROUP BY ?g")
            self._system = sorted(set(self.SYSTEM_GRAPHS) | {row["g"].value for row in found if "g" in row})
        return self._system

    def query_text(self, text: str, default_graph, named_graphs, union: str) -> str:
        defines = []
        if default_graph is None and union == "native":
            defines += [f"define input:default-graph-exclude <{g}>" for g in self.system_graphs()]
        if named_graphs is None:
            defines += [f"define input:named-graph-exclude <{g}>"
                        for g in [*self.system_graphs(), self.DEFAULT_GRAPH]]
        return " ".join([*defines, text])     # on the first line: the server's line numbers hold

    def update_text(self, text: str) -> str:
        return f"define input:default-graph-uri <{self.DEFAULT_GRAPH}> {text}"

    def outcome(self, outcome: QueryOutcome, response: httpx.Response) -> QueryOutcome:
        cap = response.headers.get("x-sparql-maxrows", "")
        if cap.isdigit() and len(outcome.rows) >= int(cap):
            raise ResultTooLarge(f"more than {cap} results (the server's ResultSetMaxRows)")
        if outcome.kind == "select" and list(outcome.variables) == ["__ASK_RETVAL"]:
            # An ASK answered as a one-row table (Virtuoso with CaseMode other than 2).
            return QueryOutcome("ask", boolean=any(r["__ASK_RETVAL"].value not in ("0", "false")
                                                   for r in outcome.rows if "__ASK_RETVAL" in r))
        if outcome.kind == "select":
            outcome.rows = [{k: _from_virtuoso(v) for k, v in row.items()} for row in outcome.rows]
        elif outcome.kind == "graph":
            outcome.triples = [_triple_from_virtuoso(t) for t in outcome.triples]
        return outcome

    def check(self, response: httpx.Response) -> None:
        state = response.headers.get("x-sql-state", "")
        if state.startswith("S1T"):
            raise QueryTimeout(response.headers.get("x-sql-message", "").strip() or "query timed out")
        if response.status_code == 500:
            # "Virtuoso 22023 Error SR553: …": the SQL state says whose problem it is.
            match = re.match(r"Virtuoso (\w+) Error", response.text)
            if match and match.group(1).startswith("S1T"):
                raise QueryTimeout(response.text.strip())
            if match and not match.group(1).startswith(("42", "28", "08")):   # not rights, not connection
                raise QueryError(response.text.strip())

    # --- graphs ----------------------------------------------------------------------------
    def graph_names(self) -> list[str]:
        hidden = {*self.system_graphs(), self.DEFAULT_GRAPH}
        rows = self._select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return sorted(g for g in (row["g"].value for row in rows if isinstance(row.get("g"), pyoxigraph.NamedNode))
                      if g not in hidden and not g.startswith(self.STAGING))

    def get_graph(self, graph: str | None) -> list[pyoxigraph.Triple]:
        name = _iri(graph or self.DEFAULT_GRAPH)
        triples = self._run(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {name} {{ ?s ?p ?o }} }}").triples
        count = int(self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {name} {{ ?s ?p ?o }} }}")[0]["n"].value)
        if len(triples) < count:
            raise StoreUnavailable(f"{graph}: Virtuoso sent {len(triples)} of {count} triples "
                                   "(raise ResultSetMaxRows in its virtuoso.ini)")
        return triples

    def replace_graph(self, graph: str, triples: list[pyoxigraph.Triple]) -> None:
        target = _iri(graph)
        if not triples:
            self._update(f"DROP SILENT GRAPH {target}")
            return
        staging = _iri(self.STAGING + graph)
        self._update(f"DROP SILENT GRAPH {staging}")
        try:
            self._insert(staging, triples)
            self._update(f"MOVE SILENT GRAPH {staging} TO {target}")
        except BaseException:
            try:
                self._update(f"DROP SILENT GRAPH {staging}")
            except (QueryError, StoreUnavailable):
                pass
            raise

    def add_to_graph(self, graph: str | None, triples: list[pyoxigraph.Triple]) -> None:
        self._insert(_iri(graph or self.DEFAULT_GRAPH), triples)

    def delete_graph(self, graph: str | None) -> bool:
        name = _iri(graph or self.DEFAULT_GRAPH)
        existed = self._run(f"ASK {{ GRAPH {name} {{ ?s ?p ?o }} }}").boolean
        self._update(f"DROP SILENT GRAPH {name}")
        return bool(existed)

    # --- plumbing --------------------------------------------------------------------------
    def _insert(self, graph: str, triples: list[pyoxigraph.Triple]) -> None:
        durations = [t for t in triples if _is_duration(t.object)]
        plain = [t for t in triples if not _is_duration(t.object)]
        for chunk in _chunks(plain, self.CHUNK):
            body = _ntriples(chunk).decode("utf-8")
            self._update(f"INSERT DATA {{ GRAPH {graph} {{\n{body}}} }}")
        for chunk in _chunks(durations, self.CHUNK):
            template = " ".join(f"{t.subject} {t.predicate} ?d{i} ." for i, t in enumerate(chunk))
            binds = " ".join(f"BIND(STRDT({pyoxigraph.Literal(t.object.value)}, <{_DURATION}>) AS ?d{i})"
                             for i, t in enumerate(chunk))
            self._update(f"INSERT {{ GRAPH {graph} {{ {template} }} }} WHERE {{ {binds} }}")

    def _update(self, sparql: str) -> None:
        self.store._send("POST", self.store.update_url, None, data={"update": sparql})

    def _run(self, sparql: str) -> QueryOutcome:
        """A query of the store's own (no dataset pragmas, no union)."""
        response = self.store._send("POST", self.store.query_url, None, data={"query": sparql},
                                    headers={"Accept": _accept(sparql)})
        return self.outcome(_outcome(response, None), response)

    def _select(self, sparql: str) -> list[dict]:
        return self._run(sparql).rows


_DURATION = "http://www.w3.org/2001/XMLSchema#duration"


def _is_duration(term) -> bool:
    return isinstance(term, pyoxigraph.Literal) and term.datatype.value == _DURATION


def _from_virtuoso(term):
    """Virtuoso's numeric xsd:duration ("60": months; "864000.0": seconds) in XSD canonical form."""
    if not _is_duration(term) or term.value.lstrip("-")[:1] == "P":
        return term
    text = term.value
    sign, number = ("-", text[1:]) if text.startswith("-") else ("", text)
    if re.fullmatch(r"\d+", number):
        years, months = divmod(int(number), 12)
        lexical = "".join(f"{n}{unit}" for n, unit in ((years, "Y"), (months, "M")) if n) or "0M"
    elif re.fullmatch(r"\d+\.\d*", number):
        whole, fraction = number.split(".")
        days, rest = divmod(int(whole), 86400)
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        fraction = fraction.rstrip("0")
        secs = f"{seconds}.{fraction}" if fraction else str(seconds)
        time = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M")) if n) + (f"{secs}S" if secs != "0" else "")
        lexical = (f"{days}D" if days else "") + (f"T{time}" if time else "")
        lexical = lexical or "T0S"
    else:
        return term
    if lexical in ("0M", "T0S"):
        sign, lexical = "", "T0S"
    return pyoxigraph.Literal(f"{sign}P{lexical}", datatype=pyoxigraph.NamedNode(_DURATION))


def _triple_from_virtuoso(triple: pyoxigraph.Triple) -> pyoxigraph.Triple:
    if not _is_duration(triple.object):
        return triple
    return pyoxigraph.Triple(triple.subject, triple.predicate, _from_virtuoso(triple.object))


def _chunks(triples: list[pyoxigraph.Triple], size: int) -> list[list[pyoxigraph.Triple]]:
    """Chunks of `size` triples; triples with blank nodes all in one chunk, since a blank
    node keeps its identity only within one request."""
    anonymous = [t for t in triples if _has_blank(t)]
    named = [t for t in triples if not _has_blank(t)]
    chunks = [named[i:i + size] for i in range(0, len(named), size)]
    return chunks + [anonymous] if anonymous else chunks


def _has_blank(triple: pyoxigraph.Triple) -> bool:
    return isinstance(triple.subject, pyoxigraph.BlankNode) or isinstance(triple.object, pyoxigraph.BlankNode)
