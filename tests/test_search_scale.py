"""The search index at scale (api/search_index.py): built from the search_* templates in one pass
(grouped per document), in the background — a search that finds it being built is answered 503
with Retry-After, not held — and rebuilt only when a document changes, while the old index goes
on answering. The index must hold what the store holds: provisions' IRIs and parents (minted,
not read), topics, bearers and metrics."""
import asyncio
import threading
import time
from pathlib import Path

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

from conftest import stored_corpus
from policykg.api import search_index as search
from policykg.api.app import create_app
from policykg.api.reader import Browser, plain
from policykg.api.sparql import Limits
from policykg.api.texts import TextSource
from policykg.graph.namespaces import prefix_block

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def store(tmp_path_factory, corpus_documents):
    s = stored_corpus(tmp_path_factory.mktemp("search-store"), corpus_documents)
    yield s
    s.close()


@pytest.fixture
def index(store):
    return search.SearchIndex(Browser(store, Limits(), TextSource([ROOT / "corpus"])))


def _select(store, body: str) -> list[dict]:
    return [{k: plain(v) for k, v in r.items()} for r in store.query(prefix_block() + body, timeout=30).rows]


def test_the_index_holds_what_the_store_holds(store, index):
    idx = index.build(index.fingerprint())
    parents = {r["p"]: r["parent"] for r in _select(store, "SELECT ?p ?parent WHERE { ?p a pkg:Provision ; eli:is_part_of ?parent }")}
    assert set(idx.provisions) == set(parents)                    # IRIs minted from document + path
    assert {p.iri: p.parent for p in idx.provisions.values()} == parents
    topics = {(r["p"], r["t"].removeprefix(search.TOPIC_BASE))
              for r in _select(store, "SELECT ?p ?t WHERE { ?p a pkg:Provision ; pkg:topic ?t }")}
    assert {(p.iri, t) for p in idx.provisions.values() for t in p.topics} == topics
    bearers = {(r["p"], r["u"], r["role"], r["basis"]) for r in _select(
        store, "SELECT ?p ?u ?role ?basis WHERE { ?p pkg:setsTask/pkg:hasAssignment ?a . "
               "?a pkg:bearer ?u ; pkg:role ?role ; pkg:basis ?basis }")}
    assert {(p.iri, b["unit"], b["role"], b["basis"]) for p in idx.provisions.values() for b in p.bearers} == bearers
    mentions = {(r["p"], r["u"], r["s"], r["e"]) for r in _select(          # read from the span IRI
        store, "SELECT ?p ?u ?s ?e WHERE { ?p pkg:setsTask/pkg:hasAssignment ?a . ?a pkg:bearer ?u ; "
               "pkg:readAt/oa:hasSelector ?sel . ?sel oa:start ?s ; oa:end ?e }")}
    assert mentions and {(p.iri, b["unit"], b["mention_start"], b["mention_end"]) for p in idx.provisions.values()
                         for b in p.bearers if b["mention_start"] is not None} == mentions
    metrics = sorted((r["p"], r["m"]) for r in _select(store, "SELECT ?p ?m WHERE { ?p pkg:hasTarget ?t . ?t pkg:metric ?m }"))
    assert sorted((p.iri, m) for p in idx.provisions.values() for m, _ in p.metrics) == metrics
    headed = {r["p"]: r["h"] for r in _select(store, "SELECT ?p ?h WHERE { ?p a pkg:Provision ; pkg:heading ?h }")}
    assert {p.iri: p.heading for p in idx.provisions.values() if p.heading is not None} == headed
    assert all(p.text and p.own for p in idx.provisions.values())     # source texts found and cut
    assert all(p.title_zh and p.city_zh for p in idx.provisions.values())


def test_fingerprint_is_per_document_and_changes_with_a_document(store, index):
    before = index.fingerprint()
    documents, graphs = before
    assert len(documents) == 5 and all(n > 0 for _, n, _ in documents)
    victim = documents[0][0]
    saved = store.get_graph(victim)
    try:
        store.delete_graph(victim)
        assert index.fingerprint() != before
    finally:
        store.replace_graph(victim, saved)
    assert index.fingerprint() == before


def test_a_search_during_the_first_build_is_503_with_retry_after(index, monkeypatch):
    release = threading.Event()
    real_build = search.SearchIndex.build

    def slow_build(self, fingerprint):
        assert release.wait(30)
        return real_build(self, fingerprint)

    monkeypatch.setattr(search.SearchIndex, "build", slow_build)
    monkeypatch.setattr(search, "BUILD_PATIENCE", 0.2)
    with pytest.raises(HTTPException) as busy:
        asyncio.run(index.get())
    assert busy.value.status_code == 503 and "being built" in busy.value.detail
    assert int(busy.value.headers["Retry-After"]) > 0
    with pytest.raises(HTTPException):
        asyncio.run(index.get())                   # still building: the same build, not a second one
    release.set()
    index._build.result(30)
    idx = asyncio.run(index.get())
    assert idx.provisions and index.last_build_seconds is not None


def test_the_old_index_answers_while_a_changed_store_is_reindexed(index, monkeypatch):
    first = asyncio.run(index.get())
    release = threading.Event()
    real_build = search.SearchIndex.build
    monkeypatch.setattr(search.SearchIndex, "build", lambda self, fp: (release.wait(30), real_build(self, fp))[1])
    changed = ((("changed-document", 1, 10),), ("changed-document",))     # (doc, provisions, triples), graphs
    monkeypatch.setattr(search.SearchIndex, "fingerprint", lambda self: changed)
    monkeypatch.setattr(search, "REFRESH_SECONDS", 0.0)
    monkeypatch.setattr(search, "BUILD_PATIENCE", 0.2)
    began = time.monotonic()
    assert asyncio.run(index.get()) is first       # rebuild under way: no wait for it, no 503
    assert time.monotonic() - began < 5
    release.set()
    index._build.result(30)
    assert asyncio.run(index.get()).fingerprint == changed


def test_start_builds_before_the_first_search(index):
    index.start().result(60)
    began = time.monotonic()
    assert asyncio.run(index.get()).provisions
    assert time.monotonic() - began < 5


def test_http_503_while_building_then_answers(store, monkeypatch):
    release = threading.Event()
    real_build = search.SearchIndex.build
    monkeypatch.setattr(search.SearchIndex, "build", lambda self, fp: (release.wait(30), real_build(self, fp))[1])
    monkeypatch.setattr(search, "BUILD_PATIENCE", 0.2)
    client = TestClient(create_app(store, text_folders=[ROOT / "corpus"]))
    busy = client.get("/api/search", params={"q": "医疗器械"})
    assert busy.status_code == 503 and busy.headers["Retry-After"].isdigit()
    release.set()
    found = searched_once_built(client)
    assert found.status_code == 200 and found.json()["total"] > 0


def searched_once_built(http):
    """The search answer once the index is built (a 503 while it is, for up to 10 s)."""
    for _ in range(100):
        found = http.get("/api/search", params={"q": "医疗器械"})
        if found.status_code == 200:
            break
        time.sleep(0.1)
    return found


@pytest.mark.slow
def test_virtuoso_gives_the_same_index(store, corpus_documents, virtuoso_endpoint):
    """The search_* templates are plain SPARQL 1.1 (subqueries, GROUP_CONCAT with control-character
    separators): a remote Virtuoso holding the corpus gives the same index as the embedded store."""
    from dataclasses import asdict

    from policykg.graph.mapping import document_graph_iri, document_to_triples
    from policykg.graph.store import open_store
    remote = open_store(endpoint=virtuoso_endpoint, server_kind="virtuoso")
    for name in remote.graph_names():
        remote.delete_graph(name)
    for doc in corpus_documents.values():
        remote.replace_graph(document_graph_iri(doc), document_to_triples(doc))
    built = []
    for s in (store, remote):
        index = search.SearchIndex(Browser(s, Limits(), TextSource([ROOT / "corpus"])))
        idx = index.build(index.fingerprint())
        built.append(([asdict(p) for p in idx.provisions.values()], {k: asdict(u) for k, u in idx.units.items()}))
    for name in remote.graph_names():
        remote.delete_graph(name)
    assert built[0][0] and built[0] == built[1]


def test_search_past_the_provisions_limit_is_503_saying_why_and_the_rest_answers(store, monkeypatch):
    """A store too large for the in-memory index: search is refused at once, naming the count and
    the setting, without Retry-After (waiting would not mend it); the rest of the API answers."""
    import httpx
    from policykg.api.testing import live_server
    monkeypatch.setenv(search.MAX_PROVISIONS_ENV, "100")                # the corpus has 199
    with live_server(create_app(store, text_folders=[ROOT / "corpus"])) as url:
        with httpx.Client(base_url=url, timeout=60) as http:
            refused = http.get("/api/search", params={"q": "医疗器械"})
            assert refused.status_code == 503 and "Retry-After" not in refused.headers
            assert "199 provisions" in refused.text and search.MAX_PROVISIONS_ENV in refused.text
            assert http.get("/api/units").status_code == 200
            monkeypatch.setenv(search.MAX_PROVISIONS_ENV, "1000")       # raised: the next search builds it
            found = searched_once_built(http)
            assert found.status_code == 200 and found.json()["total"] > 0
