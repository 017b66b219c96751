"""Derived keys and counts (graph/derived.py): a pure function of a document's triples, written
into its graph by the mapping, and what the named queries read instead of joining."""
from decimal import Decimal

import pyoxigraph as ox

from graph_helpers import make_document, mention, provision, target
from policykg.graph.derived import derived_triples, document_key, heading_key, key_parts
from policykg.graph.mapping import document_graph_iri, document_to_triples
from policykg.graph.namespaces import PKG
from policykg.graph.store import open_store


def doc():
    return make_document(issuers=["巴中市人民政府办公室"], period=(2023, 2025), provisions=[
        provision("一", 0, 10, heading="主要任务", kind="section"),
        provision("一/1", 10, 60, heading="做“强”中药材加工", parent="一",
                  lead=[mention("市经济和信息化局", 20)], responsible=[mention("市商务局", 30), mention("市林业局", 36)],
                  targets=[target("组建中药材专业合作社", "20", start=40), target("种植面积", "5", unit="万亩", start=50)]),
        provision("一/2", 60, 90, heading="完善物流网络", parent="一", lead=[mention("市商务局", 70)]),
        provision("一/3", 90, 120, heading="其他工作", parent="一"),      # no lead: the issuer, implied
    ])


def values(triples, predicate, subject_end=None):
    return {t.subject.value: t.object.value for t in triples if t.predicate.value == PKG + predicate
            and (subject_end is None or t.subject.value.endswith(subject_end))}


def test_derived_triples_come_with_the_mapping_and_are_a_function_of_it():
    triples = document_to_triples(doc())
    mapped = [t for t in triples if not t.predicate.value.startswith(PKG) or t.predicate.value[len(PKG):]
              not in DERIVED]
    assert derived_triples(mapped) == [t for t in triples if t not in set(mapped)]
    assert document_to_triples(doc()) == triples                    # deterministic
    assert derived_triples([]) == []                               # not a document graph: nothing


DERIVED = {"documentKey", "taskSortKey", "dutySortKey", "targetSortKey", "headingKey", "taskMatchKey",
           "cityMetricKey", "metricKeyPart", "provisionCount", "taskCount", "targetCount", "deadlineCount",
           "tripleCount", "dutiesInDocument", "leadsInDocument", "sharedInDocument", "impliedLeadsInDocument",
           "deadlineSortKey", "taskTopicInDocument", "taskOrdinal", "dutyOrdinal", "dutyCount", "bearerOrdinal",
           "assignmentsInDocument", "dueSummary"}


def test_sort_keys_follow_reading_order_and_roles():
    triples = document_to_triples(doc())
    tasks = values(triples, "taskSortKey")
    assert [k.rsplit("/", 1)[-1] for k in sorted(tasks, key=lambda t: Decimal(tasks[t]))] == ["1#task", "2#task", "3#task"]
    duties = values(triples, "dutySortKey")
    in_order = [a.rsplit("/", 1)[-1] for a in sorted(duties, key=lambda a: Decimal(duties[a]))]
    assert in_order == ["1#lead-1", "1#responsible-1", "1#responsible-2", "2#lead-1", "3#implied-lead-1"]
    key = document_key(document_graph_iri(doc()))
    assert all(int(Decimal(v)) == key for v in (*tasks.values(), *duties.values()))
    assert str(key).startswith("2023")                               # year of the IRI first


def test_ordinals_number_tasks_and_assignments_in_sort_key_order_and_the_count_matches():
    triples = document_to_triples(doc())
    for ordinal, sort_key in (("taskOrdinal", "taskSortKey"), ("dutyOrdinal", "dutySortKey")):
        numbers, keys = values(triples, ordinal), values(triples, sort_key)
        assert set(numbers) == set(keys)
        by_key = sorted(keys, key=lambda node: Decimal(keys[node]))
        assert [int(numbers[node]) for node in by_key] == list(range(len(by_key)))
    assert set(values(triples, "dutyCount").values()) == {str(len(values(triples, "dutyOrdinal")))} == {"5"}


def test_heading_and_metric_keys_carry_the_city_and_their_parts():
    triples = document_to_triples(doc())
    city = "https://policykg.org/id/region/%E5%B7%B4%E4%B8%AD%E5%B8%82 "
    assert set(values(triples, "headingKey", "/1#task").values()) == {city + "heading 做强中药材加工"}
    keys = {t.object.value for t in triples if t.predicate.value == PKG + "taskMatchKey" and t.subject.value.endswith("/1#task")}
    assert keys == {city + "heading " + p for p in ("做强中药材加工", "做强中药", "做强中药材", "做强中药材加", "中药材加工",
                                                   "强中药材加工", "药材加工")} | {city + "metric 个\t中药材专业合作社",
                                                                                   city + "metric 万亩\t种植面积"}
    assert heading_key("做“活”中医药市场。") == "做活中医药市场"
    assert key_parts("中药材") == {"中药材"}                          # short keys only meet their equal
    metric = values(triples, "cityMetricKey")
    assert sorted(metric.values()) == [city + "中药材专业合作社", city + "种植面积"]


def test_counts_add_up_to_what_the_queries_sum():
    triples = document_to_triples(doc())
    document = document_graph_iri(doc())
    counts = {p: values(triples, p)[document] for p in ("provisionCount", "taskCount", "targetCount", "deadlineCount", "tripleCount")}
    assert counts == {"provisionCount": "4", "taskCount": "3", "targetCount": "2", "deadlineCount": "0",
                      "tripleCount": str(len(triples))}
    by_unit = {p: {u.rsplit("/", 1)[-1]: int(n) for u, n in values(triples, p).items()}
               for p in ("dutiesInDocument", "leadsInDocument", "sharedInDocument", "impliedLeadsInDocument")}
    commerce = "%E5%B8%82%E5%95%86%E5%8A%A1%E5%B1%80"                # 市商务局: responsible on 1, lead on 2
    assert (by_unit["dutiesInDocument"][commerce], by_unit["leadsInDocument"][commerce],
            by_unit["sharedInDocument"][commerce], by_unit["impliedLeadsInDocument"][commerce]) == (2, 1, 1, 0)
    issuer = next(u for u, n in by_unit["impliedLeadsInDocument"].items() if n)
    assert by_unit["impliedLeadsInDocument"][issuer] == 1 and by_unit["dutiesInDocument"][issuer] == 0


def test_counts_are_statements_in_the_documents_graph():
    store = open_store()
    graph = document_graph_iri(doc())
    store.replace_graph(graph, document_to_triples(doc()))
    rows = store.query("SELECT ?g ?n WHERE { GRAPH ?g { ?u <%sleadsInDocument> ?n } }" % PKG).rows
    assert {r["g"].value for r in rows} == {graph}
    store.close()


def test_document_key_is_a_64_bit_integer():
    for iri in ("https://policykg.org/eli/x/2099/plan/a", "https://policykg.org/eli/x/undated/plan/a", "urn:x"):
        assert 0 <= document_key(iri) < 2 ** 63
    assert document_key("https://policykg.org/eli/x/undated/plan/a") < 10 ** 15
    assert isinstance(ox.Literal(str(document_key("urn:x"))), ox.Literal)


def test_derived_of_the_corpus_equal_what_a_join_finds(corpus_documents):
    """On the real documents (with topics and deadlines): the units on each topic are those a
    join of topic -> provision -> task -> assignment -> bearer finds, and a provision's
    deadlines sort in the order they are read."""
    store = open_store()
    for document in corpus_documents.values():
        store.replace_graph(document_graph_iri(document), document_to_triples(document))
    derived = {(r["g"].value, r["u"].value, r["t"].value) for r in store.query(
        f"SELECT ?g ?u ?t WHERE {{ GRAPH ?g {{ ?u <{PKG}taskTopicInDocument> ?t }} }}").rows}
    joined = {(r["g"].value, r["u"].value, r["t"].value) for r in store.query(
        f"SELECT DISTINCT ?g ?u ?t WHERE {{ GRAPH ?g {{ ?p <{PKG}topic> ?t . ?p <{PKG}setsTask> ?k . "
        f"?k <{PKG}hasAssignment> ?a . ?a <{PKG}bearer> ?u }} }}").rows}
    assert derived and derived == joined
    keyed = store.query(f"SELECT ?p ?s ?k WHERE {{ ?p <{PKG}hasDeadline> ?d . ?d <{PKG}deadlineSortKey> ?k . "
                        f"?d <{PKG}readAt>/<http://www.w3.org/ns/oa#hasSelector>/<http://www.w3.org/ns/oa#start> ?s }}").rows
    by_provision: dict = {}
    for r in keyed:
        by_provision.setdefault(r["p"].value, []).append((Decimal(r["k"].value), int(r["s"].value)))
    assert any(len(v) > 1 for v in by_provision.values())
    for pairs in by_provision.values():
        assert [s for _, s in sorted(pairs)] == sorted(s for _, s in pairs)
    store.close()
