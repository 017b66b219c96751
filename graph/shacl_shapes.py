"""ontology/shapes.ttl compiled into plain records for the fast SHACL gate (graph/shacl.py).

Only the SHACL Core components the shapes use are compiled; a shape that uses any other
component is refused when the shapes load (`UnsupportedShape`), so a new kind of constraint can
never be silently skipped by the fast gate: implement it here and in graph/shacl.py, and the
differential test against pyshacl (tests/test_shacl.py) checks the two agree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

import pyoxigraph
from pyoxigraph import BlankNode, Literal, NamedNode

from policykg import data_path
from policykg.graph.namespaces import RDF, SH

Term = NamedNode | BlankNode | Literal
SH_PARAMETERS = {  # every sh: predicate the compiler understands on a shape
    "targetClass", "targetSubjectsOf", "property", "path", "minCount", "maxCount", "class",
    "datatype", "languageIn", "node", "in", "hasValue", "uniqueLang", "pattern", "flags", "or",
    "nodeKind", "minInclusive", "qualifiedValueShape", "qualifiedMinCount", "sparql", "message",
    "name", "description", "deactivated",
}


class UnsupportedShape(ValueError):
    """The shapes use a SHACL feature the fast gate does not implement."""


@dataclass
class Shape:
    """A node shape (focus = the node) or a property shape (`path` set: focus = the values)."""
    id: Term
    path: tuple[NamedNode, ...] = ()
    target_classes: tuple[NamedNode, ...] = ()
    target_subjects_of: tuple[NamedNode, ...] = ()
    min_count: int | None = None
    max_count: int | None = None
    classes: tuple[NamedNode, ...] = ()
    datatype: NamedNode | None = None
    language_in: tuple[str, ...] | None = None
    nodes: tuple["Shape", ...] = ()
    in_values: frozenset | None = None
    has_value: Term | None = None
    unique_lang: bool = False
    pattern: re.Pattern | None = None
    any_of: tuple["Shape", ...] = ()
    node_kind_iri: bool = False
    min_inclusive: Decimal | None = None
    qualified: tuple["Shape", int] | None = None
    properties: list["Shape"] = field(default_factory=list)
    sparql: tuple["SparqlConstraint", ...] = ()


@dataclass(frozen=True)
class SparqlConstraint:
    select: str                          # `$this` already rewritten to ?this
    message: str
    predicates: frozenset[str] | None    # the only predicates it reads; None = reads anything


@lru_cache(maxsize=1)
def load_shapes() -> tuple[Shape, ...]:
    """The shapes with targets, compiled (shared sub-shapes are compiled once)."""
    text = data_path("ontology", "shapes.ttl").read_text("utf-8")
    graph = _Index([q.triple for q in pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.TURTLE)])
    compiler = _Compiler(graph)
    targets = {t.subject for t in graph.triples
               if t.predicate.value in (SH + "targetClass", SH + "targetSubjectsOf")}
    return tuple(compiler.shape(s) for s in sorted(targets, key=str))


class _Index:
    def __init__(self, triples):
        self.triples = triples
        self.out: dict = {}
        for t in triples:
            self.out.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)

    def values(self, node, predicate: str) -> list:
        return self.out.get(node, {}).get(predicate, [])

    def one(self, node, name: str):
        found = self.values(node, SH + name)
        return found[0] if found else None

    def items(self, head) -> list:
        """An RDF list's members."""
        out = []
        while head is not None and head != NamedNode(RDF + "nil"):
            out += self.values(head, RDF + "first")
            rest = self.values(head, RDF + "rest")
            head = rest[0] if rest else None
        return out


class _Compiler:
    def __init__(self, graph: _Index):
        self.g = graph
        self.done: dict = {}

    def shape(self, node) -> Shape:
        if node in self.done:
            return self.done[node]
        shape = self.done[node] = Shape(node)
        self._refuse_unknown(node)
        one, many = (lambda name: self.g.one(node, name)), (lambda name: self.g.values(node, SH + name))
        shape.path = self._path(one("path")) if one("path") is not None else ()
        shape.target_classes = tuple(many("targetClass"))
        shape.target_subjects_of = tuple(many("targetSubjectsOf"))
        shape.min_count = _int(one("minCount"))
        shape.max_count = _int(one("maxCount"))
        shape.classes = tuple(many("class"))
        shape.datatype = one("datatype")
        if one("languageIn") is not None:
            shape.language_in = tuple(x.value.lower() for x in self.g.items(one("languageIn")))
        shape.nodes = tuple(self.shape(n) for n in many("node"))
        if one("in") is not None:
            shape.in_values = frozenset(self.g.items(one("in")))
        shape.has_value = one("hasValue")
        shape.unique_lang = _bool(one("uniqueLang"))
        if one("pattern") is not None:
            shape.pattern = re.compile(one("pattern").value, _flags(one("flags")))
        shape.any_of = tuple(self.shape(n) for head in many("or") for n in self.g.items(head))
        shape.node_kind_iri = _node_kind(one("nodeKind"))
        shape.min_inclusive = Decimal(one("minInclusive").value) if one("minInclusive") is not None else None
        if one("qualifiedValueShape") is not None:
            shape.qualified = (self.shape(one("qualifiedValueShape")), _int(one("qualifiedMinCount")) or 0)
        shape.properties = [self.shape(p) for p in many("property")]
        shape.sparql = tuple(self._sparql(c) for c in many("sparql"))
        return shape

    def _refuse_unknown(self, node) -> None:
        for predicate in self.g.out.get(node, {}):
            name = predicate.removeprefix(SH)
            if predicate.startswith(SH) and name not in SH_PARAMETERS:
                raise UnsupportedShape(f"shapes.ttl: {node} uses sh:{name}, which graph/shacl.py does not implement")
        if _int(self.g.one(node, "qualifiedMaxCount")) is not None:
            raise UnsupportedShape("sh:qualifiedMaxCount is not implemented")

    def _path(self, node) -> tuple[NamedNode, ...]:
        if isinstance(node, NamedNode):
            return (node,)
        steps = self.g.items(node)
        if not steps or not all(isinstance(s, NamedNode) for s in steps):
            raise UnsupportedShape(f"shapes.ttl: only predicate and sequence paths are implemented ({node})")
        return tuple(steps)

    def _sparql(self, node) -> SparqlConstraint:
        select = self.g.one(node, "select").value
        prefixes = "".join(
            f"PREFIX {self.g.one(d, 'prefix').value}: <{self.g.one(d, 'namespace').value}>\n"
            for p in self.g.values(node, SH + "prefixes") for d in self.g.values(p, SH + "declare"))
        query = prefixes + re.sub(r"\$this\b", "?this", select)
        message = self.g.one(node, "message")
        return SparqlConstraint(query, message.value if message else "SPARQL constraint", _predicates(query))


def _predicates(query: str) -> frozenset[str] | None:
    """The IRIs in predicate position of the query's triple patterns, or None when a predicate
    is a variable or a path (then the constraint must see the whole graph)."""
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.term import URIRef
    found: set[str] = set()
    open_ended = False

    def walk(part):
        nonlocal open_ended
        if isinstance(part, dict):
            triples = part.get("triples")
            # Translated BGPs hold (s, p, o) tuples; patterns inside FILTER (NOT) EXISTS stay
            # parsed only: flat [s, p, o, s, p, o, ...] lists.
            for triple in triples if isinstance(triples, list) else ():
                for predicate in list(triple)[1::3]:
                    if isinstance(predicate, URIRef):
                        found.add(str(predicate))
                    else:
                        open_ended = True
            for value in part.values():
                walk(value)
        elif isinstance(part, (list, tuple)):
            for value in part:
                walk(value)

    walk(prepareQuery(query).algebra)
    return None if open_ended else frozenset(found)


def _int(term) -> int | None:
    return int(term.value) if term is not None else None


def _bool(term) -> bool:
    return term is not None and term.value in ("true", "1")


def _flags(term) -> int:
    table = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}
    flags = 0
    for letter in term.value if term is not None else "":
        flags |= table.get(letter, 0)
    return flags


def _node_kind(term) -> bool:
    if term is None:
        return False
    if term.value != SH + "IRI":
        raise UnsupportedShape(f"sh:nodeKind {term.value} is not implemented (only sh:IRI)")
    return True
