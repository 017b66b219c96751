"""Where the embedded store's timed queries run: a forked child per query, killed at the deadline.

pyoxigraph cannot stop a running query, so a query with a time limit runs in a forked child
that shares the open store copy-on-write (graph/store_embedded.py passes the evaluation); a
child that hangs (a lock copied mid-use by the fork) is replaced within the same deadline.

Tried and taken back (session 6): a pool of long-lived forked workers, which kept RocksDB's
block cache warm (units_by_duties at 10,000 documents 26 -> 15 ms; the endpoint under load
0.20 -> 0.52 of `oxigraph serve`), reset a client connection now and then under load (about
one run in four of 30 s x 32 connections; cause not found), which no user may see.
"""
from __future__ import annotations

import multiprocessing
import os
import stat
import time
from pathlib import Path
from typing import Callable

from policykg.graph.store import QueryError, QueryOutcome, QueryTimeout

_FORK = multiprocessing.get_context("fork")


# A forked child that has not said "started" within this time hung before running anything
# (a lock copied mid-use by the fork); it is replaced, the deadline kept.
_START_GRACE = 2.0
# A child can also hang *after* starting, inside Oxigraph: RocksDB's own background threads
# (flush, compaction) may hold one of its mutexes at the fork, and the child, which has no such
# threads, then waits on it forever (seen: a 2 s query answered 503 in CI, a search-index child
# asleep in store.query for its whole 600 s deadline). A running query uses CPU; a deadlocked
# one sleeps without any. A child asleep without a single tick of CPU time for this long is
# taken as hung and replaced (Linux /proc; elsewhere only the deadline applies).
_STALL_SECONDS = 1.0
_ATTEMPTS = 4


def evaluate_in_child(evaluate: Callable, store, sparql, options, max_rows, timeout: float, lock) -> QueryOutcome:
    """`evaluate(store, sparql, options, max_rows)` in a forked child, within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    for attempt in range(_ATTEMPTS):
        answer = _one_child(evaluate, store, sparql, options, max_rows, deadline, lock,
                            retry=attempt < _ATTEMPTS - 1)
        if answer is not None:
            status, payload = answer
            if status == "ok":
                return payload
            raise payload
    raise QueryTimeout(f"query ran longer than {timeout:g} s and was stopped")


def _one_child(evaluate, store, sparql, options, max_rows, deadline: float, lock, retry: bool):
    """(status, payload), or None when the child hung and may be replaced."""
    receive, send = _FORK.Pipe(duplex=False)
    child = _FORK.Process(target=_child, args=(send, evaluate, store, sparql, options, max_rows), daemon=True)
    with lock:                    # no other thread is inside Oxigraph while we fork
        child.start()
    send.close()
    try:
        grace = min(_START_GRACE, max(0.0, deadline - time.monotonic()))
        if not receive.poll(grace):
            return _hung(retry, deadline)
        receive.recv()                                   # "started"
        if not _await_answer(receive, child.pid, deadline):
            return _hung(retry, deadline)
        return receive.recv()
    except EOFError:
        raise QueryError("query evaluation process died") from None
    finally:
        receive.close()
        child.kill()
        child.join()


def _hung(retry: bool, deadline: float) -> None:
    if retry and time.monotonic() < deadline:
        return None
    raise QueryTimeout("query ran past its time limit and was stopped")


def _await_answer(receive, pid: int, deadline: float) -> bool:
    """True once the child's answer is there; False at the deadline or when the child has
    slept through a whole stall period without using any CPU time (deadlocked)."""
    last = _cpu_ticks_if_asleep(pid)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        if receive.poll(min(left, _STALL_SECONDS)):
            return True
        now = _cpu_ticks_if_asleep(pid)
        if now is not None and now == last:
            return False
        last = now


def _cpu_ticks_if_asleep(pid: int) -> int | None:
    """The child's CPU time (utime + stime, in ticks) if it is asleep (S: waiting on a lock or
    an event), else None: running (R) or waiting on the disk (D) is never taken for a hang."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()      # the fields after "pid (comm) "
    return int(fields[11]) + int(fields[12]) if fields[0] == "S" else None


def die_with_parent() -> None:
    """Have the kernel stop this process when its parent dies, even by SIGKILL, which runs no
    cleanup (Linux PR_SET_PDEATHSIG; elsewhere a no-op). A query child whose server was killed
    would otherwise run on, or hang on, with the store open; a test's server likewise. SIGKILL:
    a child hung inside Oxigraph never returns to Python to act on SIGTERM's handler."""
    try:
        import ctypes
        import signal
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child(send, evaluate, store, sparql, options, max_rows) -> None:
    die_with_parent()
    _let_go_of_sockets(keep=send.fileno())
    _answer(send, evaluate, store, sparql, options, max_rows)


def _let_go_of_sockets(keep: int) -> None:
    """Point every socket this fork inherited (the server's clients, its listening socket) at
    /dev/null. A child holding a copy of a client's connection keeps it open after the server
    closed it, and the client's next request on it goes unanswered until the child exits (seen
    with long-lived workers under load: 60 s ReadTimeouts; a one-shot child runs up to the query
    time limit). The numbers
    stay taken, so a stale Python object closing its socket later cannot close a store file that
    reused the number; the store's own files are not sockets and stay open."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return                                            # not Linux: nothing to do cheaply
    null = os.open(os.devnull, os.O_RDWR)
    for fd in fds:
        try:
            if fd != keep and fd != null and stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.dup2(null, fd)
        except OSError:
            pass                                          # listed, then gone (the listing's own fd)
    os.close(null)


def _answer(send, evaluate, store, sparql, options, max_rows) -> None:
    send.send(("started", None))
    try:
        send.send(("ok", evaluate(store, sparql, options, max_rows)))
    except QueryError as err:
        send.send(("error", err))
    except Exception as err:  # noqa: BLE001 - the parent must always get an answer
        send.send(("error", QueryError(f"{type(err).__name__}: {err}")))
