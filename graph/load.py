"""Ingest files into a store: one named graph per document, replaced atomically.

The work per document (extract, map to RDF, SHACL check) is `prepare`, a pure function of the
file that never touches a store: `ingest` runs it in this process or in a pool of worker
processes (`jobs`), and is the single writer of the store either way. `write_nquads` writes
the same graph as an N-Quads file instead, for bulk loaders (`oxigraph load`, Virtuoso's
`ld_dir`) on other machines.
"""
from __future__ import annotations

import hashlib
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pyoxigraph

from policykg.graph.mapping import document_graph_iri, document_to_triples
from policykg.graph.namespaces import ONTOLOGY_GRAPH
from policykg.graph.store import Store
from policykg.graph.validate import ontology_text, validate

SUFFIXES = (".txt", ".text", ".html", ".htm", ".docx", ".xlsx", ".pdf")
ONTOLOGY_FILE = "ontology.nq"


@dataclass
class Summary:
    documents: int = 0
    provisions: int = 0
    units: set[tuple] = field(default_factory=set)     # (city, canonical name)
    triples: int = 0
    warnings: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Prepared:
    """One document ready to write: its named graph and triples (or why it cannot be)."""
    path: str
    graph: str = ""
    triples: list[pyoxigraph.Triple] = field(default_factory=list)
    provisions: int = 0
    warnings: int = 0
    units: set[tuple] = field(default_factory=set)
    error: str | None = None
    size: int = 0                  # number of triples
    ntriples: bytes | None = None  # the triples as N-Triples, once they crossed a process boundary

    def __getstate__(self):
        # Between processes the triples travel as N-Triples, far cheaper than pickling
        # thousands of term objects; the writer hands them to the store as they are.
        state = dict(self.__dict__)
        state["ntriples"] = pyoxigraph.serialize(self.triples, format=pyoxigraph.RdfFormat.N_TRIPLES) or b""
        state["triples"] = None
        return state

    def all_triples(self) -> list[pyoxigraph.Triple]:
        if self.triples is None:
            self.triples = [q.triple for q in pyoxigraph.parse(self.ntriples, format=pyoxigraph.RdfFormat.N_TRIPLES)]
        return self.triples

    def write_to(self, store: Store) -> None:
        fast = getattr(store, "replace_graph_ntriples", None)   # the embedded store has it
        if self.triples is None and fast is not None:
            fast(self.graph, self.ntriples)
        else:
            store.replace_graph(self.graph, self.all_triples())


def expand(paths: list[Path]) -> list[Path]:
    """Files as given, folders as their document files (sorted, not recursive)."""
    out = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
        else:
            out.append(path)
    return out


def ontology_triples() -> list[pyoxigraph.Triple]:
    return [q.triple for q in pyoxigraph.parse(ontology_text(), format=pyoxigraph.RdfFormat.TURTLE)]


def load_ontology(store: Store) -> int:
    triples = ontology_triples()
    store.replace_graph(ONTOLOGY_GRAPH, triples)
    return len(triples)


def prepare(path: Path, *, shacl: bool = True, overrides: dict | None = None) -> Prepared:
    """Extract, map and check one file; never raises (a failure is `error`, one line)."""
    from policykg.ingest.pipeline import extract_file
    try:
        doc = extract_file(path, overrides) if overrides else extract_file(path)
        triples = document_to_triples(doc)
        if shacl:
            _check(triples)
    except Exception as err:  # noqa: BLE001 - one bad file must not stop the others
        return Prepared(str(path), error=_one_line(err))
    return Prepared(
        str(path), document_graph_iri(doc), triples, len(doc.provisions), len(doc.warnings),
        {(doc.meta.city, m.name) for p in doc.provisions for m in p.lead_units + p.responsible_units},
        size=len(triples))


def prepared(files: list[Path], *, shacl: bool = True, jobs: int = 1,
             overrides: dict | None = None) -> Iterator[Prepared]:
    """`prepare` over the files, in their order; with jobs > 1 in a pool of worker processes."""
    if jobs <= 1 or len(files) <= 1:
        for path in files:
            yield prepare(path, shacl=shacl, overrides=overrides)
        return
    from collections import deque
    workers = min(jobs, len(files))
    with ProcessPoolExecutor(workers) as pool:
        # In input order, at most a few documents ahead of the writer: memory stays bounded
        # however many files there are and however slow the store is.
        pending: deque = deque()
        todo = iter(files)
        for path in todo:
            pending.append(pool.submit(prepare, path, shacl=shacl, overrides=overrides))
            if len(pending) >= 4 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def ingest(store: Store, files: list[Path], *, shacl: bool = True, jobs: int = 1,
           progress: Callable[[int, int, Path, str], None] | None = None) -> Summary:
    """Each file into its own named graph; this process is the only writer (jobs only extract).
    The corpus tallies are marked stale first and recounted at the end (graph/tallies.py): a run
    stopped midway leaves them marked, and the questions that read them say so until a run ends."""
    from policykg.graph import tallies
    summary = Summary()
    load_ontology(store)
    tallies.mark_stale(store)
    for i, (path, item) in enumerate(zip(files, prepared(files, shacl=shacl, jobs=jobs)), 1):
        if item.error is None:
            try:
                item.write_to(store)
            except Exception as err:  # noqa: BLE001 - the store refused this one; go on
                item.error = _one_line(err)
        if item.error is not None:
            summary.failed.append((str(path), item.error))
            if progress:
                progress(i, len(files), path, "failed")
            continue
        _count(summary, item)
        if progress:
            progress(i, len(files), path, f"{item.size} triples")
    tallies.recount(store)
    return summary


# --- N-Quads for bulk loaders ------------------------------------------------------------
def nquads_name(item: Prepared) -> str:
    """`<file stem>.<10 hex of the graph IRI's sha1>.nq`: stable across runs and machines, and
    two documents with one file name (different folders, different shards) never collide."""
    digest = hashlib.sha1(item.graph.encode("utf-8")).hexdigest()[:10]
    return f"{Path(item.path).stem}.{digest}.nq"


def to_nquads(graph: str, triples) -> bytes:
    name = pyoxigraph.NamedNode(graph)
    quads = (pyoxigraph.Quad(t.subject, t.predicate, t.object, name) for t in triples)
    return pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.N_QUADS) or b""


def write_nquads(out: Path, item: Prepared) -> Path:
    """The document's named graph as OUT/<name>.nq, written whole or not at all."""
    return _write_atomic(out / nquads_name(item), to_nquads(item.graph, item.all_triples()))


def write_ontology_nquads(out: Path) -> Path:
    """The ontology graph that `ingest` also writes (the named questions read its labels)."""
    return _write_atomic(out / ONTOLOGY_FILE, to_nquads(ONTOLOGY_GRAPH, ontology_triples()))


def _write_atomic(path: Path, data: bytes) -> Path:
    # A killed extractor leaves a stray temporary file, never half an .nq a loader would take.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _check(triples) -> None:
    conforms, report = validate(triples)
    if not conforms:
        first = next((line.strip() for line in report.splitlines() if "Message:" in line), "SHACL violation")
        raise ValueError(f"graph fails SHACL shapes: {first}")


def _count(summary: Summary, item: Prepared) -> None:
    summary.documents += 1
    summary.provisions += item.provisions
    summary.triples += item.size
    summary.warnings += item.warnings
    summary.units |= item.units


def _one_line(err: Exception) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}".strip()
