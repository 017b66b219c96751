"""Questions answered from the corpus tallies: pages of tasks and duty assignments
(leads_by_city, all_duties, unit_duties) counted from each city's, document's and unit's place
in the listing (graph/tallies.py) plus each row's ordinal in its document (graph/derived.py),
and due_by_date summed from per-document due summaries, give the same rows as sorting and
grouping every row did (graph/templates/untallied_*.rq, the plan a store with stale tallies is
answered by)."""
import sys
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from conftest import CORPUS
from policykg.errors import UserError
from policykg.graph.load import ingest
from policykg.graph.namespaces import TALLIES_GRAPH, pkg, xsd
from policykg.graph.queries import TEMPLATES, load_query, parse_query, prepare, run_named
from policykg.graph.store import open_store
from policykg.graph.tallies import _buckets, mark_stale, page_offsets, recount

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from generate import generate  # noqa: E402

PAGED = ("leads_by_city", "all_duties")
PAGES = [{}, {"limit": "1"}, {"limit": "7", "offset": "5"}, {"limit": "40", "offset": "190"},
         {"limit": "300", "offset": "1"}, {"offset": "100000"}]
CITIES = ["", "巴中市", "Chongqing Municipality", "甲州市", "乙州市", "无此市"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The bundled corpus and eight synthetic documents of four cities: several documents a city."""
    synthetic = generate(tmp_path_factory.mktemp("synthetic"), 8, seed=11, chars=2500)
    store = open_store()
    assert not ingest(store, sorted(CORPUS.glob("*.txt")) + synthetic, shacl=False).failed
    yield store
    store.close()


def answer(store, query, params) -> list[tuple]:
    """Rows as sorted pairs; GROUP_CONCAT's order is up to the engine."""
    sparql, bindings = prepare(query, params)
    return [tuple(sorted((k, " ; ".join(sorted(v.value.split(" ; "))) if k == "provisions" else v.value)
                         for k, v in row.items())) for row in store.query(sparql, bindings=bindings).rows]


def untallied_plan(name):
    return parse_query(name, (TEMPLATES / f"untallied_{name}.rq").read_text("utf-8"))


@pytest.mark.parametrize("name", PAGED)
@pytest.mark.parametrize("city", CITIES)
def test_counted_pages_are_the_sorted_pages(store, name, city):
    city_param = {"city": city} if city else {}
    seen = 0
    for page in PAGES:
        params = {**page, **city_param}
        expected = answer(store, untallied_plan(name), params)
        assert answer(store, load_query(name), params) == expected, params
        seen += len(expected)
    assert (seen > 0) == (city != "无此市")


@pytest.mark.parametrize("name", ["市财政局", "市商务局", "市科学技术局", "Municipal Bureau of Finance"])
@pytest.mark.parametrize("city", ["", "甲州市", "巴中市"])
def test_unit_pages_are_the_sorted_pages(store, name, city):
    for page in PAGES:
        params = {**page, "name": name, **({"city": city} if city else {})}
        assert answer(store, load_query("unit_duties"), params) == answer(store, untallied_plan("unit_duties"), params)


def test_a_name_of_units_in_several_cities_lists_them_city_after_city(store):
    rows = run_named(store, "unit_duties", {"name": "市财政局", "limit": "1000"}).rows
    cities = [r["city_zh"].value for r in rows]
    assert len(set(cities)) >= 3 and cities == sorted(cities)


@pytest.mark.parametrize("date", ["2023-06-30", "2024-12-31", "2025-12-31", "2035-12-31"])
@pytest.mark.parametrize("city", ["", "巴中市", "甲州市"])
def test_due_summaries_add_up_to_the_grouped_deadlines(store, date, city):
    params = {"date": date, **({"city": city} if city else {})}
    expected = answer(store, untallied_plan("due_by_date"), params)
    assert answer(store, load_query("due_by_date"), params) == expected
    assert expected or date < "2035"


def test_pages_tile_the_listing_without_gaps_or_overlaps(store):
    whole = run_named(store, "all_duties", {"city": "甲州市"}).rows
    pages = [row for offset in range(0, len(whole) + 13, 13)
             for row in run_named(store, "all_duties", {"city": "甲州市", "limit": "13", "offset": str(offset)}).rows]
    assert len(whole) > 26 and pages == whole


def test_stale_tallies_page_by_sorting_and_give_the_same_rows(store):
    params = {"limit": "9", "offset": "20"}
    questions = {**{name: params for name in PAGED}, "unit_duties": {**params, "name": "市财政局"},
                 "due_by_date": {"date": "2025-12-31"}}
    current = {name: answer(store, load_query(name), p) for name, p in questions.items()}
    mark_stale(store)
    try:
        assert {name: [tuple(sorted((k, " ; ".join(sorted(v.value.split(" ; "))) if k == "provisions" else v.value)
                                    for k, v in row.items())) for row in run_named(store, name, p).rows]
                for name, p in questions.items()} == current
    finally:
        recount(store)


def row(doc, city, city_zh, key, tasks, duties):
    return {"doc": NamedNode(f"http://example.org/{doc}"), "city": NamedNode(f"http://example.org/{city}"),
            "city_zh": Literal(city_zh), "key": Literal(str(key), datatype=xsd.integer),
            "tasks": Literal(str(tasks), datatype=xsd.integer),
            "duties": None if duties is None else Literal(str(duties), datatype=xsd.integer)}


def numbers(triples, prop) -> dict:
    return {t.subject.value.rsplit("/", 1)[-1]: int(t.object.value) for t in triples if t.predicate == prop}


def test_offsets_go_by_city_name_then_document_key():
    rows = [row("d3", "b", "乙市", 5, 4, 9), row("d1", "a", "甲市", 9, 2, 3), row("d2", "a", "甲市", 1, 3, 1),
            row("d4", "b", "乙市", 2, 0, 0)]
    triples = page_offsets(rows)
    # 乙市 (U+4E59) sorts before 甲市 (U+7532); in a city, documents by key: d4 before d3, d2 before d1
    assert numbers(triples, pkg.tasksBefore) == {"d4": 0, "d3": 0, "d2": 0, "d1": 3}
    assert numbers(triples, pkg.tasksThrough) == {"d4": 0, "d3": 4, "d2": 3, "d1": 5}
    assert numbers(triples, pkg.tasksBeforeInCorpus) == {"d4": 0, "d3": 0, "d2": 4, "d1": 7}
    assert numbers(triples, pkg.dutiesBeforeInCorpus) == {"d4": 0, "d3": 0, "d2": 9, "d1": 10}
    assert numbers(triples, pkg.dutiesThrough) == {"d4": 0, "d3": 9, "d2": 1, "d1": 4}
    assert {t.subject.value.rsplit("/", 1)[-1] for t in triples if t.predicate == pkg.taskBucket} == {"d3", "d2", "d1"}
    assert {t.object.value for t in triples if t.predicate == pkg.taskBucket} == {   # d4 has no task: no page
        "corpus 0", "http://example.org/b 0", "http://example.org/a 0"}


def test_a_document_is_in_every_bucket_its_places_reach():
    assert list(_buckets(900, 2500)) == [0, 1, 2, 3]      # places 900 … 3399
    assert list(_buckets(1000, 1000)) == [1] and list(_buckets(999, 2)) == [0, 1] and list(_buckets(5, 0)) == []


def test_a_document_ingested_without_its_ordinals_is_named_in_the_refusal():
    with pytest.raises(UserError, match="d9: ingested by an older policykg.*ingest its file again"):
        page_offsets([row("d9", "a", "甲市", 1, 2, None)])


def test_the_offsets_live_in_the_tallies_graph(store):
    props = {t.predicate for t in store.get_graph(TALLIES_GRAPH)}
    assert {pkg.tasksBefore, pkg.tasksThrough, pkg.taskBucket, pkg.dutyBucket, pkg.bearerDutyBucket,
            pkg.assignmentTotal, pkg.listRank, pkg.dueBearer, pkg.dueProvisions} <= props
