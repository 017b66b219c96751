"""The browse API over a remote SPARQL server gives the pages it gives over the embedded store.

The browse templates are planned for Oxigraph, whose scans return a document's rows in reading
order, so over the embedded store a page needs no ORDER BY over every row; another server keeps
no such order, and its pages (LIMIT/OFFSET over an unordered answer) could overlap or skip rows.
Here a real `oxigraph serve` and a real Virtuoso hold the corpus, and every list is walked page
by page on each and on the embedded store."""
import contextlib
from pathlib import Path

import httpx
import pytest

from conftest import stored_corpus
from policykg.api.app import create_app
from policykg.api.testing import live_server

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
PAGE = 7
LISTS = [
    ("/api/documents", {}),
    ("/api/provisions", {}),
    ("/api/provisions", {"lang": "en", "topic": "medical-devices"}),
    ("/api/targets", {}),
    ("/api/deadlines", {}),
    ("/api/deadlines", {"after": "2023-01-01"}),
    ("/api/units", {}),
    ("/api/units", {"city": "巴中市", "role": "lead"}),
    ("/api/units", {"topic": "medical-devices"}),
    ("/api/regions", {}),
    ("/api/cities", {}),
    ("/api/network", {}),
]


@pytest.fixture(scope="module", params=["oxigraph-serve", "virtuoso"])
def servers(request, tmp_path_factory, corpus_documents):
    """(embedded base URL, remote base URL): the same corpus served from the embedded store and
    from a real `oxigraph serve` or Virtuoso (each started by the tests on 127.0.0.1)."""
    from policykg.graph.load import load_ontology
    from policykg.graph.mapping import document_graph_iri, document_to_triples
    from policykg.graph.store import open_store
    from policykg.graph.testing import oxigraph_server
    with contextlib.ExitStack() as stack:
        if request.param == "virtuoso":
            remote = open_store(endpoint=request.getfixturevalue("virtuoso_endpoint"), server_kind="virtuoso")
        else:
            remote = open_store(endpoint=stack.enter_context(oxigraph_server()))
        local = stored_corpus(tmp_path_factory.mktemp("remote-api-local"), corpus_documents)
        stack.callback(local.close)
        for name in remote.graph_names():
            remote.delete_graph(name)
        stack.callback(lambda: [remote.delete_graph(name) for name in remote.graph_names()])
        for store in (local, remote):
            load_ontology(store)
        for doc in corpus_documents.values():
            remote.replace_graph(document_graph_iri(doc), document_to_triples(doc))
        folders = [ROOT / "corpus"]
        a = stack.enter_context(live_server(create_app(local, text_folders=folders)))
        b = stack.enter_context(live_server(create_app(remote, text_folders=folders)))
        yield a, b


def walk(base: str, path: str, params: dict) -> list:
    """Every item of a list, page by page (PAGE items a page), as the `next` links lead."""
    items, url = [], f"{base}{path}"
    query = {**params, "limit": PAGE}
    for _ in range(200):
        answer = httpx.get(url, params=query, timeout=60)
        assert answer.status_code == 200, (path, answer.text[:300])
        body = answer.json()
        items += body.get("items") or body.get("edges") or []
        if not body.get("next"):
            return items
        url, query = body["next"], None
    raise AssertionError(f"{path}: more than 200 pages")


@pytest.mark.parametrize("path, params", LISTS, ids=[f"{p}?{q}" for p, q in LISTS])
def test_remote_pages_match_the_embedded_store(servers, path, params):
    local, remote = servers
    expected = walk(local, path, params)
    assert expected, f"{path} is empty on the corpus: the comparison would prove nothing"
    assert walk(remote, path, params) == expected


def test_remote_single_pages_match(servers):
    """A unit's page (every task, with its source text), a document's and a topic's."""
    local, remote = servers
    units = httpx.get(f"{local}/api/units", params={"limit": 3}, timeout=60).json()["items"]
    documents = httpx.get(f"{local}/api/documents", params={"limit": 2}, timeout=60).json()["items"]
    paths = [u["url"].removeprefix(local) if u["url"].startswith("http") else u["url"] for u in units]
    paths += [f"/api/documents/{d['id']}" for d in documents] + ["/api/topics/medical-devices", "/api/topics"]
    for path in paths:
        answers = [httpx.get(base + path, params={"lang": "en"}, timeout=60) for base in (local, remote)]
        assert [a.status_code for a in answers] == [200, 200], (path, answers[1].text[:300])
        assert answers[1].json() == answers[0].json(), path
