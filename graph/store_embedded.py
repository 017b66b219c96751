"""The default store: pyoxigraph on disk (or in memory for tests), no server needed."""
from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import pyoxigraph

from policykg.graph.query_processes import QueryJob, evaluate_in_child
from policykg.graph.query_workers import QueryWorkers
from policykg.graph.store import QueryError, QueryOutcome, StoreUnavailable, outcome_from_results
from policykg.graph.sparql_text import variable_name, with_values

# pyoxigraph (0.5) has no query timeout or cancellation in Python (oxigraph issue #1926:
# "only in the Rust API and the HTTP server"). A query with a time limit therefore runs in a
# forked child that shares the open store copy-on-write and is killed at the deadline
# (graph/query_processes.py).
# Forking while another thread is inside Oxigraph could copy a held lock into the child,
# which would then hang: every call into the store, and every fork, holds the store's lock.
# Oxigraph's bulk loader writes each call's SST files straight into RocksDB, where compaction
# seldom merges them: ~4.5 files a document, and at 10,000 documents the store held more files
# than the 20,000 a process may open ("Too many open files" at close; 100 documents: 451 SST
# files bulk-loaded, 3 through transactions). So ordinary documents go through a transaction
# (~40 % slower to write, measured at 100 documents with 2 workers: 43.7 s vs 31.5 s) and only
# a very large graph (about 150,000 characters of text and more) takes the bulk loader.
BULK_MIN_QUADS = 200_000


class EmbeddedStore:
    # Oxigraph returns a graph scan in index order and keeps a subquery's order in the query
    # around it: the browse templates page on that instead of sorting every row
    # (api/reader.py; another server gets their `#?portable` ORDER BY instead).
    keeps_scan_order = True

    def __init__(self, path: str | None = None, read_only: bool = False, query_workers: int = 0):
        """`read_only` opens a snapshot without taking the write lock, so the CLI can read a
        store that a running `policykg serve` holds. `query_workers` > 0 answers timed queries
        with that many warm forked workers (a server; graph/query_workers.py) instead of a
        fresh fork per query (the CLI's one query)."""
        self.path, self.read_only = path, read_only
        self._lock = threading.RLock()
        self._open(path, read_only)
        self._workers = QueryWorkers(self._store, _evaluate, self._lock, query_workers) if query_workers else None

    def _open(self, path: str | None, read_only: bool) -> None:
        try:
            if read_only and path:
                if not Path(path, "CURRENT").exists():
                    raise StoreUnavailable(f"{path}: no store here yet (run `policykg ingest` first)")
                self._store = pyoxigraph.Store.read_only(path)
                return
            if path:
                Path(path).mkdir(parents=True, exist_ok=True)
            self._store = pyoxigraph.Store(path) if path else pyoxigraph.Store()
        except OSError as err:
            hint = " — in use by another process (a running `policykg serve`?)" if "lock" in str(err).lower() else ""
            raise StoreUnavailable(f"{path}: cannot open store{hint} ({err})") from err

    # --- SPARQL --------------------------------------------------------------------------
    def query(self, sparql: str, *, bindings: Mapping[str, pyoxigraph.Term] | None = None,
              default_graph: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None,
              timeout: float | None = None, max_rows: int | None = None, render=None) -> QueryOutcome:
        job = QueryJob(sparql, _query_options(bindings, default_graph, named_graphs), max_rows, render)
        if timeout is None:
            with self._lock:
                outcome = _evaluate(self._store, job.sparql, job.options, job.max_rows)
            return render(outcome) if render else outcome
        if self._workers is not None:
            return self._workers.evaluate(job, timeout)
        return evaluate_in_child(_evaluate, self._store, job, timeout, self._lock)

    def update(self, sparql: str) -> None:
        try:
            with self._writing():
                self._store.update(sparql)   # one transaction: all or nothing
        except (SyntaxError, ValueError) as err:
            raise QueryError(str(err)) from err

    # --- graphs --------------------------------------------------------------------------
    def replace_graph(self, graph: str, triples: Iterable[pyoxigraph.Triple]) -> None:
        # One transaction either way: readers see the old graph or the new one, never half.
        # Measured (benchmarks/README.md): extend() writes a new graph ~2x faster than
        # DROP + INSERT DATA, with half the peak memory (no update text to build and parse),
        # and a re-ingested document mostly changes nothing, so only the difference is written.
        name = pyoxigraph.NamedNode(graph)
        triples = triples if isinstance(triples, list) else list(triples)
        with self._writing():
            if not self._store.contains_named_graph(name):
                self._write_new(name, triples)
                return
            new = list(dict.fromkeys(triples))
            if any(map(_has_blank, new)):
                return self._drop_and_insert(name, new)
            old = [q.triple for q in self._store.quads_for_pattern(None, None, None, name)]
            if any(map(_has_blank, old)):
                return self._drop_and_insert(name, new)
            old_set, new_set = set(old), set(new)
            gone = [t for t in old if t not in new_set]
            added = [t for t in new if t not in old_set]
            parts = [f"{verb} DATA {{ GRAPH {name} {{\n{_body(ts)}\n}} }}"
                     for verb, ts in (("DELETE", gone), ("INSERT", added)) if ts]
            if parts:
                self._store.update(" ;\n".join(parts))

    def replace_graph_ntriples(self, graph: str, data: bytes) -> None:
        """`replace_graph` from the graph's N-Triples: a new graph is parsed and written by
        Oxigraph alone, without a Python object per triple (what the parallel ingest's single
        writer spends most of its time on otherwise)."""
        name = pyoxigraph.NamedNode(graph)
        with self._writing():
            if not self._store.contains_named_graph(name):
                self._load_new(name, data, data.count(b"\n"))
                return
        self.replace_graph(graph, [q.triple for q in pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.N_TRIPLES)])

    def _write_new(self, name, triples) -> None:
        # The graph goes to Oxigraph as N-Triples text, parsed in Rust: building one Python
        # Quad per triple for bulk_extend cost ~40 % of the write (5.5 of 14.4 s for 60
        # documents; serialising them 0.5 s). The bulk loader writes sorted SST files and hands
        # them to RocksDB in one atomic ingestion (Oxigraph >= 0.5.9 unless told otherwise),
        # but its fixed cost per call makes it slower than a plain load below ~10,000 quads
        # (benchmarks/README.md, "store writes").
        data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES) or b""
        self._load_new(name, data, len(triples))

    def _load_new(self, name, data: bytes, size: int) -> None:
        load = self._store.bulk_load if size >= BULK_MIN_QUADS else self._store.load
        load(data, format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=name)

    def _drop_and_insert(self, name, triples) -> None:
        # Blank nodes cannot be matched across two parses (nor written in DELETE DATA).
        self._store.update(f"DROP SILENT GRAPH {name} ;\nINSERT DATA {{ GRAPH {name} {{\n{_body(triples)}\n}} }}")

    def get_graph(self, graph: str | None) -> list[pyoxigraph.Triple]:
        with self._lock:
            return [q.triple for q in self._store.quads_for_pattern(None, None, None, _graph_term(graph))]

    def add_to_graph(self, graph: str | None, triples: Iterable[pyoxigraph.Triple]) -> None:
        target = _graph_term(graph)
        quads = [pyoxigraph.Quad(t.subject, t.predicate, t.object, target) for t in triples]
        with self._writing():
            self._store.extend(quads)

    def delete_graph(self, graph: str | None) -> bool:
        target = _graph_term(graph)
        with self._writing():
            return self._delete(graph, target)

    def _delete(self, graph: str | None, target) -> bool:
        if graph is None:
            existed = next(iter(self._store.quads_for_pattern(None, None, None, target)), None) is not None
            self._store.clear_graph(target)
            return existed
        if not self._store.contains_named_graph(target):
            return False
        self._store.remove_graph(target)
        return True

    def graph_names(self) -> list[str]:
        with self._lock:
            return sorted(g.value for g in self._store.named_graphs() if isinstance(g, pyoxigraph.NamedNode))

    def dump(self, output, fmt: pyoxigraph.RdfFormat) -> None:
        """Whole dataset in a quad format (export)."""
        with self._lock:
            self._store.dump(output, format=fmt)

    @contextlib.contextmanager
    def _writing(self):
        """The store's lock for a write; the query workers forked before it are then stale
        (also after a write that failed midway: what Oxigraph kept of it is not known here)."""
        with self._lock:
            try:
                yield
            finally:
                if self._workers is not None:
                    self._workers.changed()

    def close(self) -> None:
        if self._workers is not None:
            self._workers.close()
        if self.path and not self.read_only:
            self._store.flush()
        self._store = None


def _body(triples) -> str:
    return "\n".join(f"{t} ." for t in triples)


def _has_blank(t: pyoxigraph.Triple) -> bool:
    return isinstance(t.subject, (pyoxigraph.BlankNode, pyoxigraph.Triple)) \
        or isinstance(t.object, (pyoxigraph.BlankNode, pyoxigraph.Triple))


def _graph_term(graph: str | None):
    return pyoxigraph.DefaultGraph() if graph is None else pyoxigraph.NamedNode(graph)


def _query_options(bindings, default_graph, named_graphs) -> dict:
    options: dict = {}
    if default_graph is None:
        options["use_default_graph_as_union"] = True
    else:
        options["default_graph"] = [pyoxigraph.NamedNode(g) for g in default_graph]
    if named_graphs is not None:
        options["named_graphs"] = [pyoxigraph.NamedNode(g) for g in named_graphs]
    if bindings:
        options["substitutions"] = {pyoxigraph.Variable(variable_name(k)): v for k, v in bindings.items()}
    return options


def _evaluate(store, sparql: str, options: dict, max_rows: int | None) -> QueryOutcome:
    try:
        return outcome_from_results(_run(store, sparql, options), max_rows)
    except (SyntaxError, ValueError, TypeError) as err:
        raise QueryError(str(err)) from err
    except OSError as err:
        raise QueryError(f"query evaluation failed: {err}") from err


def _run(store, sparql: str, options: dict):
    try:
        return store.query(sparql, **options)
    except RuntimeError as err:
        # Oxigraph substitutes only projected variables (SEP-0007); a parameter used only in
        # the pattern is bound the way the remote store binds it, by a VALUES join.
        if "substitutions" not in options or "projection" not in str(err):
            raise QueryError(str(err)) from err
    options = dict(options)
    bindings = {v.value: term for v, term in options.pop("substitutions").items()}
    return store.query(with_values(sparql, bindings), **options)
