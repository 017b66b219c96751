"""Faults and hostile input: an ingest killed midway, re-ingest under live queries, hostile
documents through `policykg ingest`, hostile SPARQL against a live `policykg serve`."""
import signal
import subprocess
import sys
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from conftest import CORPUS
from policykg.api.app import create_app
from policykg.api.testing import live_server
from policykg.graph.load import ingest, prepare
from policykg.graph.namespaces import ONTOLOGY_GRAPH, TALLIES_GRAPH
from policykg.graph.queries import load_query, run_named
from policykg.graph.store import open_store
from policykg.graph.validate import validate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate  # noqa: E402
from servers import ingest_into, policykg_serve  # noqa: E402

pytestmark = pytest.mark.slow
POLICYKG = str(Path(sys.executable).with_name("policykg"))
TOKEN = "robust-test-token"


def store_quads(path) -> dict[str, set]:
    store = open_store(str(path))
    try:
        return {g: set(store.get_graph(g)) for g in store.graph_names()}
    finally:
        store.close()


# --- (a) SIGKILL midway ------------------------------------------------------------------
def test_sigkill_midway_leaves_a_consistent_store_and_rerun_finishes(tmp_path):
    files = generate(tmp_path / "docs", 40, seed=3, chars=2500)
    clean = {}
    for path in files:                                 # what a clean ingest stores per document
        item = prepare(path, shacl=False)
        clean[item.graph] = (path.name, set(item.triples))
    store_dir = tmp_path / "store"
    proc = subprocess.Popen([POLICYKG, "ingest", str(tmp_path / "docs"), "--store", str(store_dir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    committed = []
    for line in proc.stderr:
        if line.startswith("["):
            committed.append(line.split("] ", 1)[1].split(":")[0])
            if len(committed) == 4:
                proc.send_signal(signal.SIGKILL)
                break
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL, "ingest finished before it could be killed"

    graphs = store_quads(store_dir)                    # opens after the kill
    documents = {g: q for g, q in graphs.items() if g not in (ONTOLOGY_GRAPH, TALLIES_GRAPH)}
    by_name = {name: g for g, (name, _) in clean.items()}
    for name in committed:                             # every reported document is there, complete
        assert documents.get(by_name[name]) == clean[by_name[name]][1], name
    for graph, quads in documents.items():             # and nothing is there by halves
        assert quads == clean[graph][1], clean[graph][0]
    assert len(documents) < len(files)
    for graph in list(documents)[:4]:
        conforms, report = validate(documents[graph])
        assert conforms, report[:2000]
    stale = subprocess.run([POLICYKG, "query", "stats", "--store", str(store_dir)], capture_output=True, text=True)
    assert stale.returncode == 2 and "tallies are out of date" in stale.stderr   # not totals of half a run

    rerun = subprocess.run([POLICYKG, "ingest", str(tmp_path / "docs"), "--store", str(store_dir)],
                           capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    graphs = store_quads(store_dir)
    assert {g: q for g, q in graphs.items() if g not in (ONTOLOGY_GRAPH, TALLIES_GRAPH)} == {
        g: q for g, (_, q) in clean.items()}
    stats = subprocess.run([POLICYKG, "query", "stats", "--store", str(store_dir), "--format", "csv"],
                           capture_output=True, text=True)
    assert stats.returncode == 0 and stats.stdout.splitlines()[1].startswith(f"{len(files)},"), stats


BULK_WRITER = """
import sys
import pyoxigraph as ox
from policykg.graph import store_embedded
from policykg.graph.store import open_store
store_embedded.BULK_MIN_QUADS = BULK_MIN_QUADS = 10_000     # the bulk path, on graphs built fast
store = open_store(sys.argv[1])
p = ox.NamedNode("http://example.org/p")
for g in range(60):
    triples = [ox.Triple(ox.NamedNode(f"http://example.org/s{g}-{i}"), p, ox.Literal(f"value {i}"))
               for i in range(BULK_MIN_QUADS + 2000)]
    store.replace_graph(f"http://example.org/g{g}", triples)
    print(g, flush=True)
"""


def test_sigkill_during_bulk_writes_leaves_whole_graphs(tmp_path):
    """Large new graphs go through Oxigraph's bulk loader: a kill while it writes leaves each
    graph whole or absent."""
    BULK_MIN_QUADS = 10_000                            # as BULK_WRITER sets it
    proc = subprocess.Popen([sys.executable, "-c", BULK_WRITER, str(tmp_path / "store")],
                            stdout=subprocess.PIPE, text=True)
    done = [int(proc.stdout.readline()) for _ in range(5)]
    time.sleep(0.05)                                   # most likely inside the next write
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    graphs = store_quads(tmp_path / "store")
    assert {f"http://example.org/g{g}" for g in done} <= set(graphs)
    assert len(graphs) < 60
    for name, quads in graphs.items():
        assert len(quads) == BULK_MIN_QUADS + 2000, name


# --- (b) queries during re-ingest ----------------------------------------------------------
def test_queries_are_answered_correctly_while_a_document_is_reingested(tmp_path):
    doc = tmp_path / "docs" / "moving.txt"
    v1, v2 = generate(tmp_path / "v1", 1, seed=5, chars=3000)[0], generate(tmp_path / "v2", 1, seed=6, chars=3000)[0]
    doc.parent.mkdir()
    store = open_store()
    ingest(store, sorted(CORPUS.glob("*.txt")), shacl=False)
    sparql = load_query("stats").sparql
    answers = {}
    for version in (v1, v2):                           # the two possible answers
        doc.write_bytes(version.read_bytes())
        ingest(store, [doc])
        answers[version.name + version.parent.name] = [{k: v.value for k, v in r.items()}
                                                      for r in run_named(store, "stats").rows]
    assert len({str(a) for a in answers.values()}) == 2
    stop, errors, writes = threading.Event(), [], [0]

    def writer():
        i = 0
        while not stop.is_set():
            doc.write_bytes((v1, v2)[i % 2].read_bytes())
            summary = ingest(store, [doc])
            if summary.failed:
                errors.append(summary.failed)
            writes[0] += 1
            i += 1

    app = create_app(store, query_timeout=30)
    with live_server(app) as base:
        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        seen = []
        with httpx.Client(base_url=base, timeout=60) as client:
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline or writes[0] < 4:
                r = client.post("/sparql", data={"query": sparql},
                                headers={"Accept": "application/sparql-results+json"})
                assert r.status_code == 200, r.text
                got = [{k: b["value"] for k, b in row.items()} for row in r.json()["results"]["bindings"]]
                seen.append(str(got))
                assert got in answers.values(), got
                if time.monotonic() > deadline + 60:
                    break
        stop.set()
        thread.join(60)
    assert not errors and writes[0] >= 4
    assert len(seen) >= 10
    store.close()


# --- (c) hostile documents -----------------------------------------------------------------
def hostile_files(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    files = {}
    huge = folder / "huge.txt"
    with huge.open("wb") as fh:                        # sparse: 50 MB on paper, nothing on disk
        fh.truncate(50 * 1024 * 1024)
    files["huge"] = huge
    one = folder / "one-line.txt"
    one.write_text("（一）加强保障。到2025年，新增企业5家。（牵头单位：市财政局）" * 1000, encoding="utf-8")
    files["one_line"] = one
    ctrl = folder / "control.txt"
    ctrl.write_bytes("甲州市措施\n一、目标\x0b\x0c\n（一）规模。\x1b\x00到2025年，产值超200亿元。\x07\n".encode("utf-8") * 50)
    files["control"] = ctrl
    renamed = folder / "archive.txt"
    with zipfile.ZipFile(renamed, "w") as zf:
        zf.writestr("word/document.xml", "<x/>" * 1000)
    files["zip"] = renamed
    mixed = folder / "mixed.txt"
    mixed.write_bytes("甲州市生物医药行动方案\n一、目标\n".encode("utf-8") + "（一）到2025年，产值超200亿元。\n".encode("gb18030")
                      + "（二）臺北市產業發展。\n".encode("big5") + b"\xff\xfe\x00\x00 latin \xe9\xe8\n" * 20)
    files["mixed"] = mixed
    return files


def test_hostile_documents_fail_alone_in_one_line_and_touch_nothing_else(tmp_path):
    store_dir = tmp_path / "store"
    ingest_into(store_dir, sorted(CORPUS.glob("*.txt")))
    before = store_quads(store_dir)
    before.pop(TALLIES_GRAPH)                          # recounted by every ingest, whatever it brings
    files = hostile_files(tmp_path / "hostile")
    run = subprocess.run(
        [sys.executable, "-c", "import resource, sys; from policykg.cli import main; rc = main(sys.argv[1:]); "
         "print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(rc)",
         "ingest", *map(str, files.values()), "--store", str(store_dir)],
        capture_output=True, text=True, timeout=600)
    err = run.stderr
    assert run.returncode in (0, 1) and "Traceback" not in err, err[-3000:]
    failures = [line for line in err.splitlines() if line.startswith("policykg ingest: ")]
    for line in failures:                              # one line each, naming the file and why
        assert "(store unchanged for this file)" in line and ": " in line
    failed = {name for name, path in files.items() if any(str(path) + ":" in line for line in failures)}
    assert {"huge", "zip"} <= failed, err
    assert "50 MB" in next(line for line in failures if str(files["huge"]) in line)
    maxrss_mb = int(err.split("MAXRSS ")[1].split()[0]) / 1024
    assert maxrss_mb < 1500, f"ingest of hostile files peaked at {maxrss_mb:.0f} MB"
    after = store_quads(store_dir)
    assert {g: after[g] for g in before} == before     # nothing else touched
    assert len(after) - 1 - len(before) == len(files) - len(failed)


# --- (d) hostile SPARQL against a live `policykg serve` --------------------------------------
NEST = 2000
DEEP_GROUPS = "SELECT * WHERE " + "{ ?s ?p ?o . " * NEST + "}" * NEST
DEEP_OPTIONALS = "SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o " * NEST + "}" * NEST + "}"
FOREVER = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
HUGE = "SELECT * WHERE { ?s ?p ?o }"
UPDATE = "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/a> <http://example.org/b> 'c' } }"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    store_dir = tmp_path_factory.mktemp("served-store")
    ingest_into(store_dir, sorted(CORPUS.glob("*.txt")))
    with policykg_serve(store_dir, token=TOKEN, query_timeout=2, max_rows=2000) as base:
        yield base


def test_hostile_sparql_gets_its_status_while_another_client_is_served(served):
    named = load_query("leads_by_city").sparql
    with httpx.Client(base_url=served, timeout=60) as client:
        expected = client.post("/sparql", data={"query": named}).json()["results"]["bindings"]
    assert expected
    hostile = {
        "forever": (lambda c: c.get("/sparql", params={"query": FOREVER}), {503}, "query_timeout"),
        "huge": (lambda c: c.get("/sparql", params={"query": HUGE}), {400}, "result_too_large"),
        "deep_groups": (lambda c: c.post("/sparql", data={"query": DEEP_GROUPS}), {400, 503}, None),
        "deep_optionals": (lambda c: c.post("/sparql", data={"query": DEEP_OPTIONALS}), {400, 503}, None),
        "update_no_token": (lambda c: c.post("/sparql", data={"update": UPDATE}), {401}, "unauthorized"),
        "update_bad_token": (lambda c: c.post("/sparql", data={"update": UPDATE},
                                              headers={"Authorization": "Bearer nope"}), {401}, "unauthorized"),
        "store_put_no_token": (lambda c: c.put("/store", params={"graph": "http://example.org/g"}, content=b"",
                                               headers={"Content-Type": "text/turtle"}), {401}, "unauthorized"),
    }
    stop = threading.Event()
    served_ok, served_bad = [0], []

    def honest():
        with httpx.Client(base_url=served, timeout=60) as client:
            while not stop.is_set():
                r = client.post("/sparql", data={"query": named})
                if r.status_code == 200 and r.json()["results"]["bindings"] == expected:
                    served_ok[0] += 1
                else:
                    served_bad.append((r.status_code, r.text[:200]))

    with ThreadPoolExecutor(max_workers=len(hostile) + 1) as pool:
        honest_job = pool.submit(honest)

        def attack(item):
            send, statuses, code = item
            with httpx.Client(base_url=served, timeout=60) as c:
                return send(c)

        results = dict(zip(hostile, pool.map(attack, hostile.values())))
        time.sleep(0.5)
        stop.set()
        honest_job.result()
    for name, (_, statuses, code) in hostile.items():
        r = results[name]
        assert r.status_code in statuses, (name, r.status_code, r.text[:300])
        if code:
            assert r.json()["error"] == code, (name, r.text[:300])
    assert not served_bad and served_ok[0] >= 3, (served_ok, served_bad[:3])
    with httpx.Client(base_url=served, timeout=60) as client:   # and nothing was written
        r = client.get("/sparql", params={"query": "ASK { GRAPH <http://example.org/g> { ?s ?p ?o } }"},
                       headers={"Accept": "application/sparql-results+json"})
        assert r.status_code == 200 and r.json()["boolean"] is False


def test_a_tests_server_dies_with_the_test_process():
    """Servers the tests start (graph/testing.py, benchmarks/servers.py) go when the test process
    is killed outright, when no `finally` runs to stop them: none is left holding a port."""
    parent = subprocess.run(
        [sys.executable, "-c",
         "import os, signal, subprocess; from policykg.graph.query_processes import die_with_parent; "
         "p = subprocess.Popen(['sleep', '60'], preexec_fn=die_with_parent); print(p.pid, flush=True); "
         "os.kill(os.getpid(), signal.SIGKILL)"],
        capture_output=True, text=True, timeout=30)
    child = int(parent.stdout.split()[0])
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    status = Path(f"/proc/{child}/stat").read_text().split()[2] if Path(f"/proc/{child}").exists() else "gone"
    assert status in ("gone", "Z"), f"the child outlived its killed parent (state {status})"
