"""Named questions on the corpus, checked against facts from the gold annotations, and the same
answers from the embedded store and from a real `oxigraph serve`."""
import json
import tomllib

import pytest

from conftest import CORPUS, GOLD
from policykg.errors import UserError
from policykg.graph.load import ingest
from policykg.graph.queries import MAX_LIMIT, load_query, prepare, query_names, run_named
from policykg.graph.store import open_store
from policykg.graph.testing import oxigraph_server

CITIES = {"巴中市", "聊城市", "重庆市"}


def gold_documents():
    """doc id -> gold annotation (joined through the manifest's `original` file name)."""
    manifest = tomllib.loads((CORPUS / "manifest.toml").read_text("utf-8"))["document"]
    return {d["id"]: json.loads((GOLD / d["original"].replace(".txt", ".json")).read_text("utf-8"))
            for d in manifest}


def canonical(gold, name):
    return gold["aliases"].get(name, name)


@pytest.fixture(scope="module")
def gold():
    if not GOLD.exists():
        pytest.skip("gold annotations not available")
    return gold_documents()


@pytest.fixture(scope="module")
def embedded():
    store = open_store()
    summary = ingest(store, sorted(CORPUS.glob("*.txt")), shacl=False)
    assert summary.documents == 5 and not summary.failed
    yield store
    store.close()


@pytest.fixture(scope="module")
def remote():
    with oxigraph_server() as base:
        store = open_store(endpoint=base)
        ingest(store, sorted(CORPUS.glob("*.txt")), shacl=False)
        yield store
        store.close()


def rows(store, query_name, **params):
    """Every row: a query that pages is asked for one page as long as the answer."""
    if "limit" in {p.name for p in load_query(query_name).params}:
        params.setdefault("limit", str(MAX_LIMIT))
    return page(store, query_name, **params)


def page(store, query_name, **params):
    return [{k: v.value for k, v in r.items()} for r in run_named(store, query_name, params).rows]


# --- 1 leads per city ----------------------------------------------------------------------
def test_stated_leads_match_gold(embedded, gold):
    for doc_id, ann in gold.items():
        city = ann["document"]["city"]
        got = {(r["path"], r["unit_zh"]) for r in rows(embedded, "leads_by_city", city=city)
               if r["basis"] == "Stated" and doc_id in r["document"]}
        want = {(p["id"], canonical(ann, u)) for p in ann["provisions"] for u in p["lead_units"]}
        assert got == want, (doc_id, want - got, got - want)
    # 巴中 004 二/（一）/3 is led by 市商务局 (gold), stated
    ann = gold["bazhong-2023-tcm-integration-opinions"]
    lead = next(p["lead_units"] for p in ann["provisions"] if p["id"] == "二/（一）/3")
    got = [r for r in rows(embedded, "leads_by_city", city="巴中市") if r["path"] == "二/（一）/3"
           and "tcm-integration" in r["document"]]
    assert {r["unit_zh"] for r in got if r["basis"] == "Stated"} == set(lead) == {"市商务局"}


def test_implied_issuer_is_marked_and_never_stated(embedded, gold):
    chongqing = rows(embedded, "leads_by_city", city="重庆市")
    issuer_rows = [r for r in chongqing if r["basis"] == "Implied"]
    assert issuer_rows and {r["unit_zh"] for r in issuer_rows} == {"市经济和信息化委员会"}
    assert {r["basis_en"] for r in issuer_rows} == {"implied (issuing body)"}
    ann = gold["chongqing-2022-biomedicine-14th-five-year-plan"]
    stated = {(r["path"], r["unit_zh"]) for r in chongqing if r["basis"] == "Stated"}
    assert stated == {(p["id"], canonical(ann, u)) for p in ann["provisions"] for u in p["lead_units"]}
    assert not {r["path"] for r in issuer_rows} & {p for p, _ in stated}


def test_liaocheng_responsible_units_are_not_leads(embedded, gold):
    ann = gold["liaocheng-2023-biomedicine-support-measures"]
    stated = {(r["path"], r["unit_zh"]) for r in rows(embedded, "leads_by_city", city="聊城市") if r["basis"] == "Stated"}
    assert stated == {(p["id"], canonical(ann, u)) for p in ann["provisions"] for u in p["lead_units"]}


def test_city_can_be_named_in_english(embedded):
    assert rows(embedded, "leads_by_city", city="Bazhong City") == rows(embedded, "leads_by_city", city="巴中市")
    assert {r["city_zh"] for r in rows(embedded, "leads_by_city")} == CITIES


# --- 2 duties of one unit ------------------------------------------------------------------
def test_duties_of_one_unit_match_gold(embedded, gold):
    want = set()
    for doc_id, ann in gold.items():
        if ann["document"]["city"] != "巴中市":
            continue
        for p in ann["provisions"]:
            for role, key in (("LeadRole", "lead_units"), ("ResponsibleRole", "responsible_units")):
                if "市商务局" in [canonical(ann, u) for u in p[key]]:
                    want.add((doc_id, p["id"], role))
    got = {(r["doc_id"], r["path"], r["role"]) for r in rows(embedded, "unit_duties", name="市商务局", city="巴中市")}
    assert got == want and len(want) >= 5


def test_units_are_per_city(embedded):
    by_city = {r["city_zh"] for r in rows(embedded, "unit_duties", name="市科技局")}
    assert by_city >= {"巴中市", "聊城市"}
    units = {r["unit"] for r in rows(embedded, "unit_duties", name="市科技局")}
    assert len(units) == len(by_city)


# --- 3 due by a date -----------------------------------------------------------------------
def test_due_by_date_groups_units(embedded, gold):
    ann = gold["bazhong-2022-biomedicine-investment-measures"]
    row17 = next(p for p in ann["provisions"] if p["id"] == "附件1/17")
    assert row17["deadlines"][0]["date"] == "2023-12-31"
    result = {r["unit_zh"]: r for r in rows(embedded, "due_by_date", date="2023-12-31", city="巴中市")}
    for unit in row17["lead_units"]:
        assert int(result[unit]["as_lead"]) >= 1 and "附件1/17" in result[unit]["provisions"]
    assert all("2025-12-31" not in r["provisions"] for r in result.values())
    later = {r["unit_zh"] for r in rows(embedded, "due_by_date", date="2025-12-31", city="巴中市")}
    assert set(result) < later


# --- 4 targets and conflicts ---------------------------------------------------------------
def test_cooperatives_20_vs_200_conflict(embedded, gold):
    def gold_value(doc_id):
        return {t["value"] for p in gold[doc_id]["provisions"] for t in p["targets"] if "合作社" in t["metric"]}
    plan, opinions = gold_value("bazhong-2022-biomedicine-action-plan"), gold_value("bazhong-2023-tcm-integration-opinions")
    result = rows(embedded, "target_conflicts", city="巴中市", metric_text="合作社")
    pairs = {(r["doc_id"], int(r["value"]), r["other_doc_id"], int(r["other_value"])) for r in result if r["conflict"] == "true"}
    assert pairs == {("bazhong-2022-biomedicine-action-plan", plan.pop(), "bazhong-2023-tcm-integration-opinions", opinions.pop())} | {
        (b, y, a, x) for a, x, b, y in pairs}


def test_no_conflict_across_cities_or_within_a_document(embedded):
    result = rows(embedded, "target_conflicts")
    assert {r["city_zh"] for r in result} == CITIES
    for r in (r for r in result if r["conflict"] == "true"):
        assert r["doc_id"] != r["other_doc_id"] and r.get("value") != r["other_value"]


# --- 5 same task, different leads ----------------------------------------------------------
def same_heading_documents():
    """Four documents with one heading: three of 巴中 (two leads) and one of 聊城."""
    from graph_helpers import make_document, mention, provision
    return [
        make_document("a-2024-x", provisions=[provision("1", 0, 50, "做强中药材加工", lead=[mention("市经济和信息化局", 5)])]),
        make_document("b-2024-y", provisions=[provision("1", 0, 50, "做强中药材加工", lead=[mention("市商务局", 5)]),
                                              provision("2", 60, 90, "其他任务", lead=[mention("市林业局", 62)])]),
        make_document("c-2024-z", provisions=[provision("1", 0, 50, "做强中药材加工", lead=[mention("市商务局", 5)])]),
        make_document("d-2024-w", city="聊城市", province="山东省",
                      provisions=[provision("1", 0, 50, "做强中药材加工", lead=[mention("市财政局", 5)])]),
    ]


def near_same_documents():
    """Two documents whose tasks meet on a metric, and on a heading ending another."""
    from graph_helpers import make_document, mention, provision, target
    return [
        make_document("a-2024-x", provisions=[
            provision("1", 0, 50, "建设交易中心", lead=[mention("市商务局", 5)], targets=[target("中药材专业合作社", "20")]),
            provision("2", 60, 90, "做强中药材加工", lead=[mention("市林业局", 62)], targets=[target("中药材专业合作社", "5")])]),
        make_document("b-2024-y", provisions=[
            provision("1", 0, 50, "推进物流网络", lead=[mention("市财政局", 5)], targets=[target("组建中药材专业合作社", "200")]),
            provision("2", 60, 90, "中药材加工", lead=[mention("市经济和信息化局", 62)], targets=[target("中药材专业合作社", "9")])]),
    ]


def stored(docs, store=None):
    from policykg.graph.mapping import document_graph_iri, document_to_triples
    store = store or open_store()
    for doc in docs:
        store.replace_graph(document_graph_iri(doc), document_to_triples(doc))
    return store


def test_same_task_led_by_different_units():
    found = {(r["doc_id"], r["lead_zh"], r["other_doc_id"], r["other_lead_zh"], r["reason"])
             for r in rows(stored(same_heading_documents()), "same_task_different_leads")}
    assert found == {("a-2024-x", "市经济和信息化局", "b-2024-y", "市商务局", "heading"),
                     ("a-2024-x", "市经济和信息化局", "c-2024-z", "市商务局", "heading")}


def test_same_task_by_metric_and_heading_beginning_or_end():
    found = {(r["path"], r["lead_zh"], r["other_path"], r["other_lead_zh"], r["reason"])
             for r in rows(stored(near_same_documents()), "same_task_different_leads")}
    assert found == {("1", "市商务局", "1", "市财政局", "metric: 中药材专业合作社"),
                     ("1", "市商务局", "2", "市经济和信息化局", "metric: 中药材专业合作社"),
                     ("2", "市林业局", "1", "市财政局", "metric: 中药材专业合作社"),
                     ("2", "市林业局", "2", "市经济和信息化局", "heading")}     # heading wins over the metric


def test_same_task_rows_on_corpus_have_different_leads(embedded):
    for r in rows(embedded, "same_task_different_leads"):
        assert r["lead_zh"] != r["other_lead_zh"] and r["doc_id"] != r["other_doc_id"]


# --- 6 ranking -----------------------------------------------------------------------------
def test_units_ranked_by_duties(embedded):
    ranking = rows(embedded, "units_by_duties", city="巴中市")
    counts = [int(r["duties"]) for r in ranking]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0
    commerce = next(r for r in ranking if r["unit_zh"] == "市商务局")
    duties = {(r["doc_id"], r["path"]) for r in rows(embedded, "unit_duties", name="市商务局", city="巴中市")}
    assert int(commerce["duties"]) == len(duties)
    assert int(commerce["leads"]) + int(commerce["shared"]) >= int(commerce["duties"])


# --- 7 in force on a date ------------------------------------------------------------------
def test_duties_in_force(embedded):
    mid = rows(embedded, "duties_in_force", date="2024-06-30")
    late = rows(embedded, "duties_in_force", date="2026-06-30")
    chongqing = "chongqing-2022-biomedicine-14th-five-year-plan"
    assert any(r["doc_id"] == chongqing for r in mid)
    assert not any(r["doc_id"] == chongqing for r in late)          # plan ends with 2025
    assert not any(r["path"] == "附件1/17" for r in mid)             # due 2023-12-31
    assert any(r["path"] == "附件1/17" for r in rows(embedded, "duties_in_force", date="2023-06-30"))
    final = rows(embedded, "duties_in_force", date="2024-06-30", status="https://policykg.org/ontology#Final")
    assert final and {r["doc_id"] for r in final} == {chongqing}


# --- parameters and parity -----------------------------------------------------------------
PARAMS = {
    "leads_by_city": {"city": "巴中市"}, "unit_duties": {"name": "市商务局"},
    "due_by_date": {"date": "2025-12-31"}, "target_conflicts": {}, "same_task_different_leads": {},
    "units_by_duties": {}, "duties_in_force": {"date": "2024-06-30"}, "all_duties": {}, "stats": {},
}


def test_every_named_query_has_a_bilingual_header():
    assert set(query_names()) == set(PARAMS)
    for name in query_names():
        q = load_query(name)
        assert q.title_en != name and q.title_zh != name
        assert any("\u4e00" <= ch <= "\u9fff" for ch in q.title_zh)


def test_bad_parameters_are_user_errors(embedded):
    with pytest.raises(UserError, match="date"):
        run_named(embedded, "due_by_date", {"date": "2023-13-01"})
    with pytest.raises(UserError, match="town"):
        run_named(embedded, "leads_by_city", {"town": "巴中市"})
    with pytest.raises(UserError, match="missing"):
        run_named(embedded, "unit_duties", {})
    assert rows(embedded, "unit_duties", name='市商务局" } UNION { ?a ?b ?c') == []


def test_parameters_are_constants_in_the_text_and_pages_are_numbers(embedded):
    text, left = prepare(load_query("unit_duties"), {"name": '市"商务局', "city": "巴中市", "limit": "5", "offset": "10"})
    assert 'VALUES (?name ?city) { ("市\\"商务局" "巴中市") }' in text
    integer = "^^<http://www.w3.org/2001/XMLSchema#integer>"
    assert f'VALUES (?limit ?offset) {{ ("5"{integer} "10"{integer}) }}' in text       # a page from the tallies
    assert "LIMIT 1000 " in text and left == {}                                      # a lone LIMIT is a hint
    text, _ = prepare(load_query("units_by_duties"), {"city": "巴中市", "limit": "5", "offset": "10"})
    assert "LIMIT 5 OFFSET 10" in text                                              # a page clause
    text, _ = prepare(load_query("unit_duties"), {"name": "x"})
    assert "VALUES (?limit ?offset) { (UNDEF UNDEF) }" in text and 'VALUES (?name ?city) { ("x" UNDEF) }' in text
    for bad in ({"limit": "0"}, {"limit": str(MAX_LIMIT + 1)}, {"offset": "-1"}, {"limit": "ten"}):
        with pytest.raises(UserError, match="limit|offset"):
            run_named(embedded, "leads_by_city", bad)


def test_an_export_too_big_for_one_answer_is_refused_not_cut(embedded, monkeypatch):
    import policykg.graph.queries as queries
    monkeypatch.setattr(queries, "UNPAGED", 50)       # as if the corpus had a million assignments
    with pytest.raises(UserError, match="limit .*offset"):
        run_named(embedded, "all_duties", {"city": "巴中市"})
    assert len(run_named(embedded, "all_duties", {"city": "巴中市", "limit": "40"}).rows) == 40


def test_pages_cut_one_total_order(embedded):
    full = rows(embedded, "all_duties", city="巴中市")
    assert page(embedded, "all_duties", city="巴中市") == full                 # the export table: every row
    assert page(embedded, "all_duties", city="巴中市", limit="50", offset="50") == full[50:100]
    tasks = rows(embedded, "leads_by_city", city="巴中市")
    pages = [page(embedded, "leads_by_city", city="巴中市", limit="30", offset=str(n)) for n in range(0, 300, 30)]
    assert [r for p in pages for r in p] == tasks and len(pages[0]) >= 30      # pages count tasks
    assert len(page(embedded, "leads_by_city")) < len(rows(embedded, "leads_by_city"))   # 100 tasks by default


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_embedded_and_server_agree(embedded, remote, name):
    local, served = rows(embedded, name, **PARAMS[name]), rows(remote, name, **PARAMS[name])
    assert normalised(local) == normalised(served)
    assert local or name == "same_task_different_leads"
    # the default page too: pages are cut from a total order, so both stores cut the same rows
    assert normalised(page(embedded, name, **PARAMS[name])) == normalised(page(remote, name, **PARAMS[name]))


def normalised(result):
    """GROUP_CONCAT's order is up to the engine; everything else must match row for row."""
    return [{k: " ; ".join(sorted(v.split(" ; "))) if k == "provisions" else v for k, v in r.items()} for r in result]
