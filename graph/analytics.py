"""networkx projections of the graph: who leads and shares tasks, who works together, where
documents overlap. Built from one fixed query of stated assignments, so they work on any store."""
from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations

import networkx as nx

from policykg.graph.namespaces import prefix_block
from policykg.graph.store import Store

# Small fixed internal query (the projection's input), not a user-facing question.
ASSIGNMENTS = prefix_block() + """
SELECT DISTINCT ?task ?unit ?role ?document ?city ?unit_zh ?unit_en ?doc_id WHERE {
  ?a pkg:task ?task ; pkg:bearer ?unit ; pkg:role ?role ; pkg:basis pkg:Stated .
  ?task pkg:statedIn/pkg:inDocument ?document .
  ?document eli:id_local ?doc_id ; pkg:city ?city .
  OPTIONAL { ?unit skos:prefLabel ?unit_zh FILTER (LANG(?unit_zh) = "zh") }
  OPTIONAL { ?unit skos:prefLabel ?unit_en FILTER (LANG(?unit_en) = "en") }
}"""


def duty_graph(store: Store) -> nx.Graph:
    """Bipartite graph: unit nodes and task nodes, edges carry the role (lead | responsible)."""
    g = nx.Graph()
    for row in store.query(ASSIGNMENTS).rows:
        unit, task = row["unit"].value, row["task"].value
        g.add_node(unit, kind="unit", label_zh=_value(row, "unit_zh"), label_en=_value(row, "unit_en"),
                   city=row["city"].value)
        g.add_node(task, kind="task", document=row["doc_id"].value, city=row["city"].value)
        role = "lead" if row["role"].value.endswith("LeadRole") else "responsible"
        if g.has_edge(unit, task) and g.edges[unit, task]["role"] == "lead":
            continue                      # lead wins when a unit is listed in both roles
        g.add_edge(unit, task, role=role)
    return g


def _value(row, key: str) -> str:
    return row[key].value if key in row else ""


def units_by_tasks(g: nx.Graph) -> list[tuple[str, int, int]]:
    """(unit, tasks led, tasks shared), most tasks first."""
    out = []
    for unit in _units(g):
        roles = Counter(g.edges[unit, task]["role"] for task in g[unit])
        out.append((unit, roles["lead"], roles["responsible"]))
    return sorted(out, key=lambda r: (-(r[1] + r[2]), -r[1], r[0]))


def co_owners(g: nx.Graph) -> nx.Graph:
    """Units linked when they carry the same task; weight = number of such tasks."""
    pairs = nx.Graph()
    for task in (n for n, k in g.nodes(data="kind") if k == "task"):
        for a, b in combinations(sorted(g[task]), 2):
            weight = pairs.edges[a, b]["weight"] + 1 if pairs.has_edge(a, b) else 1
            pairs.add_edge(a, b, weight=weight)
    return pairs


def document_overlaps(g: nx.Graph) -> list[tuple[str, str, int, list[str]]]:
    """(document, document, shared units, the units) for document pairs of one city sharing units."""
    docs_of: dict[str, set[str]] = defaultdict(set)
    for unit in _units(g):
        docs_of[unit] = {g.nodes[t]["document"] for t in g[unit]}
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for unit, docs in docs_of.items():
        for a, b in combinations(sorted(docs), 2):
            shared[a, b].append(unit)
    return sorted(((a, b, len(u), sorted(u)) for (a, b), u in shared.items()), key=lambda r: (-r[2], r[0], r[1]))


def _units(g: nx.Graph):
    return sorted(n for n, k in g.nodes(data="kind") if k == "unit")
