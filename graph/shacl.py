"""The fast SHACL gate: a document's triples checked against the compiled shapes.

Same verdict as pyshacl with RDFS inference over the ontology (graph/validate.py keeps that
as the reference; tests/test_shacl.py compares the two on the corpus and on broken graphs), in
milliseconds instead of seconds: the data are indexed once, the RDFS entailments the shapes can
see (rdf:type from subclasses, domains and ranges; triples of super-properties) are added in
Python, and each shape walks the index. SHACL-SPARQL constraints run in Oxigraph over only the
predicates their query reads.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import pyoxigraph
from pyoxigraph import BlankNode, Literal, NamedNode

from policykg.graph.namespaces import RDF, RDFS, XSD
from policykg.graph.shacl_shapes import Shape, SparqlConstraint, load_shapes

TYPE = NamedNode(RDF + "type")
LANG_STRING = RDF + "langString"
LEXICAL = {  # lexical forms of the datatypes the shapes name: an ill-formed literal violates
    XSD + "integer": re.compile(r"[+-]?\d+\Z"),
    XSD + "decimal": re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)\Z"),
    XSD + "date": re.compile(r"-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(Z|[+-]\d{2}:\d{2})?\Z"),
    XSD + "gYear": re.compile(r"-?\d{4,}(Z|[+-]\d{2}:\d{2})?\Z"),
    XSD + "duration": re.compile(r"-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?\Z"),
}
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long",
                             "nonNegativeInteger", "positiveInteger")}


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str
    component: str
    value: str
    message: str

    def line(self) -> str:
        return f"{self.component} on {self.focus} {self.path}: {self.message} ({self.value})".replace("  ", " ")


def validate(triples) -> tuple[bool, str]:
    """(conforms, report text): the interface of graph/validate.validate, fast."""
    violations = check(triples)
    return not violations, "\n".join(f"Message: {v.line()}" for v in violations[:50])


def check(triples) -> list[Violation]:
    data = _Data(triples)
    out: list[Violation] = []
    for shape in load_shapes():
        for focus in data.targets(shape):
            out += _check_node(data, shape, focus)
    return out


# --- the data graph with its RDFS entailments ------------------------------------------------
@lru_cache(maxsize=1)
def _ontology():
    """(superclasses of each class, super-properties, domains, ranges, types of ontology nodes)."""
    from policykg.graph.validate import ontology_text
    triples = [q.triple for q in pyoxigraph.parse(ontology_text(), format=pyoxigraph.RdfFormat.TURTLE)]
    sub_class = _closure(triples, RDFS + "subClassOf")
    sub_property = _closure(triples, RDFS + "subPropertyOf")
    domains, ranges, types = {}, {}, {}
    for t in triples:
        if t.predicate.value == RDFS + "domain":
            domains.setdefault(t.subject, set()).add(t.object)
        elif t.predicate.value == RDFS + "range":
            ranges.setdefault(t.subject, set()).add(t.object)
        elif t.predicate == TYPE:
            types.setdefault(t.subject, set()).add(t.object)
    return sub_class, sub_property, domains, ranges, types


def _closure(triples, predicate: str) -> dict:
    """Each node -> itself and everything above it through `predicate` (reflexive, transitive)."""
    up: dict = {}
    for t in triples:
        if t.predicate.value == predicate:
            up.setdefault(t.subject, set()).add(t.object)
    out: dict = {}
    for node in up:
        seen, todo = {node}, [node]
        while todo:
            for parent in up.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        out[node] = seen
    return out


@lru_cache(maxsize=4096)
def _effects(predicate: NamedNode) -> tuple[tuple[str, ...], frozenset, frozenset]:
    """What one triple with this predicate entails: the predicate IRIs it counts under (itself
    and its super-properties), the classes of its subject (domains) and object (ranges)."""
    _, sub_property, domains, ranges, _ = _ontology()
    supers = sub_property.get(predicate, {predicate})
    domain = frozenset(c for q in supers for c in domains.get(q, ()))
    range_ = frozenset(c for q in supers for c in ranges.get(q, ()))
    return tuple(q.value for q in supers), domain, range_


@lru_cache(maxsize=1)
def _subclasses() -> dict:
    """Each class -> itself and every class below it (the instances of C are those of these)."""
    out: dict = {}
    for cls, supers in _ontology()[0].items():
        for parent in supers:
            out.setdefault(parent, {parent}).add(cls)
    return out


@lru_cache(maxsize=1)
def _target_predicates() -> frozenset[str]:
    return frozenset(p.value for shape in load_shapes() for p in shape.target_subjects_of)


class _Data:
    """Index subject -> predicate IRI -> objects, entailed types per node, the raw triples."""

    def __init__(self, triples):
        onto_types = _ontology()[4]
        watched = _target_predicates()
        self.out: dict = {}
        self.subjects_of: dict[str, list] = {}
        asserted: dict = {}
        for t in triples:
            s, p, o = t.subject, t.predicate, t.object
            names, domain, range_ = _effects(p)
            by_predicate = self.out.get(s)
            if by_predicate is None:
                by_predicate = self.out[s] = {}
            for name in names:
                by_predicate.setdefault(name, []).append(o)
                if name in watched:
                    self.subjects_of.setdefault(name, []).append(s)
            if domain:
                asserted.setdefault(s, set()).update(domain)
            if range_ and not isinstance(o, Literal):
                asserted.setdefault(o, set()).update(range_)
            if p == TYPE:
                asserted.setdefault(s, set()).add(o)
        for node, classes in onto_types.items():
            asserted.setdefault(node, set()).update(classes)
        self.asserted = asserted
        self.by_class: dict = {}
        for node, classes in asserted.items():
            for cls in classes:
                self.by_class.setdefault(cls, []).append(node)
        self.sparql_rows: dict = {}
        self.conforming: dict = {}

    def targets(self, shape: Shape) -> list:
        nodes = [n for target in shape.target_classes for cls in _subclasses().get(target, (target,))
                 for n in self.by_class.get(cls, ())]
        nodes += [n for p in shape.target_subjects_of for n in self.subjects_of.get(p.value, ())]
        return list(dict.fromkeys(nodes))

    def values(self, focus, path) -> list:
        nodes = [focus]
        for step in path:
            nodes = [o for n in nodes for o in self.out.get(n, {}).get(step.value, ())]
        return list(dict.fromkeys(nodes))

    def is_instance(self, node, cls) -> bool:
        return not self.asserted.get(node, set()).isdisjoint(_subclasses().get(cls, (cls,)))

    def entailed_types(self):
        sub_class = _ontology()[0]
        for node, classes in self.asserted.items():
            for cls in set().union(*(sub_class.get(c, {c}) for c in classes)):
                yield node, cls


# --- constraint components --------------------------------------------------------------------
def _check_node(data: _Data, shape: Shape, focus) -> list[Violation]:
    return list(_violations(data, shape, focus))


def _violations(data: _Data, shape: Shape, focus):
    """Violations of `shape` with `focus` as its focus node (a property shape walks its path),
    lazily: `conforms` stops at the first."""
    values = data.values(focus, shape.path) if shape.path else [focus]
    if shape.path:
        for component, message in _counts(data, shape, values):
            yield _violation(shape, focus, component, None, message)
    for component, test in _value_tests(shape):
        for value in values:
            if not test(data, value):
                yield _violation(shape, focus, component, value, f"value fails sh:{component}")
    for prop in shape.properties:
        yield from _violations(data, prop, focus)
    for constraint in shape.sparql:
        yield from _run_sparql(data, shape, constraint, focus)


def conforms(data: _Data, shape: Shape, focus) -> bool:
    """Whether `focus` conforms to a shape used inside another (sh:node, sh:or, qualified):
    memoised, because every fact's span is checked against pks:Span from its owner too."""
    key = (id(shape), focus)
    if key not in data.conforming:
        data.conforming[key] = next(_violations(data, shape, focus), None) is None
    return data.conforming[key]


def _counts(data: _Data, shape: Shape, values: list):
    if shape.min_count is not None and len(values) < shape.min_count:
        yield "minCount", f"fewer than {shape.min_count} values"
    if shape.max_count is not None and len(values) > shape.max_count:
        yield "maxCount", f"more than {shape.max_count} values"
    if shape.has_value is not None and shape.has_value not in values:
        yield "hasValue", f"no value {shape.has_value}"
    if shape.unique_lang:
        langs = [v.language for v in values if isinstance(v, Literal) and v.language]
        if len(langs) != len(set(langs)):
            yield "uniqueLang", "two values share a language tag"
    if shape.qualified is not None:
        sub, minimum = shape.qualified
        if sum(conforms(data, sub, v) for v in values) < minimum:
            yield "qualifiedMinCount", f"fewer than {minimum} values conform to the qualified shape"


_TESTS: dict[int, tuple] = {}


def _value_tests(shape: Shape) -> tuple:
    """(component, test(data, value) -> ok) for each value-level constraint of the shape, built
    once per shape so that checking a value runs only the constraints it has."""
    tests = _TESTS.get(id(shape))
    if tests is None:
        tests = _TESTS[id(shape)] = tuple(_build_tests(shape))
    return tests


def _build_tests(shape: Shape):
    for cls in shape.classes:
        yield "class", lambda data, v, cls=cls: data.is_instance(v, cls)
    if shape.datatype is not None:
        yield "datatype", lambda data, v, dt=shape.datatype.value: _has_datatype(v, dt)
    if shape.language_in is not None:
        yield "languageIn", lambda data, v, ranges=shape.language_in: _language_in(v, ranges)
    for sub in shape.nodes:
        yield "node", lambda data, v, sub=sub: conforms(data, sub, v)
    if shape.in_values is not None:
        yield "in", lambda data, v, allowed=shape.in_values: v in allowed
    if shape.pattern is not None:
        yield "pattern", lambda data, v, rx=shape.pattern: not isinstance(v, BlankNode) and bool(rx.search(v.value))
    if shape.any_of:
        yield "or", lambda data, v, subs=shape.any_of: any(conforms(data, sub, v) for sub in subs)
    if shape.node_kind_iri:
        yield "nodeKind", lambda data, v: isinstance(v, NamedNode)
    if shape.min_inclusive is not None:
        yield "minInclusive", lambda data, v, low=shape.min_inclusive: _at_least(v, low)


def _has_datatype(value, datatype: str) -> bool:
    if not isinstance(value, Literal):
        return False
    actual = LANG_STRING if value.language else value.datatype.value
    lexical = LEXICAL.get(datatype)
    return actual == datatype and (lexical is None or bool(lexical.match(value.value)))


def _language_in(value, ranges: tuple[str, ...]) -> bool:
    """SHACL languageIn: a language tag matching one of the ranges (RFC 4647 basic filtering)."""
    if not isinstance(value, Literal) or not value.language:
        return False
    tag = value.language.lower()
    return any(tag == r or tag.startswith(r + "-") or r == "*" for r in ranges)


def _at_least(value, minimum: Decimal) -> bool:
    if not isinstance(value, Literal) or value.datatype.value not in NUMERIC:
        return False
    try:
        return Decimal(value.value) >= minimum
    except InvalidOperation:
        return False


def _violation(shape: Shape, focus, component: str, value, message: str) -> Violation:
    path = " / ".join(step.value for step in shape.path)
    return Violation(str(focus), path, f"sh:{component}", "" if value is None else str(value), message)


# --- SHACL-SPARQL --------------------------------------------------------------------------
def _run_sparql(data: _Data, shape: Shape, constraint: SparqlConstraint, focus):
    for this, value in _sparql_rows(data, constraint).get(focus, ()):
        yield Violation(str(focus), "", "sh:sparql", str(value) if value is not None else "", constraint.message)


def _sparql_rows(data: _Data, constraint: SparqlConstraint) -> dict:
    """The constraint's solutions over the whole document, once (then filtered per focus node):
    an in-memory Oxigraph store of just the triples its query can read."""
    cache = data.sparql_rows
    if constraint not in cache:
        store = pyoxigraph.Store()
        wanted = constraint.predicates
        store.extend(pyoxigraph.Quad(s, NamedNode(p), o)
                     for s, by_predicate in data.out.items() for p, objects in by_predicate.items()
                     if wanted is None or p in wanted for o in objects)
        if wanted is None or RDF + "type" in wanted:
            store.extend(pyoxigraph.Quad(n, TYPE, c) for n, c in data.entailed_types()
                         if not isinstance(n, Literal))
        solutions = store.query(constraint.select, use_default_graph_as_union=True)
        has_value = any(v.value == "value" for v in solutions.variables)
        rows: dict = {}
        for row in solutions:
            rows.setdefault(row["this"], []).append((row["this"], row["value"] if has_value else None))
        cache[constraint] = rows
    return cache[constraint]
