"""Warm query workers for a serving store: long-lived forked children that answer timed
queries one after another.

A fresh fork per query (graph/query_processes.py) pays the fork and a cold RocksDB block
cache every time: at 10,000 documents `units_by_duties` took 26 ms timed against 15 ms in a
warm process, and the endpoint served 0.20 of `oxigraph serve`'s requests/s. A worker keeps
its cache from one query to the next. What it keeps from the fork is the store as it was
then, so every write retires the workers forked before it (they finish the query they are on,
which began before the write). A worker past its deadline, hung, or grown by a large answer is
killed and a new one forked when next needed. When every worker is busy past a short wait the
query gets a fresh fork of its own, as without workers, so a few slow queries never hold the
other clients back.

Workers are forked by one long-lived thread: the kernel's parent-death signal
(`die_with_parent`) follows the forking *thread*, and the server's request threads come and go.
"""
from __future__ import annotations

import concurrent.futures
import logging
import os
import queue
import signal
import threading
import time
from concurrent.futures import Future
from multiprocessing.connection import Connection
from typing import Callable

from policykg.graph.query_processes import (QueryJob, await_message, die_with_parent, evaluate_in_child,
                                           let_go_of_inherited, outcome_message)
from policykg.graph.store import QueryError, QueryOutcome, QueryTimeout

log = logging.getLogger(__name__)
# How long a query waits for a busy worker, or a new one to be ready, before taking a fresh
# fork of its own.
PATIENCE = 0.5
# A worker whose resident memory grew by this much (a large answer built and sent) is retired
# after answering instead of keeping that memory while idle.
RETIRE_GROWTH_BYTES = 512 << 20
_ATTEMPTS = 4
# A new worker that is neither ready nor asleep (hung) by then is given up.
FORK_READY_LIMIT = 30.0


def default_size() -> int:
    return 2 * (os.cpu_count() or 1)


class QueryWorkers:
    """Up to `size` warm workers evaluating `evaluate(store, sparql, options, max_rows)`, each
    answer rendered there by the job's `render` when it has one."""

    def __init__(self, store, evaluate: Callable, lock, size: int | None = None):
        self._store, self._evaluate, self._lock = store, evaluate, lock
        self._size = size or default_size()
        self._idle: list[_Worker] = []
        self._alive = 0                          # idle + busy + being forked
        self._generation = 0                     # bumped by every write to the store
        self._cond = threading.Condition()
        self._forker = _Forker()
        self._closed = False

    # --- what the store calls --------------------------------------------------------------
    def evaluate(self, job: QueryJob, timeout: float) -> QueryOutcome:
        """`job` in a worker (or, all of them busy, a fresh fork), within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        for _ in range(_ATTEMPTS):
            worker = self._take(deadline)
            if worker is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                return evaluate_in_child(self._evaluate, self._store, job, left, self._lock)
            answer = self._ask(worker, job, deadline)
            if answer is not None:
                status, payload = answer
                if status == "ok":
                    return payload
                raise payload
            if time.monotonic() >= deadline:
                break
        raise QueryTimeout(f"query ran longer than {timeout:g} s and was stopped")

    def changed(self) -> None:
        """The store was written: workers forked before now see it as it was."""
        with self._cond:
            self._generation += 1
            stale, self._idle = self._idle, []
            self._alive -= len(stale)
            self._cond.notify_all()
        for worker in stale:
            worker.kill()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for worker in idle:
            worker.kill()
        self._forker.stop()

    # --- workers in and out ----------------------------------------------------------------
    def _take(self, deadline: float) -> "_Worker | None":
        """An idle worker of the current generation, a new one while there are fewer than
        `size`, or None once PATIENCE (or the deadline) has passed with all of them busy or
        the new one not yet ready."""
        reserved = self._reserve(min(deadline, time.monotonic() + PATIENCE))
        if isinstance(reserved, _Worker) or reserved is None:
            return reserved
        forked = self._forker.submit(self._fork, reserved)
        try:
            worker = forked.result(timeout=max(0.0, min(PATIENCE, deadline - time.monotonic())))
        except concurrent.futures.TimeoutError:
            # Forks queue on one thread, and a new worker can be slow to get ready: this query
            # takes a fresh fork instead, and the worker joins the pool once it is ready.
            forked.add_done_callback(self._adopt)
            return None
        except OSError as err:                         # the fork itself failed (no memory, no pids)
            log.warning("query worker not forked (%s); the query forks for itself", err)
            self._release_slot()
            return None
        if worker is None:                             # hung at the fork
            self._release_slot()
        return worker

    def _adopt(self, forked: Future) -> None:
        worker = None if forked.cancelled() or forked.exception() else forked.result()
        if worker is None:
            self._release_slot()
        else:
            self._give_back(worker)

    def _reserve(self, until: float) -> "_Worker | int | None":
        """An idle worker, or the generation of a slot reserved for a new one, or None."""
        with self._cond:
            while not self._closed:
                if self._idle:
                    return self._idle.pop()
                if self._alive < self._size:
                    self._alive += 1
                    return self._generation
                left = until - time.monotonic()
                if left <= 0 or not self._cond.wait(left):
                    return None
            return None

    def _ask(self, worker: "_Worker", job, deadline: float):
        """(status, payload) and the worker back in the pool, or None when it hung (killed)."""
        try:
            answer = worker.ask(job, deadline)
        except BaseException:
            self._discard(worker)
            raise
        if answer is None:
            self._discard(worker)
            return None
        status, payload, grown = answer
        if grown:
            self._discard(worker)
        else:
            self._give_back(worker)
        return status, payload

    def _give_back(self, worker: "_Worker") -> None:
        with self._cond:
            if worker.generation == self._generation and not self._closed:
                self._idle.append(worker)
                self._cond.notify()
                return
        self._discard(worker)

    def _discard(self, worker: "_Worker") -> None:
        worker.kill()
        self._release_slot()

    def _release_slot(self) -> None:
        with self._cond:
            self._alive -= 1
            self._cond.notify()

    def _fork(self, generation: int) -> "_Worker | None":
        """Runs on the forker thread. None when the child hung before saying it was ready."""
        # Under the store's lock: no other thread is inside Oxigraph while we fork, and no other
        # fork (a one-shot query child) can copy the worker's ends of the pipes, which would keep
        # them open after the worker died.
        with self._lock:
            requests_r, requests_w = os.pipe()
            answers_r, answers_w = os.pipe()
            try:
                pid = os.fork()
            except OSError:
                for fd in (requests_r, requests_w, answers_r, answers_w):
                    os.close(fd)
                raise
            if pid == 0:
                _worker_main(requests_r, answers_w, self._evaluate, self._store)   # never returns
            os.close(requests_r)
            os.close(answers_w)
        worker = _Worker(pid, Connection(requests_w, readable=False), Connection(answers_r, writable=False),
                         generation)
        if await_message(worker.answers, pid, time.monotonic() + FORK_READY_LIMIT):
            try:
                if worker.answers.recv() == "ready":
                    return worker
            except EOFError:
                pass
        worker.kill()
        return None


class _Worker:
    def __init__(self, pid: int, requests: Connection, answers: Connection, generation: int):
        self.pid, self.requests, self.answers, self.generation = pid, requests, answers, generation

    def ask(self, job, deadline: float):
        """(status, payload, grown), or None when the worker hung or missed the deadline."""
        try:
            self.requests.send(job)          # the worker waits in recv(): any size goes through
            for _message in ("started", "answer"):
                if not await_message(self.answers, self.pid, deadline):
                    return None
                message = self.answers.recv()
            return message
        except (EOFError, BrokenPipeError):
            raise QueryError("query evaluation process died") from None

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        self.requests.close()
        self.answers.close()


class _Forker:
    """One long-lived thread that runs every fork of the workers (see the module's note)."""

    def __init__(self):
        self._jobs: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._serve, name="policykg-query-forker", daemon=True)
        self._thread.start()

    def submit(self, fn, *args) -> Future:
        done: Future = Future()
        self._jobs.put((fn, args, done))
        return done

    def stop(self) -> None:
        self._jobs.put(None)

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            fn, args, done = job
            try:
                done.set_result(fn(*args))
            except BaseException as err:  # noqa: BLE001 - handed to the waiting caller
                done.set_exception(err)


def _worker_main(requests_fd: int, answers_fd: int, evaluate, store) -> None:
    """The worker's whole life: answer jobs until the server goes, then exit without running
    any of the server's clean-up (os._exit)."""
    try:
        die_with_parent()
        for sig in (signal.SIGTERM, signal.SIGINT):      # the server's asyncio handlers
            signal.signal(sig, signal.SIG_DFL)
        signal.set_wakeup_fd(-1)
        let_go_of_inherited(keep={requests_fd, answers_fd}, pipes=True)
        import gc
        gc.freeze()                  # inherited objects are never scanned, so never copied
        requests, answers = Connection(requests_fd, writable=False), Connection(answers_fd, readable=False)
        answers.send("ready")
        start = _resident_bytes()
        while True:
            try:
                job = requests.recv()
            except EOFError:
                break
            answers.send(("started", None))
            status, payload = outcome_message(evaluate, store, job)
            answers.send((status, payload, _resident_bytes() - start > RETIRE_GROWTH_BYTES))
    finally:
        os._exit(0)


def _resident_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
