"""Browse API and named-query list on the bundled corpus (TestClient): pagination, lang,
404 with a message, 422 naming the field, source text at the recorded offsets."""
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import stored_corpus
from policykg.api.app import create_app

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def client(tmp_path_factory, corpus_documents):
    store = stored_corpus(tmp_path_factory.mktemp("browse-store"), corpus_documents)
    yield TestClient(create_app(store, text_folders=[ROOT / "corpus"]))
    store.close()


def test_documents_paginate_and_name_their_language(client, corpus_documents):
    first = client.get("/api/documents", params={"limit": 2}).json()
    assert first["lang"] == "zh" and first["count"] == 2 and first["next"]
    ids, page = set(), first
    while True:
        ids |= {d["id"] for d in page["items"]}
        if not page["next"]:
            break
        page = client.get(page["next"]).json()
    assert ids == {d.meta.id for d in corpus_documents.values()}
    en = client.get("/api/documents", params={"lang": "en", "limit": 50}).json()
    assert en["lang"] == "en"
    for item in en["items"]:
        assert item["title"] == (item["title_en"] or item["title_zh"])


def test_city_filter_accepts_short_names(client, corpus_documents):
    docs = client.get("/api/documents", params={"city": "巴中"}).json()["items"]
    assert docs and all(d["city"] == "巴中市" for d in docs)
    assert len(docs) == sum(d.meta.city == "巴中市" for d in corpus_documents.values())


@pytest.mark.parametrize("url, params, field", [
    ("/api/documents", {"city": "火星市"}, "city"),
    ("/api/units", {"document": "no-such-doc"}, "document"),
    ("/api/documents", {"lang": "fr"}, "lang"),
    ("/api/units", {"limit": 0}, "limit"),
    ("/api/deadlines", {"before": "soon"}, "before"),
    ("/api/deadlines", {"before": "2020-01-01", "after": "2021-01-01"}, "after"),
    ("/api/provisions", {"unit": "not an iri"}, "unit"),
])
def test_bad_parameters_are_422_naming_the_field(client, url, params, field):
    r = client.get(url, params=params)
    assert r.status_code == 422
    assert any(err["loc"][-1] == field for err in r.json()["detail"])


@pytest.mark.parametrize("url", ["/api/documents/no-such-doc", "/api/units/巴中市/不存在的局", "/queries/no_such_query"])
def test_unknown_ids_are_404_with_a_message(client, url):
    r = client.get(url)
    assert r.status_code == 404 and isinstance(r.json()["detail"], str) and r.json()["detail"]


def test_provision_text_is_the_source_at_its_offsets(client, corpus_documents):
    doc = next(iter(corpus_documents.values()))
    items = client.get("/api/provisions", params={"document": doc.meta.id, "limit": 500}).json()["items"]
    assert len(items) == len(doc.provisions)
    for item in items:
        assert item["text"] == doc.text[item["start"]:item["end"]]


def test_unit_page_has_tasks_with_highlightable_mentions(client):
    top = client.get("/api/units", params={"city": "巴中市", "limit": 1}).json()["items"][0]
    unit = client.get(top["url"]).json()
    assert unit["name_zh"] == top["name_zh"] and unit["tasks"]
    assert len({t["task"] for t in unit["tasks"]}) == top["leads"] + top["shares"] + top["implied_leads"]
    stated = [t for t in unit["tasks"] if t["basis"] == "Stated"]
    assert stated and all(t["start"] <= t["mention_start"] < t["mention_end"] <= t["end"] for t in stated)


def test_unit_page_pages_its_tasks(client):
    """A unit's tasks come a page at a time, following `next`: the pages add up to the whole."""
    top = client.get("/api/units", params={"city": "巴中市", "limit": 1}).json()["items"][0]
    whole = client.get(top["url"]).json()
    assert whole["next"] is None and whole["count"] == len(whole["tasks"]) > 4
    pages, url, params = [], top["url"], {"limit": 2}
    while url:
        answer = client.get(url, params=params).json()
        assert answer["count"] == len(answer["tasks"]) <= 2
        pages += answer["tasks"]
        url, params = answer["next"], None
    assert pages == whole["tasks"]
    assert whole["documents"] == sorted({t["document"] for t in whole["tasks"]})
    assert whole["roles"] == sorted({f"{t['role']}/{t['basis']}" for t in whole["tasks"]})
    second = client.get(top["url"], params={"limit": 2, "offset": 2}).json()
    assert (second["documents"], second["roles"]) == (whole["documents"], whole["roles"])   # the unit's, not the page's
    assert client.get(top["url"], params={"limit": 0}).status_code == 422


def test_network_edges_join_units_to_tasks(client):
    net = client.get("/api/network", params={"city": "聊城"}).json()
    ids = {n["id"] for n in net["nodes"]}
    assert net["edges"] and all(e["source"] in ids and e["target"] in ids for e in net["edges"])
    assert {e["role"] for e in net["edges"]} <= {"LeadRole", "ResponsibleRole"}


def test_deadlines_before_a_date(client):
    items = client.get("/api/deadlines", params={"before": "2023-12-31", "limit": 500}).json()["items"]
    assert items and all(i["due"] <= "2023-12-31" for i in items)


def test_named_queries_listed_and_runnable(client):
    queries = client.get("/queries").json()["queries"]
    assert {"units", "documents"} <= {q["name"] for q in queries}
    for q in queries:
        r = client.post("/sparql", data={"query": q["text"]})
        assert r.status_code == 200, (q["name"], r.text[:200])


def test_page_and_vendor_files(client):
    assert "yasgui" in client.get("/").text
    for name in ("yasgui.min.js", "cytoscape.min.js", "yasgui.min.css"):
        assert client.get(f"/vendor/{name}").status_code == 200
    assert client.get("/vendor/package.json").status_code == 404
    assert client.get("/static/app.js").status_code == 200
