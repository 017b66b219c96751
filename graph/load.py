"""Ingest files into a store: one named graph per document, replaced atomically."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pyoxigraph

from policykg.graph.mapping import document_graph_iri, document_to_triples
from policykg.graph.namespaces import ONTOLOGY_GRAPH
from policykg.graph.store import Store
from policykg.graph.validate import ontology_text, validate

SUFFIXES = (".txt", ".text", ".html", ".htm", ".docx", ".xlsx", ".pdf")


@dataclass
class Summary:
    documents: int = 0
    provisions: int = 0
    units: set[tuple] = field(default_factory=set)     # (city, canonical name)
    triples: int = 0
    warnings: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


def expand(paths: list[Path]) -> list[Path]:
    """Files as given, folders as their document files (sorted, not recursive)."""
    out = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
        else:
            out.append(path)
    return out


def load_ontology(store: Store) -> int:
    triples = [q.triple for q in pyoxigraph.parse(ontology_text(), format=pyoxigraph.RdfFormat.TURTLE)]
    store.replace_graph(ONTOLOGY_GRAPH, triples)
    return len(triples)


def ingest(store: Store, files: list[Path], *, shacl: bool = True,
           progress: Callable[[int, int, Path, str], None] | None = None) -> Summary:
    from policykg.ingest.pipeline import extract_file
    summary = Summary()
    load_ontology(store)
    for i, path in enumerate(files, 1):
        try:
            doc = extract_file(path)
            triples = document_to_triples(doc)
            if shacl:
                _check(triples)
            store.replace_graph(document_graph_iri(doc), triples)
        except Exception as err:  # noqa: BLE001 - one bad file must not stop the others
            summary.failed.append((str(path), _one_line(err)))
            if progress:
                progress(i, len(files), path, "failed")
            continue
        _count(summary, doc, triples)
        if progress:
            progress(i, len(files), path, f"{len(triples)} triples")
    return summary


def _check(triples) -> None:
    conforms, report = validate(triples)
    if not conforms:
        first = next((line.strip() for line in report.splitlines() if "Message:" in line), "SHACL violation")
        raise ValueError(f"graph fails SHACL shapes: {first}")


def _count(summary: Summary, doc, triples) -> None:
    summary.documents += 1
    summary.provisions += len(doc.provisions)
    summary.triples += len(triples)
    summary.warnings += len(doc.warnings)
    summary.units |= {(doc.meta.city, m.name) for p in doc.provisions for m in p.lead_units + p.responsible_units}


def _one_line(err: Exception) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}".strip()
