"""Mapping Documents to triples: IRIs, units per city, exact values, implied issuers, SHACL."""

import pyoxigraph as ox
import rdflib

from policykg.graph.mapping import document_graph_iri, document_to_triples
from policykg.graph.namespaces import BASE, PKG
from policykg.graph.validate import ontology_graph, validate
from graph_helpers import deadline, make_document, mention, provision, target

XSD = "http://www.w3.org/2001/XMLSchema#"


def objects(triples, subject=None, predicate=None):
    return [t.object for t in triples
            if (subject is None or t.subject.value == subject) and (predicate is None or t.predicate.value == predicate)]


def subjects_of_type(triples, cls):
    return [t.subject.value for t in triples if t.predicate.value.endswith("#type") and t.object.value == cls]


def test_document_iri_follows_template_and_is_stable():
    doc = make_document(period=(2024, 2026))
    iri = document_graph_iri(doc)
    assert iri == BASE + "eli/%E5%B7%B4%E4%B8%AD%E5%B8%82/2024/measures/test-2024-measures"
    assert document_to_triples(doc) == document_to_triples(make_document(period=(2024, 2026)))


def test_same_unit_name_in_two_cities_is_two_units():
    def doc(city, province):
        return make_document(doc_id=f"{city}-x", city=city, province=province,
                             provisions=[provision("1", 0, 50, lead=[mention("市科学技术局", 3)])])
    units = []
    for city, province in (("巴中市", "四川省"), ("聊城市", "山东省")):
        triples = document_to_triples(doc(city, province))
        units.append(set(objects(triples, predicate=PKG + "leadUnit")))
    assert len(units[0]) == len(units[1]) == 1
    assert units[0] != units[1]


def test_values_are_exact_decimals_and_ranges_have_two_ends():
    doc = make_document(provisions=[provision("1", 0, 80, targets=[
        target("中药材专业合作社", "200"), target("种植面积", "0.50", unit="万亩"),
        target("投资活动", ("1", "2"), unit="次", comparator="range")])])
    triples = document_to_triples(doc)
    values = sorted(o.value for o in objects(triples, predicate=PKG + "value"))
    assert values == ["0.5", "200"]
    assert all(o.datatype.value == XSD + "decimal" for o in objects(triples, predicate=PKG + "value"))
    assert [o.value for o in objects(triples, predicate=PKG + "minValue")] == ["1"]
    assert [o.value for o in objects(triples, predicate=PKG + "maxValue")] == ["2"]


def test_task_without_lead_gets_issuer_as_implied_never_stated():
    doc = make_document(issuers=["巴中市人民政府办公室"], provisions=[
        provision("1", 0, 50, heading="无单位"), provision("2", 60, 90, lead=[mention("市商务局", 62)])])
    triples = document_to_triples(doc)
    leads = objects(triples, predicate=PKG + "leadUnit")
    assert [u.value.rsplit("/", 1)[-1] for u in leads] == ["%E5%B8%82%E5%95%86%E5%8A%A1%E5%B1%80"]   # 市商务局 only
    implied = [t.subject.value for t in triples if t.object.value == PKG + "Implied"]
    assert len(implied) == 1 and implied[0].endswith("/1#implied-lead-1")
    assert objects(triples, implied[0], PKG + "readAt") == []


def test_no_issuer_no_implied_lead():
    doc = make_document(provisions=[provision("1", 0, 50)])
    assert not [t for t in document_to_triples(doc) if t.object.value == PKG + "Implied"]


def test_deadlines_become_owl_time():
    doc = make_document(provisions=[provision("1", 0, 80, deadlines=[
        deadline("2025-12-31"), deadline("2021-01-01/2025-12-31", "period", "十四五期间"),
        deadline("P1Y", "recurring", "每年"), deadline("P5Y/P10Y", "relative", "用5—10年时间")])])
    triples = document_to_triples(doc)
    due = sorted(o.value for o in objects(triples, predicate=PKG + "dueDate"))
    assert due == ["2025-12-31", "2025-12-31"]
    assert len(subjects_of_type(triples, "http://www.w3.org/2006/time#DurationDescription")) == 1
    assert [o.value for o in objects(triples, predicate=PKG + "maxDuration")] == ["P10Y"]


def test_nested_provisions_point_to_parents():
    doc = make_document(provisions=[provision("二", 0, 100, kind="section"),
                                    provision("二/（一）", 5, 50, parent="二")])
    triples = document_to_triples(doc)
    child = [t for t in triples if t.predicate.value.endswith("is_part_of") and "%EF%BC%88" in t.subject.value]
    assert child and child[0].object.value == document_graph_iri(doc) + "/%E4%BA%8C"


def test_no_path_or_clock_in_the_graph(tmp_path):
    doc = make_document()
    other = make_document()
    other.meta.source = "/elsewhere/else/test-2024-measures.txt"
    assert document_to_triples(doc) == document_to_triples(other)


def test_corpus_graphs_pass_shacl_and_are_idempotent(corpus_documents):
    from policykg.ingest.pipeline import extract_file
    from conftest import CORPUS
    for name, doc in corpus_documents.items():
        triples = document_to_triples(doc)
        conforms, report = validate(triples)
        assert conforms, f"{name}: {report[:2000]}"
        assert document_to_triples(extract_file(CORPUS / name)) == triples


def test_shapes_catch_a_stated_lead_without_evidence():
    doc = make_document(provisions=[provision("1", 0, 50, lead=[mention("市商务局", 3)])])
    triples = [t for t in document_to_triples(doc) if not t.predicate.value.endswith("#readAt")
               or "#lead-" not in t.subject.value]
    assert validate(triples)[0] is False
    forged = document_to_triples(make_document(provisions=[provision("1", 0, 50)]))
    task = next(t.subject for t in forged if t.object.value == PKG + "Task")
    forged.append(ox.Triple(task, ox.NamedNode(PKG + "leadUnit"), ox.NamedNode(BASE + "id/unit/x/y")))
    assert validate(forged)[0] is False


def test_every_term_used_is_declared_bilingually(corpus_documents):
    onto = ontology_graph()
    used = set()
    for doc in corpus_documents.values():
        for t in document_to_triples(doc):
            used |= {x.value for x in (t.predicate, t.object) if isinstance(x, ox.NamedNode) and x.value.startswith(PKG)}
    assert len(used) > 40
    label, comment = rdflib.RDFS.label, rdflib.RDFS.comment
    for term in sorted(used):
        node = rdflib.URIRef(term)
        assert {l.language for l in onto.objects(node, label)} == {"zh", "en"}, term
        assert {c.language for c in onto.objects(node, comment)} == {"zh", "en"}, term
