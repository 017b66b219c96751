"""The browse API in English and its search, through the real HTTP stack (TestClient, and a live
uvicorn for one round): English unit names, topics and metric words find the Chinese provisions;
lang=en labels everything in English; the new filters (role, topic, issue dates) and their errors."""
import re
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from conftest import stored_corpus
from policykg.api.app import create_app
from policykg.api.testing import live_server

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def app(tmp_path_factory, corpus_documents):
    store = stored_corpus(tmp_path_factory.mktemp("english-store"), corpus_documents)
    yield create_app(store, text_folders=[ROOT / "corpus"])
    store.close()


@pytest.fixture(scope="module")
def client(app):
    return TestClient(app)


def _all(client, url, **params):
    items, page = [], client.get(url, params={**params, "limit": 500}).json()
    while True:
        items += page["items"]
        if not page["next"]:
            return items
        page = client.get(page["next"]).json()


def test_english_unit_name_finds_the_units_provisions(client):
    found = client.get("/api/search", params={"q": "Municipal Bureau of Commerce", "lang": "en", "limit": 100}).json()
    assert found["lang"] == "en"
    units = {u["name_zh"]: u for u in found["units"]}
    assert "市商务局" in units and units["市商务局"]["name"] == "Municipal Bureau of Commerce"
    bears = {p["provision"] for u in found["units"]
             for p in _all(client, "/api/provisions", unit=u["iri"])}
    assert bears and {i["provision"] for i in found["items"]} == bears
    for item in found["items"]:
        via_unit = [m for m in item["matched"] if m["via"] == "unit"]
        assert via_unit and via_unit[0]["label"] == "Municipal Bureau of Commerce"
        assert item["text"] and any(item["text"][s - item["start"]:e - item["start"]].startswith("市商务局")
                                    for s, e in item["highlights"])


def test_english_topic_finds_the_medical_device_provisions(client):
    found = client.get("/api/search", params={"q": "medical devices", "lang": "en", "limit": 200}).json()
    assert [t["id"] for t in found["interpretation"]["topics"]][:1] == ["medical-devices"]
    assert found["total"] >= 5
    texts = [i["text"] for i in found["items"]]
    assert any("医疗器械" in t for t in texts)
    for item in found["items"]:
        assert "medical-devices" in {t["id"] for t in item["topics"]}
        assert "Medical devices" in {t["label"] for t in item["topics"]}


def test_english_metric_word_finds_the_cooperative_targets(client):
    found = client.get("/api/search", params={"q": "cooperatives", "lang": "en"}).json()
    metrics = [m for i in found["items"] for m in i["matched"] if m["via"] == "metric"]
    assert metrics and all("合作社" in m["metric"] for m in metrics)
    assert all("cooperatives" in m["metric_en"] for m in metrics)
    assert {"市级以上中药材专业合作社", "组建中药材专业合作社"} <= {m["metric"] for m in metrics}


def test_chinese_search_uses_jieba_words_and_unit_names(client):
    found = client.get("/api/search", params={"q": "中药材专业合作社"}).json()
    assert found["lang"] == "zh" and found["interpretation"]["tokens"] == ["中药材", "专业", "合作社"]
    assert found["items"] and all("中药材专业合作社" in re.sub(r"\s+", "", i["text"]) for i in found["items"])
    unit = client.get("/api/search", params={"q": "市商务局", "city": "巴中"}).json()
    assert [u["name_zh"] for u in unit["units"]] == ["市商务局"]
    assert unit["items"] and all(i["city"] == "巴中市" for i in unit["items"])


def test_search_pages_and_filters_by_city_in_either_language(client):
    first = client.get("/api/search", params={"q": "medical devices", "lang": "en", "limit": 3}).json()
    assert first["count"] == 3 and first["next"]
    second = client.get(first["next"]).json()
    assert not {i["provision"] for i in first["items"]} & {i["provision"] for i in second["items"]}
    bazhong = client.get("/api/search", params={"q": "medical devices", "lang": "en", "city": "Bazhong"}).json()
    assert bazhong["items"] and all(i["city"] == "Bazhong City" for i in bazhong["items"])


def test_named_question_1_in_english_has_no_chinese_only_unit(client):
    text = client.get("/queries/leads_by_city").json()["text"]
    r = client.post("/sparql", data={"query": text}, headers={"Accept": "application/sparql-results+json"})
    rows = r.json()["results"]["bindings"]
    with_unit = [b for b in rows if "unit" in b]
    assert with_unit and all(b.get("unit_en", {}).get("value") for b in with_unit)
    assert all(not CJK.search(b["unit_en"]["value"]) and b["unit_en"]["xml:lang"] == "en" for b in with_unit)
    for item in _all(client, "/api/units", lang="en"):
        assert item["name"] == item["name_en"] and not CJK.search(item["name"])


def test_lang_en_labels_topics_metrics_regions_and_roles(client):
    topics = client.get("/api/topics", params={"lang": "en"}).json()
    assert topics["lang"] == "en" and topics["items"]
    assert all(t["label"] and not CJK.search(t["label"]) for t in topics["items"])
    assert sum(t["provisions"] for t in topics["items"]) > 100
    for target in _all(client, "/api/targets", lang="en"):
        assert target["metric_en"] and not CJK.search(target["label"]), target["metric_zh"]
    for region in _all(client, "/api/regions", lang="en"):
        assert not CJK.search(region["name"])
    top = client.get("/api/units", params={"city": "巴中市", "limit": 1, "lang": "en"}).json()["items"][0]
    unit = client.get(top["url"], params={"lang": "en"}).json()
    assert unit["lang"] == "en" and {t["role_label"] for t in unit["tasks"]} <= {"lead unit", "responsible unit"}
    assert all(not CJK.search(t["document_title"]) for t in unit["tasks"])
    provisions = client.get("/api/provisions", params={"lang": "en", "limit": 50}).json()["items"]
    assert all(p["english"]["summary"] and not CJK.search(p["english"]["summary"]) for p in provisions)
    assert all(not CJK.search(t["label"]) for p in provisions for t in p["topics"])


def test_role_topic_and_date_filters(client):
    commerce = client.get("/api/search", params={"q": "市商务局", "city": "巴中"}).json()["units"][0]
    leads = _all(client, "/api/provisions", unit=commerce["iri"], role="lead")
    shares = _all(client, "/api/provisions", unit=commerce["iri"], role="responsible")
    unit = client.get(commerce["url"]).json()
    assert len(leads) == len({t["provision"] for t in unit["tasks"] if t["role"] == "LeadRole"})
    assert len(shares) == len({t["provision"] for t in unit["tasks"] if t["role"] == "ResponsibleRole"})
    tagged = _all(client, "/api/provisions", topic="medical-devices")
    assert tagged and all("medical-devices" in {t["id"] for t in p["topics"]} for p in tagged)
    assert len(_all(client, "/api/provisions", topic="医疗器械")) == len(tagged)   # by label too
    lead_units = _all(client, "/api/units", role="lead", basis="stated")
    assert lead_units and all(u["leads"] > 0 for u in lead_units)
    on_topic = _all(client, "/api/units", topic="Medical devices", lang="en")
    assert on_topic and len(on_topic) < len(_all(client, "/api/units"))
    issued = client.get("/api/documents", params={"issued_after": "2022-01-01", "issued_before": "2022-12-31"}).json()
    assert [d["issued"] for d in issued["items"]] == ["2022-12-26"]
    assert client.get("/api/documents", params={"issued_before": "2000-01-01"}).json()["items"] == []


@pytest.mark.parametrize("url, params, field", [
    ("/api/search", {"q": ""}, "q"),
    ("/api/search", {}, "q"),
    ("/api/search", {"q": "x", "city": "Atlantis"}, "city"),
    ("/api/search", {"q": "x", "limit": 0}, "limit"),
    ("/api/provisions", {"topic": "astrology"}, "topic"),
    ("/api/units", {"role": "boss"}, "role"),
    ("/api/provisions", {"basis": "rumour"}, "basis"),
    ("/api/documents", {"issued_after": "2023-01-01", "issued_before": "2022-01-01"}, "issued_after"),
    ("/api/documents", {"issued_after": "yesterday"}, "issued_after"),
])
def test_bad_parameters_are_422_naming_the_field(client, url, params, field):
    r = client.get(url, params=params)
    assert r.status_code == 422
    assert any(err["loc"][-1] == field for err in r.json()["detail"])


def test_unknown_topic_is_404_and_every_answer_names_its_language(client):
    r = client.get("/api/topics/astrology")
    assert r.status_code == 404 and "astrology" in r.json()["detail"]
    for url in ("/api/topics", "/api/topics/medical-devices", "/api/cities", "/api/documents", "/api/provisions",
                "/api/units", "/api/regions", "/api/targets", "/api/deadlines", "/api/network"):
        assert client.get(url, params={"lang": "en"}).json()["lang"] == "en", url
    assert client.get("/api/search", params={"q": "TCM", "lang": "en"}).json()["lang"] == "en"


def test_search_against_a_live_uvicorn(app):
    with live_server(app) as url:
        r = httpx.get(url + "/api/search", params={"q": "Municipal Bureau of Commerce", "lang": "en"}, timeout=30)
        assert r.status_code == 200 and r.json()["items"]
        r = httpx.get(url + "/api/search", params={"q": "医疗器械", "limit": 5}, timeout=30)
        assert r.status_code == 200 and all("医疗器械" in i["text"] for i in r.json()["items"])
        bad = httpx.get(url + "/api/search", params={"q": "x", "lang": "fr"}, timeout=30)
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "lang"
