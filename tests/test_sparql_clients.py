"""Real clients against a live uvicorn on 127.0.0.1 (its own process, started here):
SPARQLWrapper, rdflib's SPARQLStore / SPARQLUpdateStore, and raw HTTP per content type;
hostile queries get their 4xx/503 while a concurrent simple query is still answered."""
import io
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from rdflib.query import Result
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

from policykg.graph.testing import stop

from w3c.fixtures import EX

pytestmark = pytest.mark.slow
TESTS = Path(__file__).resolve().parent
TOKEN = "client-test-token"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SELECT = f"SELECT ?u ?label WHERE {{ ?u a <{EX}Unit> ; <{LABEL}> ?label }} ORDER BY ?u ?label"
ASK = f"ASK {{ <{EX}unit1> <{EX}leads> <{EX}task1> }}"
CONSTRUCT = f"CONSTRUCT {{ ?u <{EX}leads> ?t }} WHERE {{ ?u <{EX}leads> ?t }}"
NEXT = f"<{EX}next>"
FOREVER = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a {NEXT}+ ?b . ?c {NEXT}+ ?d . ?e {NEXT}+ ?f }}"
HUGE = f"SELECT ?a ?b WHERE {{ ?a {NEXT}+ ?b }}"                 # 200 x 200 rows > max_rows


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`python -m w3c.serve_sample` in a child process; its first line names the port."""
    store_dir = tmp_path_factory.mktemp("client-store")
    proc = subprocess.Popen(
        [sys.executable, "-m", "w3c.serve_sample", "--store-dir", str(store_dir), "--token", TOKEN,
         "--timeout", "2", "--grace", "1", "--max-rows", "1000", "--ring", "200"],
        cwd=TESTS, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(TESTS)})
    try:
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            pytest.fail(f"test server did not start: {line}{proc.stderr.read()}")
        url = f"http://127.0.0.1:{line.split()[1]}"
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url + "/sparql", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"test server not answering: {proc.stderr.read()}")
                time.sleep(0.05)
        yield url
    finally:
        stop(proc)


# ---- SPARQLWrapper -----------------------------------------------------------------------

def _wrapper(server, fmt, query=SELECT):
    sparql = SPARQLWrapper(server + "/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    return sparql.query()


def test_sparqlwrapper_json(server):
    result = _wrapper(server, JSON).convert()
    labels = [b["label"]["value"] for b in result["results"]["bindings"]]
    assert result["head"]["vars"] == ["u", "label"]
    assert set(labels) == {"市卫生健康委", "Municipal Health Commission",
                           "市发展改革委", "Municipal Development and Reform Commission"}


def test_sparqlwrapper_xml(server):
    doc = _wrapper(server, XML).convert()          # an xml.dom.minidom Document
    literals = doc.getElementsByTagName("literal")
    assert {lit.getAttribute("xml:lang") for lit in literals} == {"zh", "en"}
    assert len(doc.getElementsByTagName("result")) == 4


def test_sparqlwrapper_csv(server):
    text = _wrapper(server, CSV).convert().decode()
    lines = text.strip().split("\r\n")
    assert lines[0] == "u,label" and len(lines) == 5 and "市卫生健康委" in text


def test_sparqlwrapper_ask_and_construct(server):
    assert _wrapper(server, JSON, ASK).convert()["boolean"] is True
    g = Graph().parse(data=_wrapper(server, TURTLE, CONSTRUCT).convert(), format="turtle")
    assert len(g) == 2


def test_sparqlwrapper_update_needs_token(server):
    upd = f"INSERT DATA {{ GRAPH <{EX}graph/wrapper> {{ <{EX}w> <{EX}p> 'by SPARQLWrapper' }} }}"
    sparql = SPARQLWrapper(server + "/sparql")
    sparql.setMethod(POST)
    sparql.setQuery(upd)
    with pytest.raises(Exception) as refused:
        sparql.query()
    assert "401" in str(refused.value) or "Unauthorized" in type(refused.value).__name__
    sparql.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    assert sparql.query().response.status == 204


# ---- rdflib ------------------------------------------------------------------------------

def test_rdflib_sparqlstore_select_ask_construct(server):
    store = SPARQLStore(server + "/sparql")
    g = Graph(store)
    rows = list(g.query(SELECT))
    assert len(rows) == 4 and {str(r.label) for r in rows} >= {"市卫生健康委"}
    assert {r.label.language for r in rows} == {"zh", "en"}
    assert g.query(ASK).askAnswer is True
    built = g.query(CONSTRUCT).graph
    assert (URIRef(EX + "unit2"), URIRef(EX + "leads"), URIRef(EX + "task2")) in built


def test_rdflib_update_store_with_token(server):
    store = SPARQLUpdateStore(server + "/sparql", server + "/sparql",
                              headers={"Authorization": f"Bearer {TOKEN}"})
    store.update(f"INSERT DATA {{ GRAPH <{EX}graph/rdflib> {{ <{EX}r> <{EX}p> 'by rdflib' }} }}")
    assert SPARQLStore(server + "/sparql").query(f"ASK {{ <{EX}r> ?p ?o }}").askAnswer is True


# ---- raw HTTP, each content type, parsed by rdflib's own parsers -----------------------

@pytest.mark.parametrize("accept, parser", [
    ("application/sparql-results+json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
])
def test_raw_select(server, accept, parser):
    r = httpx.get(server + "/sparql", params={"query": SELECT}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    result = Result.parse(io.BytesIO(r.content), format=parser)
    assert len(list(result)) == 4


@pytest.mark.parametrize("accept, parser", [
    ("application/sparql-results+json", "json"), ("application/sparql-results+xml", "xml")])
def test_raw_ask(server, accept, parser):
    r = httpx.post(server + "/sparql", content=ASK,
                   headers={"Accept": accept, "Content-Type": "application/sparql-query"})
    assert r.headers["content-type"].startswith(accept)
    assert Result.parse(io.BytesIO(r.content), format=parser).askAnswer is True


@pytest.mark.parametrize("accept, parser", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")])
def test_raw_construct(server, accept, parser):
    r = httpx.post(server + "/sparql", data={"query": CONSTRUCT}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    assert len(Graph().parse(data=r.content, format=parser)) == 2


def test_raw_errors(server):
    r = httpx.get(server + "/sparql", params={"query": "SELECT * WHERE {"})
    assert r.status_code == 400 and r.json()["error"] == "bad_query"
    assert httpx.get(server + "/sparql", params={"query": ASK}, headers={"Accept": "text/csv"}).status_code == 406
    assert httpx.put(server + "/sparql", params={"query": ASK}).status_code == 405


# ---- hostile queries ---------------------------------------------------------------------

def test_runaway_query_times_out_while_others_are_served(server):
    with ThreadPoolExecutor(max_workers=4) as pool:
        hostile = [pool.submit(_timed_get, server + "/sparql", {"query": FOREVER}) for _ in range(2)]
        time.sleep(0.3)                      # both are now running in the server
        simple, simple_done = _timed_get(server + "/sparql", {"query": ASK})
        answers = [f.result() for f in hostile]
    # No wall-clock bounds (a shared machine is noisy): the simple query must be answered
    # while the hostile ones are still running, and those must end with the time-limit error.
    assert simple.status_code == 200 and simple.json()["boolean"] is True
    assert all(simple_done < done for _, done in answers), "the simple query waited behind the hostile ones"
    for r, _ in answers:
        assert r.status_code == 503 and r.json()["error"] == "query_timeout"
        assert "time limit" in r.json()["message"]


def _timed_get(url, params):
    response = httpx.get(url, params=params, timeout=60)
    return response, time.monotonic()


def test_huge_result_is_refused_with_a_message(server):
    r = httpx.get(server + "/sparql", params={"query": HUGE}, timeout=30)
    assert r.status_code == 400 and r.json()["error"] == "result_too_large"
    assert "LIMIT" in r.json()["message"]
    r = httpx.get(server + "/sparql", params={"query": HUGE + " LIMIT 10"}, timeout=30)
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 10
