"""`policykg extract --nquads OUT/`: one N-Quads file per document holding exactly the quads
`policykg ingest` stores, bulk-loaded by `oxigraph load` into a store that `oxigraph serve`
then answers every named question from exactly as the embedded store does; and by Virtuoso's
bulk loader (the README's ld_dir / rdf_loader_run lines) likewise."""
import contextlib
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import CORPUS
from policykg.cli import main
from policykg.graph.load import ingest
from policykg.graph.namespaces import ONTOLOGY_GRAPH, TALLIES_GRAPH
from policykg.graph.queries import query_names, run_named
from policykg.graph.store import open_store
from policykg.graph.tallies import StaleTallies
from policykg.graph import store_embedded
from policykg.graph.testing import _free_port, _wait_ready, oxigraph_binary

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from generate import generate  # noqa: E402

pytestmark = pytest.mark.slow
PARAMS = {
    "leads_by_city": {"city": "巴中市"}, "unit_duties": {"name": "市商务局"},
    "due_by_date": {"date": "2025-12-31"}, "target_conflicts": {}, "same_task_different_leads": {},
    "units_by_duties": {}, "duties_in_force": {"date": "2024-06-30"}, "all_duties": {}, "stats": {},
}
SYNTHETIC_PARAMS = {"leads_by_city": {"city": "甲州市"}, "unit_duties": {"name": "市财政局", "city": "乙州市"}}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    synthetic = generate(tmp_path_factory.mktemp("synthetic"), 3, seed=11, chars=4000)
    return sorted(CORPUS.glob("*.txt")) + synthetic


@pytest.fixture(scope="module")
def nquads(files, tmp_path_factory):
    out = tmp_path_factory.mktemp("nq")
    assert main(["extract", "--nquads", str(out), "--skip-shacl", *map(str, files)]) == 0
    return out


@pytest.fixture(scope="module")
def embedded(files):
    store = open_store()
    summary = ingest(store, files, shacl=False)
    assert summary.documents == len(files) and not summary.failed
    yield store
    store.close()


@contextlib.contextmanager
def served(location: Path):
    binary = oxigraph_binary()
    port = _free_port()
    process = subprocess.Popen([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base, process, 20)
        yield base
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def bulk_loaded(nquads, tmp_path_factory):
    """`oxigraph load` of every file into a fresh location, then `oxigraph serve` on it."""
    if oxigraph_binary() is None:
        pytest.skip("oxigraph binary not installed (pip install oxigraph)")
    location = tmp_path_factory.mktemp("oxigraph-bulk")
    subprocess.run([oxigraph_binary(), "load", "--location", str(location),
                    "--file", *map(str, sorted(nquads.glob("*.nq")))], check=True, capture_output=True)
    with served(location) as base:
        store = open_store(endpoint=base)
        with pytest.raises(StaleTallies, match="no corpus tallies"):    # loaded, not yet tallied
            run_named(store, "stats")
        assert main(["tally", "--endpoint", base]) == 0                 # the README's next step
        yield store
        store.close()


# The README's Virtuoso lines, run as written there (with the test server's folder).
VIRTUOSO_BULK_LOAD = "ld_dir('{folder}', '*.nq', 'http://policykg.org/unused'); rdf_loader_run(); checkpoint;"


@pytest.fixture(scope="module")
def virtuoso_bulk_loaded(nquads, virtuoso):
    """The session's Virtuoso, emptied, then loaded by its own bulk loader from the files."""
    store = open_store(endpoint=virtuoso.endpoint, server_kind="virtuoso")
    for name in store.graph_names():
        store.delete_graph(name)
    folder = virtuoso.data / "bulk-load"            # the loader reads only under DirsAllowed
    shutil.copytree(nquads, folder)
    virtuoso.isql(VIRTUOSO_BULK_LOAD.format(folder=folder))
    failed = virtuoso.isql("SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL;")
    assert "0 Rows" in failed, failed
    assert main(["tally", "--endpoint", virtuoso.endpoint, "--server-kind", "virtuoso"]) == 0
    yield store
    for name in store.graph_names():
        store.delete_graph(name)
    store.close()


def quads_of(path: Path) -> list[ox.Quad]:
    return list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))


def test_one_file_per_document_with_exactly_the_ingested_quads(files, nquads, embedded):
    documents = [p for p in nquads.glob("*.nq") if p.name != "ontology.nq"]
    assert len(documents) == len(files)
    assert not list(nquads.glob(".*"))                       # no temporary files left behind
    graphs = set()
    for path in documents:
        quads = quads_of(path)
        (graph,) = {q.graph_name.value for q in quads}       # one named graph per file
        graphs.add(graph)
        assert set(embedded.get_graph(graph)) == {q.triple for q in quads}, path.name
    ontology = quads_of(nquads / "ontology.nq")
    assert {q.graph_name.value for q in ontology} == {ONTOLOGY_GRAPH}
    assert set(embedded.get_graph(ONTOLOGY_GRAPH)) == {q.triple for q in ontology}
    assert graphs | {ONTOLOGY_GRAPH, TALLIES_GRAPH} == set(embedded.graph_names())


def rows(store, name, params):
    out = [{k: v.value for k, v in r.items()} for r in run_named(store, name, params).rows]
    # GROUP_CONCAT's order is up to the engine; everything else must match row for row.
    return [{k: " ; ".join(sorted(v.split(" ; "))) if k == "provisions" else v for k, v in r.items()} for r in out]


def test_every_named_query_covered():
    assert set(query_names()) == set(PARAMS)


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_bulk_loaded_server_answers_as_ingest(name, embedded, bulk_loaded):
    for params in (PARAMS[name], SYNTHETIC_PARAMS.get(name)):
        if params is None:
            continue
        local, served_rows = rows(embedded, name, params), rows(bulk_loaded, name, params)
        assert local == served_rows, (name, params)
        assert local or name == "same_task_different_leads"


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_virtuoso_bulk_loader_answers_as_ingest(name, embedded, virtuoso_bulk_loaded, request):
    from test_store import VIRTUOSO_DEPARTS
    if name in VIRTUOSO_DEPARTS:
        request.applymarker(pytest.mark.xfail(reason=VIRTUOSO_DEPARTS[name], strict=True))
    assert set(virtuoso_bulk_loaded.graph_names()) == set(embedded.graph_names())
    for params in (PARAMS[name], SYNTHETIC_PARAMS.get(name)):
        if params is not None:
            # the same rows, but not always in the same order: Virtuoso's loader stores the
            # 19-digit xsd:integer sort keys (pkg:documentKey) as xsd:decimal, and unit_duties'
            # rows then come in another order of documents (seen; not traced further)
            local, served_rows = rows(embedded, name, params), rows(virtuoso_bulk_loaded, name, params)
            assert sorted(map(repr, local)) == sorted(map(repr, served_rows)), (name, params)


def test_workers_write_the_same_files(files, nquads, tmp_path):
    out = tmp_path / "parallel"
    assert main(["extract", "--nquads", str(out), "--skip-shacl", "--jobs", "2", *map(str, files)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in nquads.iterdir())
    for path in out.iterdir():
        assert path.read_bytes() == (nquads / path.name).read_bytes(), path.name


def test_a_bad_file_is_one_line_and_the_others_are_written(tmp_path, capsys):
    bad = tmp_path / "renamed.txt"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    good = CORPUS / "liaocheng-biomedicine-support-measures-draft.txt"
    out = tmp_path / "nq"
    assert main(["extract", "--nquads", str(out), str(bad), str(good)]) == 1   # SHACL on
    err = capsys.readouterr().err
    assert f"{bad}: " in err and "Traceback" not in err
    assert len([line for line in err.splitlines() if str(bad) in line]) == 1
    written = sorted(p.name for p in out.glob("*.nq"))
    assert len(written) == 2 and "ontology.nq" in written and written[0].startswith("liaocheng")


def test_parallel_ingest_stores_the_same_quads_as_one_process(tmp_path, monkeypatch):
    """--jobs hands each document's N-Triples to the store as they are (bulk-loaded when
    large, as these are): the store must end up exactly as a one-process ingest leaves it,
    re-ingest included."""
    files = generate(tmp_path / "docs", 3, seed=11, chars=12000) + sorted(CORPUS.glob("*.txt"))[:2]
    monkeypatch.setattr(store_embedded, "BULK_MIN_QUADS", 10_000)   # these graphs take the bulk path
    stores = {}
    for jobs in (1, 2):
        store = open_store(str(tmp_path / f"store-{jobs}"))
        summary = ingest(store, files, jobs=jobs)
        assert not summary.failed and summary.documents == len(files)
        assert max(len(store.get_graph(g)) for g in store.graph_names()) >= store_embedded.BULK_MIN_QUADS
        stores[jobs] = {g: set(store.get_graph(g)) for g in store.graph_names()}
        ingest(store, files, jobs=jobs)                  # again: replaced, not doubled
        assert {g: set(store.get_graph(g)) for g in store.graph_names()} == stores[jobs]
        store.close()
    assert stores[1] == stores[2]
