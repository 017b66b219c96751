"""The fast SHACL gate (graph/shacl.py) gives pyshacl's verdict (graph/validate.validate_reference):
on every corpus document, on graphs broken one constraint at a time, and on random breakages."""
import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CORPUS
from policykg.graph import shacl
from policykg.graph.mapping import document_to_triples
from policykg.graph.namespaces import OA, PKG, RDFS, SKOS, XSD
from policykg.graph.shacl_shapes import UnsupportedShape, _Compiler, _Index
from policykg.graph.validate import validate_reference
from policykg.ingest.pipeline import extract_file

SMALL = "liaocheng-biomedicine-support-measures-draft.txt"


@pytest.fixture(scope="module")
def small():
    return document_to_triples(extract_file(CORPUS / SMALL))


def both(triples) -> tuple[bool, bool]:
    return shacl.validate(triples)[0], validate_reference(triples)[0]


def first(triples, predicate: str):
    return next(t for t in triples if t.predicate.value == predicate)


def replace(triples, old, new):
    return [new if t == old else t for t in triples]


def test_every_corpus_document_conforms_for_both(corpus_documents):
    for name, doc in corpus_documents.items():
        assert both(document_to_triples(doc)) == (True, True), name


# Each case breaks one constraint component the shapes use; both checkers must refuse it.
def drop(predicate):
    return lambda ts: [t for t in ts if t != first(ts, predicate)]


def retype(predicate, value, datatype=None, language=None):
    def mutate(ts):
        t = first(ts, predicate)
        literal = ox.Literal(value, language=language) if language else ox.Literal(value, datatype=ox.NamedNode(datatype))
        return replace(ts, t, ox.Triple(t.subject, t.predicate, literal))
    return mutate


def add_value(predicate, obj):
    return lambda ts: ts + [ox.Triple(first(ts, predicate).subject, ox.NamedNode(predicate), obj)]


def repoint(predicate, obj):
    def mutate(ts):
        t = first(ts, predicate)
        return replace(ts, t, ox.Triple(t.subject, t.predicate, obj))
    return mutate


def lead_without_assignment(ts):
    task = first(ts, PKG + "setsTask").object
    unit = first(ts, PKG + "bearer").object
    return ts + [ox.Triple(task, ox.NamedNode(PKG + "leadUnit"), ox.NamedNode(unit.value + "-other"))]


def second_language_label(ts):
    t = next(t for t in ts if t.predicate.value == SKOS + "prefLabel" and t.object.language == "zh")
    return ts + [ox.Triple(t.subject, t.predicate, ox.Literal(t.object.value + "甲", language="zh"))]


def no_chinese_label(ts):
    bearer = first(ts, PKG + "bearer").object
    return [t for t in ts if not (t.subject == bearer and t.predicate.value == RDFS + "label")]


BROKEN = {
    "minCount (eli:number)": drop("http://data.europa.eu/eli/ontology#number"),
    "minCount through a path (oa:start)": drop(OA + "start"),
    "maxCount (two positions)": add_value(PKG + "position", ox.Literal("9", datatype=ox.NamedNode(XSD + "integer"))),
    "datatype (order as string)": retype(PKG + "order", "3", XSD + "string"),
    "ill-formed integer": retype(PKG + "order", "three", XSD + "integer"),
    "minInclusive (negative offset)": retype(OA + "start", "-1", XSD + "integer"),
    "languageIn (English heading)": retype(PKG + "heading", "Heading", language="en"),
    "pattern (Chinese in English)": retype(PKG + "englishSummary", "Lead: 市商务局", language="en"),
    "in (unknown role)": repoint(PKG + "role", ox.NamedNode(PKG + "OtherRole")),
    "class (statedIn a span)": repoint(PKG + "statedIn", ox.NamedNode(OA + "nothing")),
    "uniqueLang (two Chinese names)": second_language_label,
    "qualifiedMinCount (no Chinese label)": no_chinese_label,
    "sparql (lead without assignment)": lead_without_assignment,
    "node (span without selector)": drop(OA + "hasSelector"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_graph_is_refused_by_both(small, case):
    assert both(BROKEN[case](list(small))) == (False, False)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_breakages_get_the_same_verdict(small, data):
    triples = list(small)
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        i = data.draw(st.integers(0, len(triples) - 1), label="triple")
        t = triples[i]
        how = data.draw(st.sampled_from(["drop", "lang", "type", "duplicate"]), label="how")
        if how == "drop":
            del triples[i]
        elif how == "duplicate":
            triples.append(ox.Triple(t.subject, t.predicate, ox.Literal("x", language="zh")))
        elif isinstance(t.object, ox.Literal):
            new = ox.Literal(t.object.value, language="en") if how == "lang" else \
                ox.Literal(t.object.value, datatype=ox.NamedNode(XSD + "string"))
            triples[i] = ox.Triple(t.subject, t.predicate, new)
    fast, reference = both(triples)
    assert fast == reference, shacl.validate(triples)[1][:1500]


def test_a_shape_using_an_unimplemented_component_is_refused():
    shapes = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:lessThan ex:q ] ."""
    graph = _Index([q.triple for q in ox.parse(shapes, format=ox.RdfFormat.TURTLE)])
    with pytest.raises(UnsupportedShape, match="lessThan"):
        _Compiler(graph).shape(ox.NamedNode("http://example.org/S"))


def test_report_names_the_focus_node_and_constraint(small):
    conforms, report = shacl.validate(drop("http://data.europa.eu/eli/ontology#number")(list(small)))
    assert not conforms
    assert "sh:minCount" in report and "eli/ontology#number" in report
