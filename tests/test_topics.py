"""Topics: the SKOS scheme, keyword tagging of provisions, English and Chinese search."""
import rdflib

from policykg import data_path
from policykg.ingest.topics import search_topics, tag_topics, topic_labels, topic_rules

SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")


def _graph():
    graph = rdflib.Graph()
    with data_path("ontology", "topics.ttl").open("rb") as fh:
        graph.parse(fh, format="turtle")
    return graph


def test_every_concept_has_a_zh_and_an_en_preflabel():
    graph = _graph()
    concepts = set(graph.subjects(rdflib.RDF.type, SKOS.Concept))
    assert len(concepts) >= 30
    for concept in concepts:
        langs = [label.language for label in graph.objects(concept, SKOS.prefLabel)]
        assert sorted(langs) == ["en", "zh"], concept


def test_concepts_hang_under_two_top_concepts():
    graph = _graph()
    tops = set(graph.objects(None, SKOS.hasTopConcept))
    assert len(tops) == 2
    for concept in graph.subjects(rdflib.RDF.type, SKOS.Concept):
        assert concept in tops or set(graph.objects(concept, SKOS.broader)) <= tops


def test_every_rule_names_a_concept_of_the_scheme():
    labels = topic_labels()
    assert all(rule.concept in labels and rule.zh for rule in topic_rules())
    assert labels["medical-devices"] == {"zh": "医疗器械", "en": "Medical devices"}


def test_medical_device_provisions_get_the_topic(corpus_documents):
    seen = 0
    for doc in corpus_documents.values():
        for prov in doc.provisions:
            text = doc.text[prov.start:prov.end]
            if "医疗器械" in text:
                seen += 1
                assert "medical-devices" in tag_topics(text), prov.id
    assert seen >= 5


def test_every_provision_of_the_corpus_with_text_gets_a_topic(corpus_documents):
    untagged = [(name, p.id) for name, doc in corpus_documents.items() for p in doc.provisions
                if p.kind != "section" and len(doc.text[p.start:p.end]) > 40
                and not tag_topics(doc.text[p.start:p.end])]
    assert len(untagged) <= 3, untagged


def test_english_and_chinese_queries_find_concepts():
    assert search_topics("medical devices")[0] == "medical-devices"
    assert search_topics("Medical Devices")[0] == "medical-devices"
    assert search_topics("talent")[0] == "talent"
    assert search_topics("land")[0] == "land"
    assert search_topics("医疗器械")[0] == "medical-devices"
    assert search_topics("vaccines")[0] == "vaccines"
    assert search_topics("traditional Chinese medicine")[0] == "tcm"
    assert search_topics("") == []
    assert "land" not in search_topics("inland logistics")


def test_tagging_reads_through_line_breaks():
    assert "talent" in tag_topics("加强人\n才引进")
