"""SHACL validation (pyshacl) of the graphs the pipeline writes, against ontology/shapes.ttl."""
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
    """(conforms, report text). RDFS inference over the ontology lets sh:class see subclasses."""
    from pyshacl import validate as shacl
    conforms, _, report = shacl(to_rdflib(triples), shacl_graph=shapes_graph(),
                                ont_graph=ontology_graph(), inference="rdfs", advanced=True)
    return conforms, report
