"""SHACL validation of the graphs the pipeline writes, against ontology/shapes.ttl.

`validate` is the gate every write passes: graph/shacl.py, the shapes compiled to Python
(~0.1 s for a 17,000-triple document). `validate_reference` is pyshacl with RDFS inference
(~4.5 s for the same document), the reference the fast gate is tested against.
"""
from __future__ import annotations

from functools import lru_cache

import pyoxigraph
import rdflib

from policykg import data_path


@lru_cache(maxsize=1)
def shapes_graph() -> rdflib.Graph:
    return rdflib.Graph().parse(data=data_path("ontology", "shapes.ttl").read_text("utf-8"), format="turtle")


@lru_cache(maxsize=1)
def ontology_graph() -> rdflib.Graph:
    return rdflib.Graph().parse(data=ontology_text(), format="turtle")


ONTOLOGY_FILES = ("policykg.ttl", "topics.ttl")


def ontology_text() -> str:
    """The ontology graph's Turtle: the classes and properties, and the topic scheme whose
    concepts pkg:topic points at (each file declares its own prefixes)."""
    return "\n".join(data_path("ontology", name).read_text("utf-8") for name in ONTOLOGY_FILES)


def to_rdflib(triples) -> rdflib.Graph:
    data = pyoxigraph.serialize(list(triples), format=pyoxigraph.RdfFormat.N_TRIPLES) or b""
    return rdflib.Graph().parse(data=data.decode("utf-8"), format="nt")


def validate(triples) -> tuple[bool, str]:
    """(conforms, report text) from the fast gate."""
    from policykg.graph.shacl import validate as fast
    return fast(triples)


def validate_reference(triples) -> tuple[bool, str]:
    """(conforms, report text) from pyshacl. RDFS inference over the ontology lets sh:class
    see subclasses, domains and ranges."""
    from pyshacl import validate as shacl
    conforms, _, report = shacl(to_rdflib(triples), shacl_graph=shapes_graph(),
                                ont_graph=ontology_graph(), inference="rdfs", advanced=True)
    return conforms, report
