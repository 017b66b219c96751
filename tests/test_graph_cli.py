"""`policykg ingest | query | export | stats` end to end on a temporary store."""
import json

import pytest

from conftest import CORPUS
from policykg.cli import main
from policykg.graph.analytics import co_owners, document_overlaps, duty_graph, units_by_tasks
from policykg.graph.store import open_store

DOCS = ["bazhong-tcm-integration-opinions-draft.txt", "bazhong-biomedicine-investment-eight-measures-draft.txt"]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "data"
    assert main(["ingest", *(str(CORPUS / d) for d in DOCS), "--store", str(path)]) == 0
    return path


def snapshot(path):
    store = open_store(str(path))
    try:
        return {name: sorted(map(str, store.get_graph(name))) for name in store.graph_names()}
    finally:
        store.close()


def test_ingest_summary_and_reingest_is_idempotent(store_path, capsys):
    before = snapshot(store_path)
    assert len(before) == 4                                  # two documents, the ontology, the tallies
    assert main(["ingest", str(CORPUS / DOCS[0]), "--store", str(store_path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("documents: 1  provisions: ") and "[1/1]" in err
    assert snapshot(store_path) == before


def test_failing_file_is_reported_and_leaves_store_alone(store_path, tmp_path, capsys):
    before = snapshot(store_path)
    bad = tmp_path / "broken.txt"
    bad.write_bytes("Ünïcödé ÿ garbage ".encode("latin-1") * 20)
    assert main(["ingest", str(bad), "--store", str(store_path)]) == 1
    err = capsys.readouterr().err
    failures = [line for line in err.splitlines() if "broken.txt" in line and "store unchanged" in line]
    assert len(failures) == 1
    assert snapshot(store_path) == before


def test_query_formats(store_path, capsys):
    assert main(["query", "leads_by_city", "--param", "city=巴中市", "--format", "json", "--store", str(store_path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"unit_zh", "unit_en", "basis"} <= set(data["variables"])
    assert any(r.get("unit_zh") == "市商务局" and r["basis"] == "Stated" for r in data["rows"])
    assert main(["query", "units_by_duties", "--format", "csv", "--store", str(store_path)]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("city_zh,city_en,unit_zh")


def test_query_user_errors(store_path, capsys):
    assert main(["query", "due_by_date", "--param", "date=tomorrow", "--store", str(store_path)]) == 2
    assert "date" in capsys.readouterr().err
    assert main(["query", "no_such_question", "--store", str(store_path)]) == 2
    assert main(["query", "leads_by_city", "--param", "city", "--store", str(store_path)]) == 2


def test_query_from_a_file(store_path, tmp_path, capsys):
    rq = tmp_path / "mine.rq"
    rq.write_text("# title@en: count\n# title@zh: 计数\nSELECT (COUNT(*) AS ?n) WHERE { ?t a pkg:Task }\n", "utf-8")
    assert main(["query", str(rq), "--format", "json", "--store", str(store_path)]) == 0
    assert int(json.loads(capsys.readouterr().out)["rows"][0]["n"]) > 20


@pytest.mark.parametrize("fmt", ["ttl", "nq", "jsonld", "graphml", "csv"])
def test_export(store_path, tmp_path, fmt):
    out = tmp_path / f"export.{fmt}"
    assert main(["export", "--format", fmt, "--output", str(out), "--store", str(store_path)]) == 0
    text = out.read_text("utf-8")
    assert "市商务局" in text or "%E5%B8%82%E5%95%86%E5%8A%A1%E5%B1%80" in text


def test_csv_export_reads_every_page(store_path, tmp_path, monkeypatch):
    import policykg.graph.queries as queries
    whole = tmp_path / "whole.csv"
    assert main(["export", "--format", "csv", "--output", str(whole), "--store", str(store_path)]) == 0
    monkeypatch.setattr(queries, "MAX_LIMIT", 7)      # pages of 7 rows: the last one short
    paged = tmp_path / "paged.csv"
    assert main(["export", "--format", "csv", "--output", str(paged), "--store", str(store_path)]) == 0
    lines = whole.read_text("utf-8").splitlines()
    assert paged.read_text("utf-8").splitlines() == lines and len(lines) > 50


def test_stats(store_path, capsys):
    assert main(["stats", "--store", str(store_path)]) == 0
    out = dict(line.split(": ") for line in capsys.readouterr().out.splitlines())
    assert out["documents"] == "2" and int(out["tasks"]) > 20 and int(out["triples"]) > 5000


def test_analytics(store_path):
    store = open_store(str(store_path))
    try:
        g = duty_graph(store)
    finally:
        store.close()
    ranking = dict((u.rsplit("/", 1)[-1], (led, shared)) for u, led, shared in units_by_tasks(g))
    commerce = ranking["%E5%B8%82%E5%95%86%E5%8A%A1%E5%B1%80"]            # 市商务局
    assert commerce == (2, 7)
    pairs = co_owners(g)
    assert all(d["weight"] >= 1 for _, _, d in pairs.edges(data=True)) and pairs.number_of_edges() > 10
    overlaps = document_overlaps(g)
    assert overlaps and overlaps[0][2] >= 5 and {overlaps[0][0], overlaps[0][1]} == {
        "bazhong-2022-biomedicine-investment-measures", "bazhong-2023-tcm-integration-opinions"}


def test_endpoint_flag(tmp_path, capsys):
    from policykg.graph.testing import oxigraph_server
    with oxigraph_server() as base:
        assert main(["ingest", str(CORPUS / DOCS[0]), "--endpoint", base, "--skip-shacl"]) == 0
        capsys.readouterr()
        assert main(["query", "unit_duties", "--param", "name=市商务局", "--format", "json", "--endpoint", base]) == 0
        assert len(json.loads(capsys.readouterr().out)["rows"]) == 6
    assert main(["stats", "--endpoint", base]) == 2                    # server gone: one-line error


def test_reading_commands_work_while_a_server_holds_the_store(store_path, capsys):
    """A running `policykg serve` holds the store's write lock; stats/query/export read a
    snapshot instead, and ingest says who holds the lock."""
    holder = open_store(str(store_path))
    try:
        assert main(["stats", "--store", str(store_path)]) == 0
        assert "documents: 2" in capsys.readouterr().out
        assert main(["ingest", str(CORPUS), "--store", str(store_path)]) == 2
        assert "in use by another process" in capsys.readouterr().err
    finally:
        holder.close()
