"""Where the embedded store's timed queries run: a forked child per query, killed at the deadline.

pyoxigraph cannot stop a running query, so a query with a time limit runs in a forked child
that shares the open store copy-on-write (graph/store_embedded.py passes the evaluation); a
child that hangs (a lock copied mid-use by the fork) is replaced within the same deadline.
A server keeps warm children instead (graph/query_workers.py), which use the same checks; a
fresh fork per query is for one-off queries (the CLI) and for when all of those are busy.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import stat
import time
from pathlib import Path
from typing import Callable, NamedTuple

from policykg.graph.store import QueryError, QueryOutcome, QueryTimeout

_FORK = multiprocessing.get_context("fork")


class QueryJob(NamedTuple):
    """One query for a child: `evaluate(store, sparql, options, max_rows)`, then `render` of
    the outcome when there is one (graph/store.Store.query)."""
    sparql: str
    options: dict
    max_rows: int | None
    render: Callable | None = None


# A forked child can hang inside Oxigraph, before or after it starts the query: RocksDB's own
# background threads (flush, compaction) may hold one of its mutexes at the fork, and the child,
# which has no such threads, then waits on it forever (seen: a 2 s query answered 503 in CI, a
# search-index child asleep in store.query for its whole 600 s deadline). A running query uses
# CPU; a deadlocked one sleeps without any. A child asleep without a single tick of CPU time
# for this long is taken as hung and replaced (Linux /proc; elsewhere only the deadline
# applies). A child that is merely slow to start, on a machine whose cores are all busy, is
# runnable, not asleep: a fixed grace for "started" (2 s until session 7) took such children for
# hung ones, and four in a row made a 503 long before the time limit (seen under load).
_STALL_SECONDS = 1.0
_ATTEMPTS = 4


def evaluate_in_child(evaluate: Callable, store, job: QueryJob, timeout: float, lock) -> QueryOutcome:
    """`job` in a forked child, within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    for attempt in range(_ATTEMPTS):
        answer = _one_child(evaluate, store, job, deadline, lock, retry=attempt < _ATTEMPTS - 1)
        if answer is not None:
            status, payload = answer
            if status == "ok":
                return payload
            raise payload
    raise QueryTimeout(f"query ran longer than {timeout:g} s and was stopped")


def _one_child(evaluate, store, job: QueryJob, deadline: float, lock, retry: bool):
    """(status, payload), or None when the child hung and may be replaced."""
    receive, send = _FORK.Pipe(duplex=False)
    child = _FORK.Process(target=_child, args=(send, evaluate, store, job), daemon=True)
    with lock:                    # no other thread is inside Oxigraph while we fork
        child.start()
    send.close()
    try:
        for _message in ("started", "answer"):
            if not await_message(receive, child.pid, deadline):
                return _hung(retry, deadline)
            message = receive.recv()
        return message
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


def await_message(receive, pid: int, deadline: float) -> bool:
    """True once the child's next message is there; False at the deadline or when the child has
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
    a child hung inside Oxigraph never returns to Python to act on SIGTERM's handler. ctypes is
    imported with this module, in the parent: an import in a forked child could wait for ever
    on a module lock another thread held at the fork."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child(send, evaluate, store, job: QueryJob) -> None:
    die_with_parent()
    let_go_of_inherited(keep={send.fileno()})
    send.send(("started", None))
    send.send(outcome_message(evaluate, store, job))


def let_go_of_inherited(keep: set[int], pipes: bool = False) -> None:
    """Point every socket this fork inherited (the server's clients, its listening socket), and
    with `pipes` every pipe but standard input and output, at /dev/null.

    A child holding a copy of a client's connection keeps it open after the server closed it,
    and the client's next request on it goes unanswered until the child exits (seen with
    long-lived workers under load: 60 s ReadTimeouts). The numbers stay taken, so a stale
    Python object closing its socket later cannot close a store file that reused the number;
    the store's own files are not sockets and stay open. A long-lived worker
    (graph/query_workers.py) also lets go of the pipes to the other workers, which a one-shot
    child cannot do: its parent watches it through a pipe of multiprocessing's."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return                                            # not Linux: nothing to do cheaply
    null = os.open(os.devnull, os.O_RDWR)
    for fd in fds:
        try:
            if fd not in keep and fd != null and _inherited_channel(os.fstat(fd).st_mode, fd, pipes):
                os.dup2(null, fd)
        except OSError:
            pass                                          # listed, then gone (the listing's own fd)
    os.close(null)


def _inherited_channel(mode: int, fd: int, pipes: bool) -> bool:
    return stat.S_ISSOCK(mode) or (pipes and fd > 2 and stat.S_ISFIFO(mode))


def outcome_message(evaluate, store, job: QueryJob) -> tuple:
    """("ok", outcome or what `render` made of it) or ("error", QueryError): what a child
    sends its parent."""
    try:
        outcome = evaluate(store, job.sparql, job.options, job.max_rows)
        return "ok", job.render(outcome) if job.render else outcome
    except QueryError as err:
        return "error", err
    except Exception as err:  # noqa: BLE001 - the parent must always get an answer
        return "error", QueryError(f"{type(err).__name__}: {err}")
