"""The one base namespace of policykg and the vocabularies it reuses.

BASE is defined here only; everything else (mapping, ontology loader, queries' PREFIX lines
via `prefix_block`) derives from it. Template of resource IRIs: see graph/iris.py.
"""
from __future__ import annotations

from pathlib import Path

import pyoxigraph

BASE = "https://policykg.org/"
PKG = BASE + "ontology#"          # classes and properties (ontology/policykg.ttl)
ONTOLOGY_GRAPH = BASE + "ontology"  # named graph holding the ontology itself
TALLIES_GRAPH = BASE + "tallies"    # corpus totals recounted at ingest (graph/tallies.py)
ELI_BASE = BASE + "eli/"            # documents and provisions
ID_BASE = BASE + "id/"              # units, regions, agents

ELI = "http://data.europa.eu/eli/ontology#"
ORG = "http://www.w3.org/ns/org#"
TIME = "http://www.w3.org/2006/time#"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SH = "http://www.w3.org/ns/shacl#"

PREFIXES = {
    "pkg": PKG, "eli": ELI, "org": ORG, "time": TIME, "prov": PROV, "oa": OA, "skos": SKOS,
    "dct": DCT, "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD,
}


class Vocab:
    """`Vocab(PKG).Task` -> NamedNode(PKG + "Task"); attribute access keeps mapping code short."""

    def __init__(self, base: str):
        self._base = base

    def __getattr__(self, name: str) -> pyoxigraph.NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        node = pyoxigraph.NamedNode(self._base + name)
        setattr(self, name, node)   # next time a plain attribute: mapping asks ~10^4 times a document
        return node

    def __getitem__(self, name: str) -> pyoxigraph.NamedNode:
        return pyoxigraph.NamedNode(self._base + name)


pkg, eli, org, time, prov, oa, skos, dct, rdf, rdfs, xsd = (
    Vocab(ns) for ns in (PKG, ELI, ORG, TIME, PROV, OA, SKOS, DCT, RDF, RDFS, XSD)
)


def prefix_block() -> str:
    """PREFIX lines for queries, so .rq files need not repeat (or drift from) the base."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def template_text(folder: Path, name: str) -> str:
    """An internal query template (graph/templates, api/templates: `name`.rq) with the PREFIX lines."""
    return prefix_block() + (folder / f"{name}.rq").read_text(encoding="utf-8")
