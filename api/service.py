"""SPARQL 1.1 Service Description of the endpoint, as RDF triples (served via the graph table)."""
from __future__ import annotations

import pyoxigraph as ox

from policykg.api import formats

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCT_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
PREFIXES = {"sd": SD, "formats": FORMATS, "dct": "http://purl.org/dc/terms/"}

# media type -> W3C format IRI, for the sd:resultFormat list
_FORMAT_IRIS = {
    "application/sparql-results+json": "SPARQL_Results_JSON",
    "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV",
    "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle",
    "application/n-triples": "N-Triples",
    "application/ld+json": "JSON-LD",
    "application/rdf+xml": "RDF_XML",
}


def description(endpoint: str, graph_names: list[str], *, writable: bool,
                title: str = "policykg SPARQL endpoint") -> list[ox.Triple]:
    sd = lambda local: ox.NamedNode(SD + local)  # noqa: E731
    service = ox.BlankNode()
    dataset, default = ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(service, RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, DCT_TITLE, ox.Literal(title)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, sd("Graph")),
    ]
    if writable:   # only advertise Update when the server can actually accept one
        triples.append(ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")))
    for media_type in formats.offered(formats.SELECT_FORMATS, formats.GRAPH_FORMATS):
        if media_type in _FORMAT_IRIS:
            triples.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS + _FORMAT_IRIS[media_type])))
    for name in graph_names:
        named = ox.BlankNode()
        triples += [ox.Triple(dataset, sd("namedGraph"), named),
                    ox.Triple(named, RDF_TYPE, sd("NamedGraph")),
                    ox.Triple(named, sd("name"), ox.NamedNode(name))]
    return triples
