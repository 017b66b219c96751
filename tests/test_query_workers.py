"""The warm query workers of a serving store (graph/query_workers.py): reused while the store
is unchanged, retired by a write, replaced when past their deadline, hung or grown, and never
a reason for a query to wait when they are all busy."""
import os
import subprocess
import sys
import threading
import time

import pyoxigraph as ox
import pytest

from policykg.graph import query_workers, store_embedded
from policykg.graph.store import QueryTimeout, open_store

EX = "http://example.org/"
G1, G2 = EX + "g1", EX + "g2"
ALL = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s"


def iri(local):
    return ox.NamedNode(EX + local)


def t(s):
    return ox.Triple(iri(s), iri("p"), ox.Literal("值", language="zh"))


def served_store(tmp_path, workers=2):
    store = open_store(str(tmp_path / "store"), query_workers=workers)
    store.replace_graph(G1, [t("a")])
    return store


def subjects(outcome) -> list:
    return [r["s"] for r in outcome.rows]


def answered(outcome) -> tuple[int, list[str]]:
    """Rendered where the query ran: which process answered, and what."""
    return os.getpid(), [r["s"].value for r in outcome.rows]


def warmed(store):
    """A store whose pool holds an idle worker (a first query may be answered by a fresh fork
    while its worker is still being forked, on a busy machine)."""
    store.query(ALL, timeout=30)
    deadline = time.monotonic() + 20
    while not store._workers._idle and time.monotonic() < deadline:
        time.sleep(0.05)
    return store


def test_one_warm_worker_answers_query_after_query(tmp_path):
    store = warmed(served_store(tmp_path))
    answers = [store.query(ALL, timeout=30, render=answered) for _ in range(5)]
    assert [a for _, a in answers] == [[EX + "a"]] * 5
    assert len({pid for pid, _ in answers}) == 1 and answers[0][0] != os.getpid()
    store.close()


def test_a_write_retires_the_workers_so_the_next_query_sees_it(tmp_path):
    store = warmed(served_store(tmp_path))
    first, a = store.query(ALL, timeout=30, render=answered)
    assert a == [EX + "a"]
    store.replace_graph(G2, [t("b")])
    second, a = store.query(ALL, timeout=30, render=answered)
    assert a == [EX + "a", EX + "b"] and second != first
    store.update(f"DROP GRAPH <{G1}>")
    third, a = store.query(ALL, timeout=30, render=answered)
    assert a == [EX + "b"] and third not in (first, second)
    store.close()


def test_a_query_past_its_deadline_is_stopped_and_the_next_is_answered(tmp_path, monkeypatch):
    real = store_embedded._evaluate

    def spins_on_forever(store, sparql, *args):
        while "forever" in sparql:
            pass
        return real(store, sparql, *args)

    monkeypatch.setattr(store_embedded, "_evaluate", spins_on_forever)
    store = served_store(tmp_path, workers=1)
    start = time.monotonic()
    with pytest.raises(QueryTimeout):
        store.query("ASK { } # forever", timeout=1.5)
    assert time.monotonic() - start < 10
    assert subjects(store.query(ALL, timeout=30)) == [iri("a")]
    store.close()


@pytest.mark.parametrize("workers", [0, 1], ids=["fresh-fork", "warm-worker"])
def test_a_child_deadlocked_in_its_first_query_is_replaced(tmp_path, monkeypatch, workers):
    """A forked child can inherit a RocksDB mutex held by a background thread at the fork and
    sleep on it for ever; the first child here does exactly that (a lock taken twice), the next
    one answers. Without the stall check the query would wait out its whole time limit (503)."""
    marker, real = tmp_path / "first-child-hung", store_embedded._evaluate

    def first_child_deadlocks(*args):
        if not marker.exists():
            marker.touch()
            lock = threading.Lock()
            lock.acquire()
            lock.acquire()
        return real(*args)

    monkeypatch.setattr(store_embedded, "_evaluate", first_child_deadlocks)
    store = served_store(tmp_path, workers=workers)
    start = time.monotonic()
    assert subjects(store.query(ALL, timeout=60)) == [iri("a")]
    assert marker.exists() and time.monotonic() - start < 20
    store.close()


def test_with_every_worker_busy_a_query_takes_a_fork_of_its_own(tmp_path, monkeypatch):
    real = store_embedded._evaluate

    def slow_when_asked(store, sparql, *args):
        end = time.monotonic() + (6 if "slow" in sparql else 0)
        while time.monotonic() < end:          # busy, as a running query is
            pass
        return real(store, sparql, *args)

    monkeypatch.setattr(store_embedded, "_evaluate", slow_when_asked)
    store = served_store(tmp_path, workers=1)
    slow = threading.Thread(target=store.query, args=("ASK { } # slow",), kwargs={"timeout": 30})
    slow.start()
    time.sleep(1)
    start = time.monotonic()
    assert subjects(store.query(ALL, timeout=30)) == [iri("a")]
    assert time.monotonic() - start < 4 and slow.is_alive()
    slow.join()
    store.close()


def test_a_worker_grown_by_a_large_answer_is_retired(tmp_path, monkeypatch):
    monkeypatch.setattr(query_workers, "RETIRE_GROWTH_BYTES", -1)     # every answer is "large"
    store = served_store(tmp_path)
    answers = [store.query(ALL, timeout=30, render=answered) for _ in range(3)]
    assert [a for _, a in answers] == [[EX + "a"]] * 3
    assert len({pid for pid, _ in answers}) == 3
    store.close()


def test_workers_die_with_the_server_process(tmp_path):
    """Killed outright (no clean-up runs), the server takes its workers with it: none is left
    holding the store."""
    script = (
        "import os, signal, sys\n"
        "from policykg.graph.store import open_store\n"
        "s = open_store(sys.argv[1], query_workers=2)\n"
        "s.query('ASK { }', timeout=30)\n"
        "print(' '.join(str(w.pid) for w in s._workers._idle), flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n")
    run = subprocess.run([sys.executable, "-c", script, str(tmp_path / "store")],
                         capture_output=True, text=True, timeout=60)
    workers = [int(p) for p in run.stdout.split()]
    assert workers, run.stderr
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in workers)


def _alive(pid: int) -> bool:
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


@pytest.mark.parametrize("workers", [0, 1], ids=["fresh-fork", "warm-worker"])
def test_a_child_slow_to_start_on_busy_cores_is_not_taken_for_a_hung_one(tmp_path, monkeypatch, workers):
    """A child that is running (not asleep) but has not yet said it started, as on a machine
    whose cores are all taken, is waited for: a fixed 2 s grace replaced four such children in
    a row and answered a cheap query 503 under load."""
    from policykg.graph import query_processes
    module = query_workers if workers else query_processes
    real = module.let_go_of_inherited

    def busy_first(*args, **kwargs):
        end = time.monotonic() + 3
        while time.monotonic() < end:
            pass
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "let_go_of_inherited", busy_first)
    store = served_store(tmp_path, workers=workers)
    start = time.monotonic()
    assert subjects(store.query(ALL, timeout=60)) == [iri("a")]
    if workers:
        # the query did not wait for the new worker (a fresh fork answered), and the worker,
        # not taken for a hung one, joins the pool once ready
        assert time.monotonic() - start < 2.9          # not the 3 s the worker spent
        deadline = time.monotonic() + 15
        while not store._workers._idle and time.monotonic() < deadline:
            time.sleep(0.1)
        assert store._workers._idle
    store.close()


def _rendered_by(outcome) -> tuple[int, int]:
    return os.getpid(), len(outcome.rows)


@pytest.mark.parametrize("workers", [0, 2], ids=["fresh-fork", "warm-workers"])
def test_an_answer_is_rendered_where_its_query_ran(tmp_path, workers):
    """The endpoint's serialisation runs in the query's process, not in the server's."""
    store = served_store(tmp_path, workers=workers)
    pid, rows = store.query(ALL, timeout=30, render=_rendered_by)
    assert rows == 1 and pid != os.getpid()
    assert store.query(ALL, render=_rendered_by) == (os.getpid(), 1)     # untimed: in process
    store.close()
