"""Corpus tallies: totals over every document, kept in one named graph (TALLIES_GRAPH) and
recounted after each ingest, so the questions over the whole corpus (`stats`,
`units_by_duties`) read a few hundred precomputed values instead of summing each document's
counts (at 10,000 documents: 0.5 s and 6.7 s per question before; benchmarks/README.md).

What the graph holds (ontology/policykg.ttl, "Corpus tallies"):
- one `pkg:CorpusTallies` node with the totals `stats` answers (pkg:documentTotal …);
- per bearer of a task: its duty totals (pkg:dutyTotal, pkg:leadTotal, pkg:sharedTotal,
  pkg:impliedLeadTotal, pkg:documentsNaming), its city (pkg:rankedInCity), one document that
  names it (pkg:namedIn: its labels are read there), and `pkg:dutyRank`, its place in the order
  units_by_duties lists them (so a page is a sort of integers), and `pkg:listRank`, its place
  by city name, then IRI (the order unit_duties lists units of one name in);
- each city's names (pkg:cityName: a question finds the city by name inside the graph);
- the offsets of the pages of tasks and of duty assignments (`leads_by_city`, `all_duties`):
  on each document, the tasks its city lists before its first one (`pkg:tasksBefore`) and
  through its last one (`pkg:tasksThrough`), the tasks the corpus lists before it
  (`pkg:tasksBeforeInCorpus`), and the buckets of 1,000 places of either listing it reaches
  (`pkg:taskBucket` "corpus n" / "{city IRI} n": one property with the key as its value, so
  a question looks a bucket up by value); `pkg:duties…` alike. Lists go by city
  name, then document key (the questions' ORDER BY), so with each task's `pkg:taskOrdinal` in
  its document a page is read from the documents in its buckets, at any offset and any size of
  corpus, instead of sorting every task;
- for `unit_duties`, per bearer its assignments in the corpus (`pkg:assignmentTotal`) and a node
  per document naming it (`pkg:pageInDocument`) with the bearer's assignments before and
  through that document and the buckets of 1,000 of them it reaches (`pkg:bearerDutyBucket`
  "{bearer} n"); and per name any bearer is found by and bearer of that name (`pkg:bearerName`,
  `pkg:namedBearer`), the assignments of the bearers of that name listed before it, in the
  corpus and in its city;
- for `due_by_date`, the documents' due summaries summed per bearer and due date (nodes of
  `pkg:dueBearer`, `pkg:dueInCity`, `pkg:dueBy`, `pkg:tasksFirstDue`, `pkg:leadsFirstDue`,
  `pkg:dueProvisions`).
Only properties of its own: the graph is part of the union default graph, and a copy of a
label or a type there would be one more row in every question over the documents.

A recount reads the per-document counts graph/derived.py writes (one grouped scan: 0.6 s at
10,000 documents) and replaces the graph in one write. It is a pure function of the documents,
so it is always whole: no increments to drift. A writer first marks the tallies stale
(`mark_stale`); a recount clears the mark. While the mark is there (an ingest under way, or one
killed before its recount, or a raw write through /store or SPARQL Update not yet recounted),
or when a store has no tallies at all (loaded from N-Quads by `oxigraph load`), a question that
reads them is refused with the command that mends it (`require_current`), never answered from
stale totals.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple

from policykg.errors import UserError
from policykg.graph.namespaces import TALLIES_GRAPH, pkg, prefix_block, rdf, template_text, xsd
from policykg.graph.store import Store

log = logging.getLogger(__name__)
_recounting = threading.Lock()
# What the tallies graph holds changes with policykg; a graph written by an older one lacks what
# the questions now read (their pages would come back empty), so it is refused like a stale one.
# 2: page offsets, buckets and due sums (session 8); 1 (no pkg:talliesFormat): totals only.
FORMAT = 2
CORPUS = NamedNode(TALLIES_GRAPH + "#corpus")
TEMPLATES = Path(__file__).resolve().parent / "templates"
_TOTALS = (("documents", pkg.documentTotal), ("provisions", pkg.provisionTotal), ("tasks", pkg.taskTotal),
           ("units", pkg.unitTotal), ("targets", pkg.targetTotal), ("deadlines", pkg.deadlineTotal),
           ("triples", pkg.tripleTotal))
# A page's documents are found by bucket: every document lists the buckets of BUCKET places it
# reaches, so a page of up to 10,000 (graph/queries.MAX_LIMIT) looks up at most 11 buckets,
# whatever the corpus's size (queries/leads_by_city.rq, all_duties.rq).
BUCKET = 1000
_TASK_PAGES = (pkg.tasksBefore, pkg.tasksThrough, pkg.tasksBeforeInCorpus, pkg.taskBucket)
_DUTY_PAGES = (pkg.dutiesBefore, pkg.dutiesThrough, pkg.dutiesBeforeInCorpus, pkg.dutyBucket)
_UNIT_TOTALS = (("duties", pkg.dutyTotal), ("leads", pkg.leadTotal), ("shared", pkg.sharedTotal),
                ("implied_leads", pkg.impliedLeadTotal), ("documents", pkg.documentsNaming))


class StaleTallies(UserError):
    """The tallies are missing or out of date; the message says how to recount them."""


@dataclass
class Recount:
    units: int
    cities: int
    documents: int


def mark_stale(store: Store) -> None:
    """Before documents are written: questions that read the tallies are refused until a recount."""
    store.add_to_graph(TALLIES_GRAPH, [Triple(CORPUS, pkg.talliesStale, Literal(True))])


def recount(store: Store) -> Recount:
    """Count everything again from the documents' own counts and replace the tallies graph."""
    corpus = _rows(store, "tally_corpus")[0]
    units = _rows(store, "tally_units")
    cities = _rows(store, "tally_cities")
    triples = [Triple(CORPUS, rdf.type, pkg.CorpusTallies), Triple(CORPUS, pkg.talliesFormat, _integer(FORMAT))]
    triples += [Triple(CORPUS, prop, _integer(_number(corpus.get(name)))) for name, prop in _TOTALS]
    triples += [Triple(row["city"], pkg.cityName, row["label"]) for row in cities]
    triples += unit_totals(units) + page_offsets(_rows(store, "tally_documents"))
    listed = sorted(units, key=lambda r: (_text(r.get("city_zh")), r["unit"].value))
    triples += [Triple(row["unit"], pkg.listRank, _integer(rank)) for rank, row in enumerate(listed, 1)]
    keys = {row["doc"]: int(row["key"].value) for row in _rows(store, "tally_document_keys")}
    pages, totals = bearer_page_offsets(_rows(store, "tally_bearer_documents"), keys)
    triples += pages + name_offsets(_rows(store, "tally_bearer_labels"), listed, totals)
    triples += due_summaries(_rows(store, "tally_due"), {row["unit"]: row["city"] for row in units})
    store.replace_graph(TALLIES_GRAPH, list(dict.fromkeys(triples)))
    return Recount(len(units), len({row["city"] for row in cities}), _number(corpus.get("documents")))


def unit_totals(units: list[dict]) -> list[Triple]:
    """Per bearer: its totals, its place in units_by_duties' order, its city and one document naming it."""
    triples: list[Triple] = []
    for rank, row in enumerate(sorted(units, key=_rank_key), 1):
        unit = row["unit"]
        triples += [Triple(unit, prop, _integer(_number(row[name]))) for name, prop in _UNIT_TOTALS]
        triples += [Triple(unit, pkg.dutyRank, _integer(rank)), Triple(unit, pkg.rankedInCity, row["city"]),
                    Triple(unit, pkg.namedIn, row["doc"])]
    return triples


def page_offsets(documents: list[dict]) -> list[Triple]:
    """Per document: its tasks and duties before and through it in its city's listing, before it
    in the corpus', and the buckets of BUCKET places of either listing it reaches; documents by
    city name, then document key, ties by IRI."""
    for row in documents:
        if row.get("duties") is None:
            raise UserError(f"{row['doc'].value}: ingested by an older policykg (no pkg:dutyCount); "
                            "ingest its file again, then run `policykg tally`")
    ordered = sorted({row["doc"]: row for row in documents}.values(),
                     key=lambda r: (r["city_zh"].value, r["city"].value, int(r["key"].value), r["doc"].value))
    out: list[Triple] = []
    for count, props in (("tasks", _TASK_PAGES), ("duties", _DUTY_PAGES)):
        before, through, in_corpus_prop, bucket = props
        in_corpus, in_city, city = 0, 0, None
        for row in ordered:
            if row["city"] != city:
                city, in_city = row["city"], 0
            doc, n = row["doc"], _number(row[count])
            out += [Triple(doc, before, _integer(in_city)), Triple(doc, through, _integer(in_city + n)),
                    Triple(doc, in_corpus_prop, _integer(in_corpus))]
            out += [Triple(doc, bucket, Literal(f"corpus {k}")) for k in _buckets(in_corpus, n)]
            out += [Triple(doc, bucket, Literal(f"{city.value} {k}")) for k in _buckets(in_city, n)]
            in_city, in_corpus = in_city + n, in_corpus + n
    return out


def _buckets(start: int, n: int) -> range:
    """The numbers of the buckets of BUCKET places that places start … start + n - 1 fall in."""
    return range(start // BUCKET, (start + n - 1) // BUCKET + 1) if n > 0 else range(0)


def bearer_page_offsets(rows: list[dict], keys: dict) -> tuple[list[Triple], dict]:
    """Per bearer: its assignments in the corpus (pkg:assignmentTotal), and a node per document
    naming it with the bearer's assignments before and through that document (documents by key;
    ties by IRI) and the buckets of BUCKET of them it reaches ("{bearer} n"): the offsets of
    unit_duties' pages; and each bearer's total. Four or five triples a node: at 10,000
    documents they are most of the graph. (Reading the document's own count from its graph
    instead of pkg:dutiesThrough made Oxigraph's planner hash every bearer's counts: 180 ms a
    page instead of 50.)"""
    by_unit: dict = {}
    for row in rows:
        by_unit.setdefault(row["unit"], []).append(row)
    out: list[Triple] = []
    totals: dict = {}                       # bearer -> its assignments (name_offsets adds them up)
    for unit in sorted(by_unit, key=lambda n: n.value):
        before = 0
        for row in sorted(by_unit[unit], key=lambda r: (keys.get(r["doc"], 0), r["doc"].value)):
            node, n = _node("bearer-page", unit.value, row["doc"].value), _number(row["n"])
            out += [Triple(node, pkg.pageInDocument, row["doc"]), Triple(node, pkg.dutiesBefore, _integer(before)),
                    Triple(node, pkg.dutiesThrough, _integer(before + n))]
            out += [Triple(node, pkg.bearerDutyBucket, Literal(f"{unit.value} {k}")) for k in _buckets(before, n)]
            before += n
        out.append(Triple(unit, pkg.assignmentTotal, _integer(before)))
        totals[unit] = before
    return out, totals


def name_offsets(labels: list[dict], listed: list[dict], total: dict) -> list[Triple]:
    """Per name and bearer of that name: the assignments of the bearers of that name listed
    before it (by listRank), in the corpus and in its city (`unit_duties` asked by name, with or
    without a city, starts each unit's rows there)."""
    city = {row["unit"]: row["city"] for row in listed}
    by_name: dict = {}
    for row in labels:
        by_name.setdefault(row["label"].value, set()).add(row["unit"])
    out: list[Triple] = []
    rank = {row["unit"]: n for n, row in enumerate(listed)}
    for name in sorted(by_name):
        in_corpus, in_city = 0, {}
        for unit in sorted((u for u in by_name[name] if u in rank), key=rank.__getitem__):
            node = _node("name", name, unit.value)
            out += [Triple(node, pkg.bearerName, Literal(name)), Triple(node, pkg.namedBearer, unit),
                    Triple(node, pkg.dutiesBefore, _integer(in_corpus)),
                    Triple(node, pkg.dutiesBeforeInCity, _integer(in_city.get(city[unit], 0)))]
            in_corpus += total.get(unit, 0)
            in_city[city[unit]] = in_city.get(city[unit], 0) + total.get(unit, 0)
    return out


def due_summaries(rows: list[dict], city_of: dict) -> list[Triple]:
    """The documents' due summaries summed per bearer and date (tally_due.rq), one node each,
    with the bearer's city (units are per city: graph/iris.py): what due_by_date reads."""
    out: list[Triple] = []
    for row in sorted(rows, key=lambda r: (r["unit"].value, r["date"].value)):
        if (city := city_of.get(row["unit"])) is None:
            continue
        node = _node("due", row["unit"].value, row["date"].value)
        provisions = " ; ".join(sorted(set(row["provisions_due"].value.split(" ; "))))
        out += [Triple(node, pkg.dueBearer, row["unit"]), Triple(node, pkg.dueInCity, city),
                Triple(node, pkg.dueBy, Literal(row["date"].value, datatype=xsd.date)),
                Triple(node, pkg.tasksFirstDue, _integer(_number(row["tasks_due"]))),
                Triple(node, pkg.leadsFirstDue, _integer(_number(row["leads_due"]))),
                Triple(node, pkg.dueProvisions, Literal(provisions))]
    return out


def _node(kind: str, *keys: str) -> NamedNode:
    """A tallies node named by what it is about, not by its place in a list: a recount after one
    more document rewrites only the nodes whose numbers changed (replace_graph writes the
    difference), where numbered nodes all shifted."""
    digest = hashlib.blake2b("\t".join(keys).encode("utf-8"), digest_size=10).hexdigest()
    return NamedNode(f"{TALLIES_GRAPH}#{kind}-{digest}")


def recount_after_write(store: Store) -> None:
    """After a raw write (SPARQL Update, Graph Store Protocol): recount a store that keeps
    tallies. Recounts run one at a time, so the last one always reads the last write. A recount
    that fails leaves the tallies marked stale (refused, not wrong); the write itself stands."""
    if TALLIES_GRAPH not in store.graph_names():
        return                          # not a policykg corpus (a bare endpoint): nothing to keep
    with _recounting:
        try:
            recount(store)
        except Exception as err:  # noqa: BLE001 - the write succeeded; its answer must not fail
            log.warning("corpus tallies not recounted after a write (%s); marked stale", err)
            mark_stale(store)


def require_current(store: Store) -> None:
    """Raise StaleTallies unless the tallies graph is there and not marked stale."""
    # The graph bound by VALUES: Virtuoso 7.2 finds nothing in `GRAPH <constant>` (queries/stats.rq).
    answer = store.query(prefix_block() + f"SELECT ?p ?o WHERE {{ VALUES ?p {{ rdf:type pkg:talliesStale pkg:talliesFormat }} "
                         f"VALUES ?g {{ <{TALLIES_GRAPH}> }} GRAPH ?g {{ {CORPUS} ?p ?o }} }}")
    found = {row["p"] for row in answer.rows}
    formats = {row["o"].value for row in answer.rows if row["p"] == pkg.talliesFormat}
    if pkg.talliesStale in found:
        raise StaleTallies("the corpus tallies are out of date (an ingest is under way or was stopped, or the "
                           "store was written directly): finish the ingest, or run `policykg tally`")
    if rdf.type not in found:
        raise StaleTallies("this store has no corpus tallies (loaded from N-Quads, or ingested by an older "
                           "policykg): run `policykg tally` with the same --store or --endpoint")
    if formats != {str(FORMAT)}:
        raise StaleTallies("the corpus tallies were counted by an older policykg: run `policykg tally` with the "
                           "same --store or --endpoint")


def _rows(store: Store, name: str) -> list[dict]:
    # no time limit: the recount runs in the writer's process, like the writes it follows
    return store.query(template_text(TEMPLATES, name)).rows


def _rank_key(row: dict) -> tuple:
    """units_by_duties' order: city name, most duties, most implied leads, name (code points, as SPARQL)."""
    return (_text(row.get("city_zh")), -_number(row["duties"]), -_number(row["implied_leads"]),
            _text(row.get("unit_zh")), row["unit"].value)


def _text(term) -> str:
    return term.value if term is not None else ""


def _number(term) -> int:
    return int(term.value) if term is not None else 0


def _integer(n: int) -> Literal:
    return Literal(str(n), datatype=xsd.integer)
