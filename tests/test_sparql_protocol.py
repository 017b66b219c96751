"""SPARQL endpoint and Graph Store behaviour through the ASGI test client: negotiation table,
errors, authorisation, dataset parameters, limits, service description."""
import json

import pytest
from fastapi.testclient import TestClient

from policykg.api.app import create_app
from policykg.api.formats import negotiate, SELECT_FORMATS, ASK_FORMATS, GRAPH_FORMATS
from w3c.fixtures import EX, GRAPH, SAMPLE_TTL, load_sample, open_test_store

TOKEN = "s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SELECT = f"SELECT ?u ?label WHERE {{ ?u a <{EX}Unit> ; <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
CONSTRUCT = f"CONSTRUCT {{ ?u <{EX}leads> ?t }} WHERE {{ ?u <{EX}leads> ?t }}"


@pytest.fixture()
def store(tmp_path):
    s = open_test_store(tmp_path)
    load_sample(s)
    yield s
    s.close()


@pytest.fixture()
def client(store):
    return TestClient(create_app(store, update_token=TOKEN, max_rows=50))


@pytest.fixture()
def readonly(store):
    return TestClient(create_app(store))


@pytest.mark.parametrize("accept, expected", [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("text/csv", "text/csv"),
    ("text/csv;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
    ("application/sparql-results+xml, */*", "application/sparql-results+xml"),
    ("application/sparql-results+json;q=0.1, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("text/*", "text/csv"),
    ("application/json", "application/sparql-results+json"),
])
def test_select_negotiation_table(accept, expected):
    assert negotiate(accept, SELECT_FORMATS).media_type == expected


def test_zero_q_and_unknown_types_are_refused():
    assert negotiate("text/csv;q=0", SELECT_FORMATS) is None
    assert negotiate("image/png", SELECT_FORMATS) is None
    assert negotiate("text/csv", ASK_FORMATS) is None           # CSV has no boolean form
    assert negotiate("application/ld+json", GRAPH_FORMATS).media_type == "application/ld+json"


@pytest.mark.parametrize("accept, parse", [
    ("application/sparql-results+json", lambda b: len(json.loads(b)["results"]["bindings"])),
    ("application/sparql-results+xml", lambda b: b.count(b"<result>")),
    ("text/csv", lambda b: len(b.decode().strip().split("\r\n")) - 1),
    ("text/tab-separated-values", lambda b: len(b.decode().strip().split("\n")) - 1),
])
def test_select_each_format(client, accept, parse):
    r = client.get("/sparql", params={"query": SELECT}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(accept)
    assert parse(r.content) == 4          # two units, a Chinese and an English label each


def test_json_results_keep_language_tags_and_datatypes(client):
    q = f"SELECT ?label ?d ?n WHERE {{ {{ <{EX}unit1> <http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(lang(?label)='zh') }} " \
        f"UNION {{ <{EX}task1> <{EX}deadline> ?d }} UNION {{ <{EX}task2> <{EX}target> ?n }} }}"
    bindings = client.post("/sparql", data={"query": q}).json()["results"]["bindings"]
    values = {k: v for b in bindings for k, v in b.items()}
    assert values["label"] == {"type": "literal", "value": "市卫生健康委", "xml:lang": "zh"}
    assert values["d"]["datatype"].endswith("#date")
    assert values["n"]["datatype"].endswith("#integer") and values["n"]["value"] == "100"


def test_tsv_escapes_tabs_and_newlines(client):
    r = client.get("/sparql", params={"query": f"SELECT ?t WHERE {{ <{EX}task1> <{EX}text> ?t }}"},
                   headers={"Accept": "text/tab-separated-values"})
    lines = r.text.strip().split("\n")
    assert lines[0] == "?t" and len(lines) == 2 and "\\t" in lines[1] and "\\n" in lines[1]


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"])
def test_construct_each_format(client, accept):
    import pyoxigraph as ox
    fmt = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
           "application/ld+json": ox.RdfFormat.JSON_LD, "application/rdf+xml": ox.RdfFormat.RDF_XML}[accept]
    r = client.post("/sparql", content=CONSTRUCT, headers={"Content-Type": "application/sparql-query", "Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    assert len(list(ox.parse(r.content, format=fmt))) == 2


def test_406_when_nothing_fits(client):
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "text/csv"})
    assert r.status_code == 406 and "application/sparql-results+json" in r.json()["message"]
    assert client.get("/sparql", params={"query": SELECT}, headers={"Accept": "image/png"}).status_code == 406


def test_malformed_query_gives_parser_message(client):
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p"})
    assert r.status_code == 400
    assert r.json()["error"] == "bad_query" and "1:" in r.json()["message"]   # the parser's position


@pytest.mark.parametrize("kwargs", [
    {"params": {"query": "ASK {}", "update": "CLEAR ALL"}},
    {"params": {"query": ["ASK {}", "ASK {}"]}},
    {"params": {"default-graph-uri": "http://g"}},
    {"params": {"query": ""}},
    {"params": {"query": "ASK {}", "using-graph-uri": "http://g"}},
])
def test_bad_protocol_requests(client, kwargs):
    assert client.get("/sparql", **kwargs).status_code == 400


def test_post_without_operation_and_wrong_media_types(client):
    assert client.post("/sparql", data={}).status_code == 400
    assert client.post("/sparql", content="ASK {}", headers={"Content-Type": "text/plain"}).status_code == 415
    r = client.post("/sparql", content="ASK {}".encode("utf-16"),
                    headers={"Content-Type": "application/sparql-query; charset=UTF-16"})
    assert r.status_code == 415


def test_dataset_parameters_override_the_query(client):
    ask = f"ASK {{ <{EX}unit2> ?p ?o }}"
    assert client.get("/sparql", params={"query": ask}).json()["boolean"] is True
    # unit2 is only in the default graph; the named graph holds a document
    assert client.get("/sparql", params={"query": ask, "default-graph-uri": GRAPH}).json()["boolean"] is False
    doc = f"ASK FROM <{EX}nowhere> {{ <{EX}doc1> ?p ?o }}"
    assert client.get("/sparql", params={"query": doc}).json()["boolean"] is False
    assert client.get("/sparql", params={"query": doc, "default-graph-uri": GRAPH}).json()["boolean"] is True
    names = client.get("/sparql", params={"query": "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }",
                                          "named-graph-uri": GRAPH}).json()["results"]["bindings"]
    assert [b["g"]["value"] for b in names] == [GRAPH]


def test_update_needs_token(client, readonly):
    upd = f"INSERT DATA {{ <{EX}x> <{EX}p> 'v' }}"
    assert readonly.post("/sparql", data={"update": upd}, headers=AUTH).status_code == 403
    assert client.post("/sparql", data={"update": upd}).status_code == 401
    assert client.post("/sparql", data={"update": upd}, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/sparql", params={"update": upd}, headers=AUTH).status_code == 400
    assert client.post("/sparql", content=upd, headers={"Content-Type": "application/sparql-update", **AUTH}).status_code == 204
    assert client.get("/sparql", params={"query": f"ASK {{ <{EX}x> ?p ?o }}"}).json()["boolean"] is True


def test_update_using_parameters_and_conflict(client):
    upd = f"INSERT {{ GRAPH <{EX}out> {{ ?x a <{EX}Seen> }} }} WHERE {{ ?x a ?type }}"
    r = client.post("/sparql", params={"using-graph-uri": GRAPH}, content=upd,
                    headers={"Content-Type": "application/sparql-update", **AUTH})
    assert r.status_code == 204
    seen = client.get("/sparql", params={"query": f"SELECT ?x {{ GRAPH <{EX}out> {{ ?x ?p ?o }} }}"}).json()
    assert [b["x"]["value"] for b in seen["results"]["bindings"]] == [EX + "doc1"]   # only GRAPH was read
    r = client.post("/sparql", params={"using-graph-uri": GRAPH}, content=f"WITH <{EX}g> " + upd,
                    headers={"Content-Type": "application/sparql-update", **AUTH})
    assert r.status_code == 400 and r.json()["error"] == "dataset_conflict"


def test_result_size_limit(client):
    q = "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c }"          # 15 x 15 rows > max_rows=50
    r = client.get("/sparql", params={"query": q})
    assert r.status_code == 400 and r.json()["error"] == "result_too_large"
    r = client.get("/sparql", params={"query": "CONSTRUCT { ?s ?p ?c } WHERE { ?s ?p ?o . ?a ?b ?c }"})
    assert r.status_code == 400 and r.json()["error"] == "result_too_large"


def test_service_description(client, readonly):
    import pyoxigraph as ox
    r = client.get("/sparql")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    triples = list(ox.parse(r.content, format=ox.RdfFormat.TURTLE))
    objects = {t.object.value for t in triples if isinstance(t.object, ox.NamedNode)}
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert {sd + "SPARQL11Query", sd + "SPARQL11Update", "http://testserver/sparql", GRAPH} <= objects
    assert sd + "SPARQL11Update" not in readonly.get("/sparql").text.replace("sd:", sd)
    assert client.get("/sparql", headers={"Accept": "application/ld+json"}).headers["content-type"].startswith("application/ld+json")
    r = client.get("/sparql", headers={"Accept": "text/html,*/*;q=0.8"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_graph_store_protocol(client, readonly):
    g = EX + "graph/new"
    ttl = f"<{EX}a> <{EX}b> 'c' ."
    assert readonly.put("/store", params={"graph": g}, content=ttl, headers={"Content-Type": "text/turtle", **AUTH}).status_code == 403
    assert client.put("/store", params={"graph": g}, content=ttl, headers={"Content-Type": "text/turtle"}).status_code == 401
    assert client.put("/store", params={"graph": g}, content=ttl, headers={"Content-Type": "text/turtle", **AUTH}).status_code == 201
    assert client.put("/store", params={"graph": g}, content=ttl, headers={"Content-Type": "text/turtle", **AUTH}).status_code == 204
    assert client.post("/store", params={"graph": g}, content=f'<{EX}a> <{EX}b> "d" .',
                       headers={"Content-Type": "application/n-triples", **AUTH}).status_code == 204
    r = client.get("/store", params={"graph": g}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and len(r.text.strip().splitlines()) == 2
    assert client.get("/store", params={"default": ""}).status_code == 200
    assert client.put("/store", params={"graph": g}, content="not turtle <", headers={"Content-Type": "text/turtle", **AUTH}).status_code == 400
    assert client.put("/store", params={"graph": g}, content=ttl, headers={"Content-Type": "image/png", **AUTH}).status_code == 415
    assert client.get("/store").status_code == 400
    assert client.delete("/store", params={"graph": g}, headers=AUTH).status_code == 204
    assert client.get("/store", params={"graph": g}).status_code == 404
    assert client.delete("/store", params={"graph": g}, headers=AUTH).status_code == 404


def test_relative_iris_resolve_against_the_endpoint(client):
    assert client.post("/sparql", data={"update": "INSERT DATA { <rel> <http://e/p> 1 }"}, headers=AUTH).status_code == 204
    r = client.get("/sparql", params={"query": "ASK { <http://testserver/rel> ?p ?o }"})
    assert r.json()["boolean"] is True


def test_sample_is_valid_turtle():
    import pyoxigraph as ox
    assert len(list(ox.parse(SAMPLE_TTL.encode(), format=ox.RdfFormat.TURTLE))) == 14
