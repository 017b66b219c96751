"""A small bilingual graph for the API tests, and a ring of nodes for hostile queries.

The store's default dataset is the union of all graphs, so the named graph holds triples
of its own (a document) rather than copies: counts stay the same either way.
"""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from policykg.graph.store import open_store

EX = "http://example.org/policykg-test/"
GRAPH = EX + "graph/doc1"
SAMPLE_TTL = f"""
@prefix ex: <{EX}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:unit1 a ex:Unit ; rdfs:label "市卫生健康委"@zh, "Municipal Health Commission"@en ; ex:leads ex:task1 .
ex:unit2 a ex:Unit ; rdfs:label "市发展改革委"@zh, "Municipal Development and Reform Commission"@en ;
    ex:leads ex:task2 ; ex:shares ex:task1 .
ex:task1 a ex:Task ; ex:text "建设中医药传承创新中心,\\t含\\"引号\\"\\n第二行" ; ex:deadline "2025-12-31"^^<http://www.w3.org/2001/XMLSchema#date> .
ex:task2 a ex:Task ; ex:target 100 .
"""
DOC_TTL = f"""<{EX}doc1> a <{EX}Document> ; <http://www.w3.org/2000/01/rdf-schema#label> "巴中市中医药发展意见"@zh ."""


def _parse(ttl: str) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(ttl.encode(), format=ox.RdfFormat.TURTLE)]


def sample_triples() -> list[ox.Triple]:
    return _parse(SAMPLE_TTL)


def ring(size: int) -> list[ox.Triple]:
    """ex:n0 ex:next ex:n1 ... back to n0: every node reaches every other by ex:next+."""
    nxt = ox.NamedNode(EX + "next")
    return [ox.Triple(ox.NamedNode(f"{EX}n{i}"), nxt, ox.NamedNode(f"{EX}n{(i + 1) % size}"))
            for i in range(size)]


def load_sample(store, ring_size: int = 0) -> None:
    store.add_to_graph(None, sample_triples())
    store.add_to_graph(GRAPH, _parse(DOC_TTL))
    if ring_size:
        store.add_to_graph(EX + "graph/ring", ring(ring_size))


def open_test_store(folder: Path | str):
    return open_store(str(folder))
