"""One suite, two stores: embedded pyoxigraph and a real `oxigraph serve`."""
import pyoxigraph as ox
import pytest

from policykg.graph.store import QueryError, QueryTimeout, ResultTooLarge, open_store
from policykg.graph.testing import oxigraph_server

EX = "http://example.org/"
G1, G2 = EX + "g1", EX + "g2"


def iri(local):
    return ox.NamedNode(EX + local)


def t(s, o, p="p"):
    return ox.Triple(iri(s), iri(p), o)


@pytest.fixture(scope="module")
def server():
    with oxigraph_server() as base:
        yield base


@pytest.fixture(params=["embedded", "embedded-disk", "remote"])
def store(request, tmp_path):
    if request.param == "embedded":
        s = open_store()
    elif request.param == "embedded-disk":
        s = open_store(str(tmp_path / "data"))
    else:
        s = open_store(endpoint=request.getfixturevalue("server"))
        for name in s.graph_names():
            s.delete_graph(name)
        s.delete_graph(None)
    yield s
    s.close()


ZH = ox.Literal("巴中市", language="zh")
EN = ox.Literal("Bazhong", language="en")


def test_replace_graph_replaces_only_that_graph(store):
    store.replace_graph(G1, [t("a", ZH), t("b", EN)])
    store.replace_graph(G2, [t("c", ZH)])
    store.replace_graph(G1, [t("a", EN)])
    assert store.get_graph(G1) == [t("a", EN)]
    assert store.get_graph(G2) == [t("c", ZH)]
    assert store.graph_names() == [G1, G2]


def test_default_dataset_is_union_of_graphs(store):
    store.replace_graph(G1, [t("a", ZH)])
    store.replace_graph(G2, [t("b", ZH)])
    store.add_to_graph(None, [t("c", ZH)])
    rows = store.query("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s").rows
    assert [r["s"] for r in rows] == [iri("a"), iri("b"), iri("c")]
    only = store.query("SELECT ?s WHERE { ?s ?p ?o }", default_graph=[G2]).rows
    assert [r["s"] for r in only] == [iri("b")]


def test_select_keeps_terms_and_leaves_unbound_out(store):
    # Oxigraph stores decimals in canonical form ("0.50" comes back "0.5"); the mapping writes canonical forms.
    dec = ox.Literal("0.5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))
    store.replace_graph(G1, [t("a", ZH), t("b", dec)])
    out = store.query("SELECT ?s ?o ?none WHERE { ?s ?p ?o } ORDER BY ?s")
    assert out.kind == "select"
    assert out.variables == ["s", "o", "none"]
    assert out.rows == [{"s": iri("a"), "o": ZH}, {"s": iri("b"), "o": dec}]


def test_ask_and_construct(store):
    store.replace_graph(G1, [t("a", ZH)])
    assert store.query("ASK { ?s ?p '巴中市'@zh }").boolean is True
    assert store.query("ASK { ?s ?p 'x' }").boolean is False
    out = store.query("CONSTRUCT { ?s <http://example.org/q> ?o } WHERE { ?s ?p ?o }")
    assert out.kind == "graph"
    assert out.triples == [t("a", ZH, "q")]


def test_bindings_are_terms_not_text(store):
    store.replace_graph(G1, [t("a", ZH), t("b", EN)])
    out = store.query("SELECT ?s ?label WHERE { ?s ?p ?label }", bindings={"label": ZH})
    assert out.rows == [{"s": iri("a"), "label": ZH}]
    hostile = ox.Literal('x" } UNION { ?s ?p ?o } #', language="zh")
    assert store.query("SELECT ?s WHERE { ?s ?p ?label }", bindings={"?label": hostile}).rows == []


def test_binding_a_variable_that_is_not_projected(store):
    store.replace_graph(G1, [t("a", ZH), t("b", EN)])
    out = store.query("SELECT ?s WHERE { ?s ?p ?label }", bindings={"label": EN})
    assert [r["s"] for r in out.rows] == [iri("b")]


def test_bad_variable_name_refused(store):
    with pytest.raises(QueryError):
        store.query("SELECT ?s WHERE { ?s ?p ?o }", bindings={"o } #": ZH})


def test_syntax_error_is_query_error(store):
    with pytest.raises(QueryError) as err:
        store.query("SELECT ?s WHERE { ?s ?p }")
    assert not isinstance(err.value, QueryTimeout)
    with pytest.raises(QueryError):
        store.update("INSERT DATA { <a> }")


def test_max_rows(store):
    store.replace_graph(G1, [t(str(i), ZH) for i in range(20)])
    assert len(store.query("SELECT * WHERE { ?s ?p ?o }", max_rows=20).rows) == 20
    with pytest.raises(ResultTooLarge):
        store.query("SELECT * WHERE { ?s ?p ?o }", max_rows=19)


def test_timeout_stops_a_long_query(store):
    store.replace_graph(G1, [t(str(i), ox.Literal(str(i))) for i in range(400)])
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
    with pytest.raises(QueryTimeout):
        store.query(slow, timeout=0.3)
    quick = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b }", timeout=5)
    assert quick.rows[0]["n"].value == "400"


def test_update_and_delete(store):
    store.update(f"INSERT DATA {{ GRAPH <{G1}> {{ <{EX}a> <{EX}p> 'x' }} }}")
    assert len(store.get_graph(G1)) == 1
    assert store.delete_graph(G1) is True
    assert store.delete_graph(G1) is False
    assert store.get_graph(G1) == []
    store.add_to_graph(None, [t("a", ZH)])
    store.add_to_graph(None, [t("b", ZH)])
    assert len(store.get_graph(None)) == 2
    assert store.delete_graph(None) is True
    assert store.get_graph(None) == []


def test_disk_store_persists(tmp_path):
    path = str(tmp_path / "data")
    s = open_store(path)
    s.replace_graph(G1, [t("a", ZH)])
    s.close()
    s = open_store(path)
    assert s.get_graph(G1) == [t("a", ZH)]
    s.close()
