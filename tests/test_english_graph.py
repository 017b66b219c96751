"""The graph in English: topics on each provision's own text, English labels for every unit and
region (machine-derived ones marked), English renderings that say only what was extracted."""
import re

import pyoxigraph
import pytest

from policykg.graph.mapping import document_to_triples, own_text
from policykg.graph.namespaces import PKG, RDFS, SKOS
from policykg.ingest.english import render_unit_name
from policykg.ingest.topics import TOPIC_BASE, topic_labels, topic_rules
from graph_helpers import make_document, mention, provision, target

CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def graphs(corpus_documents):
    return {name: (doc, document_to_triples(doc)) for name, doc in corpus_documents.items()}


def _by_subject(triples):
    out: dict[str, dict[str, list]] = {}
    for t in triples:
        out.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(t.object)
    return out


def test_no_english_literal_holds_chinese_and_every_provision_has_a_summary(graphs):
    for doc, triples in graphs.values():
        for t in triples:
            if isinstance(t.object, pyoxigraph.Literal) and t.object.language == "en":
                assert not CJK.search(t.object.value), (t.predicate.value, t.object.value)
        subjects = _by_subject(triples)
        provisions = [s for s, p in subjects.items() if PKG + "path" in p]
        assert len(provisions) == len(doc.provisions)
        for s in provisions:
            assert len(subjects[s][PKG + "englishSummary"]) == 1


def test_topics_are_tagged_on_the_provisions_own_text(graphs):
    rules = {r.concept: r.zh for r in topic_rules()}
    tagged = 0
    for doc, triples in graphs.values():
        children: dict = {}
        for p in doc.provisions:
            children.setdefault(p.parent, []).append(p)
        by_path = {p.id: p for p in doc.provisions}
        subjects = _by_subject(triples)
        for s, props in subjects.items():
            if PKG + "topic" not in props:
                continue
            own = re.sub(r"\s+", "", own_text(doc, by_path[props[PKG + "path"][0].value], children))
            for concept in props[PKG + "topic"]:
                cid = concept.value.removeprefix(TOPIC_BASE)
                assert any(k in own for k in rules[cid]), (s, cid)
                tagged += 1
    assert tagged > 100


def test_a_section_is_not_tagged_with_its_childrens_topics():
    text = "一、总体要求\n（一）发展医疗器械产业。\n"
    doc = make_document(provisions=[
        provision("一", 0, len(text), heading="总体要求", kind="section"),
        provision("一/（一）", 6, len(text), heading="发展医疗器械产业", parent="一"),
    ])
    doc.text = text
    triples = _by_subject(document_to_triples(doc))
    topics = {s.rsplit("/", 1)[-1]: {o.value for o in p.get(PKG + "topic", [])} for s, p in triples.items()
              if PKG + "path" in p}
    medical = TOPIC_BASE + "medical-devices"
    assert medical in topics["%EF%BC%88%E4%B8%80%EF%BC%89"]
    assert medical not in topics["%E4%B8%80"]


def test_every_unit_and_region_has_an_english_label_machine_derived_ones_marked(graphs):
    for doc, triples in graphs.values():
        for s, props in _by_subject(triples).items():
            if "/id/unit/" not in s and "/id/region/" not in s:
                continue
            labels = props.get(SKOS + "prefLabel", [])
            english = [x.value for x in labels if x.language == "en"]
            chinese = [x.value for x in labels if x.language == "zh"]
            assert len(english) == 1 and len(chinese) == 1, s
            origin = props[PKG + "englishLabelOrigin"][0].value
            if origin == PKG + "MachineDerived" and "/id/unit/" in s:
                rendered = render_unit_name(chinese[0], doc.meta.city)
                assert english[0] in (rendered.text, f"People's Government of {rendered.text}") or "人民政府" in chinese[0]


def test_summary_says_the_extracted_facts_in_english_and_glosses_the_metric():
    doc = make_document(provisions=[provision(
        "一", 0, 60, heading="培育龙头企业", lead=[mention("市商务局", 5)], responsible=[mention("市财政局", 12)],
        targets=[target("市级以上中药材专业合作社", "200", unit="家", comparator=">=", year=2025)])])
    subjects = _by_subject(document_to_triples(doc))
    node = next(s for s, p in subjects.items() if PKG + "path" in p)
    summary = subjects[node][PKG + "englishSummary"][0]
    assert summary.language == "en"
    assert "Lead: Municipal Bureau of Commerce." in summary.value
    assert "Shared by: Municipal Bureau of Finance." in summary.value
    assert "specialised cooperatives” at least 200 by 2025" in summary.value
    assert subjects[node][PKG + "headingGloss"][0].value == "cultivate · leading enterprises"
    metric = subjects[node + "#target-1"]
    assert metric[PKG + "metric"][0].value == "市级以上中药材专业合作社"           # the Chinese stays
    assert "cooperatives" in metric[PKG + "metricGloss"][0].value


def test_words_without_english_stay_chinese_as_zh_literals():
    doc = make_document(provisions=[provision("一", 0, 40, heading="做强鲲鹏产业")])
    subjects = _by_subject(document_to_triples(doc))
    node = next(s for s, p in subjects.items() if PKG + "path" in p)
    left = subjects[node][PKG + "untranslatedTerm"]
    assert left and all(x.language == "zh" and CJK.search(x.value) for x in left)
    assert "…" in subjects[node][PKG + "headingGloss"][0].value


def test_every_topic_and_corpus_metric_has_an_english_label(graphs):
    labels = topic_labels()
    assert all(v["en"] and not CJK.search(v["en"]) for v in labels.values())
    metrics = 0
    for _, triples in graphs.values():
        for s, props in _by_subject(triples).items():
            if PKG + "metric" in props:
                metrics += 1
                gloss = props[PKG + "metricGloss"][0]
                assert gloss.language == "en" and "…" not in gloss.value, (props[PKG + "metric"][0].value, gloss.value)
    assert metrics > 50


def test_the_ontology_graph_carries_the_topic_scheme(tmp_path):
    from policykg.graph.load import load_ontology
    from policykg.graph.store import open_store
    store = open_store(str(tmp_path / "store"))
    load_ontology(store)
    rows = store.query(f"SELECT (COUNT(?c) AS ?n) WHERE {{ GRAPH <https://policykg.org/ontology> {{ "
                       f"?c a <{SKOS}Concept> ; <{SKOS}prefLabel> ?l FILTER(lang(?l) = 'en') }} }}").rows
    assert int(rows[0]["n"].value) == len(topic_labels())
    labelled = store.query(f"ASK {{ GRAPH <https://policykg.org/ontology> {{ <{PKG}topic> <{RDFS}label> ?l }} }}")
    assert labelled.boolean if hasattr(labelled, "boolean") else labelled
    store.close()
