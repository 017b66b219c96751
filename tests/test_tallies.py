"""Corpus tallies (graph/tallies.py): totals recounted at the end of each ingest, equal to the
sums of each document's own counts; refused, with the mending command, while stale or missing."""
from collections import Counter

import pytest

from conftest import CORPUS
from policykg.cli import main
from policykg.graph.load import ingest
from policykg.graph.mapping import document_graph_iri, document_to_triples
from policykg.graph.namespaces import TALLIES_GRAPH, pkg
from policykg.graph.queries import run_named
from policykg.graph.store import open_store
from policykg.graph.tallies import StaleTallies, mark_stale, recount

PER_DOCUMENT = {pkg.dutiesInDocument: pkg.dutyTotal, pkg.leadsInDocument: pkg.leadTotal,
                pkg.sharedInDocument: pkg.sharedTotal, pkg.impliedLeadsInDocument: pkg.impliedLeadTotal}


@pytest.fixture(scope="module")
def store():
    store = open_store()
    assert not ingest(store, sorted(CORPUS.glob("*.txt")), shacl=False).failed
    yield store
    store.close()


def sums_of_document_counts(store) -> Counter:
    """(unit, total property) -> the sum over every document graph, read triple by triple."""
    sums = Counter()
    for graph in store.graph_names():
        if graph == TALLIES_GRAPH:
            continue
        for t in store.get_graph(graph):
            if t.predicate in PER_DOCUMENT:
                sums[(t.subject, PER_DOCUMENT[t.predicate])] += int(t.object.value)
    return sums


def tallied(store) -> Counter:
    return Counter({(t.subject, t.predicate): int(t.object.value) for t in store.get_graph(TALLIES_GRAPH)
                    if t.predicate in PER_DOCUMENT.values()})


def test_unit_totals_are_the_sums_of_the_documents_counts(store):
    expected = sums_of_document_counts(store)
    assert expected and tallied(store) == expected


def test_ranks_follow_city_then_most_duties(store):
    rows = run_named(store, "units_by_duties", {"limit": "1000"}).rows
    assert len(rows) == len({r["unit"] for r in rows}) > 50
    keys = [(r["city_zh"].value, -int(r["duties"].value), -int(r["implied_leads"].value), r["unit_zh"].value)
            for r in rows]
    assert keys == sorted(keys)
    page = run_named(store, "units_by_duties", {"limit": "5", "offset": "10"}).rows
    assert [r["unit"] for r in page] == [r["unit"] for r in rows[10:15]]


def test_city_is_found_by_either_language(store):
    zh = run_named(store, "units_by_duties", {"city": "聊城市"}).rows
    en = run_named(store, "units_by_duties", {"city": "Liaocheng City"}).rows
    assert zh and zh == en and {r["city_zh"].value for r in zh} == {"聊城市"}


def test_stats_reads_the_tallies(store):
    (row,) = run_named(store, "stats").rows
    assert int(row["documents"].value) == 5
    assert int(row["provisions"].value) == 199


def test_stale_tallies_are_refused_until_recounted(store):
    mark_stale(store)
    with pytest.raises(StaleTallies, match="policykg tally"):
        run_named(store, "units_by_duties")
    with pytest.raises(StaleTallies):
        run_named(store, "stats")
    run_named(store, "leads_by_city", {"city": "巴中市"})        # questions only paging on them go on (sorting)
    recount(store)
    assert run_named(store, "stats").rows


def test_a_store_never_tallied_is_refused_with_the_command(corpus_documents):
    store = open_store()
    doc = next(iter(corpus_documents.values()))
    store.replace_graph(document_graph_iri(doc), document_to_triples(doc))     # a raw write
    with pytest.raises(StaleTallies, match="no corpus tallies.*policykg tally"):
        run_named(store, "stats")
    recount(store)
    assert run_named(store, "stats").rows[0]["documents"].value == "1"


def test_tallies_of_an_older_policykg_are_refused_and_pages_sort_instead(corpus_documents):
    store = open_store()
    for doc in corpus_documents.values():
        store.replace_graph(document_graph_iri(doc), document_to_triples(doc))
    recount(store)
    expected = run_named(store, "leads_by_city", {"limit": "7"}).rows
    older = [t for t in store.get_graph(TALLIES_GRAPH) if t.predicate != pkg.talliesFormat]   # as version 1 wrote
    store.replace_graph(TALLIES_GRAPH, older)
    with pytest.raises(StaleTallies, match="older policykg.*policykg tally"):
        run_named(store, "stats")
    assert run_named(store, "leads_by_city", {"limit": "7"}).rows == expected     # the sorting plan
    recount(store)
    assert run_named(store, "stats").rows


def test_recount_follows_a_deleted_document(corpus_documents):
    store = open_store()
    for doc in corpus_documents.values():
        store.replace_graph(document_graph_iri(doc), document_to_triples(doc))
    recount(store)
    store.delete_graph(document_graph_iri(next(iter(corpus_documents.values()))))
    recount(store)
    assert run_named(store, "stats").rows[0]["documents"].value == "4"
    assert tallied(store) == sums_of_document_counts(store)


def test_cli_tally_recounts_a_store(tmp_path, corpus_documents, capsys):
    store = open_store(str(tmp_path / "store"))
    for doc in corpus_documents.values():
        store.replace_graph(document_graph_iri(doc), document_to_triples(doc))
    store.close()
    assert main(["tally", "--store", str(tmp_path / "store")]) == 0
    assert "tallied: 5 documents" in capsys.readouterr().out
    assert main(["query", "stats", "--store", str(tmp_path / "store"), "--format", "csv"]) == 0


def test_raw_writes_through_the_api_recount_the_tallies(corpus_documents):
    """A Graph Store DELETE and a SPARQL Update each leave the tallies current (the page's
    units_by_duties and stats, sent to /sparql, read them)."""
    import httpx
    from policykg.api.app import create_app
    from policykg.api.testing import live_server
    from policykg.graph.queries import load_query
    store = open_store()
    for doc in corpus_documents.values():
        store.replace_graph(document_graph_iri(doc), document_to_triples(doc))
    recount(store)
    first, second = (document_graph_iri(d) for d in list(corpus_documents.values())[:2])
    auth = {"Authorization": "Bearer t"}
    stats = load_query("stats").sparql
    with live_server(create_app(store, update_token="t")) as url, httpx.Client(base_url=url, timeout=30) as http:
        def documents() -> str:
            answer = http.post("/sparql", data={"query": stats}, headers={"Accept": "application/sparql-results+json"})
            return answer.json()["results"]["bindings"][0]["documents"]["value"]
        assert documents() == "5"
        assert http.delete("/store", params={"graph": first}, headers=auth).status_code == 204
        assert documents() == "4"
        assert http.post("/sparql", data={"update": f"DROP GRAPH <{second}>"}, headers=auth).status_code == 204
        assert documents() == "3"
    assert tallied(store) == sums_of_document_counts(store)
