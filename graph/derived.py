"""Derived triples: keys and counts computed from one document's own triples at ingest, so a
named query (queries/*.rq) reads one precomputed value where it would otherwise join every
task to its provision, compare strings pairwise, or scan the whole store.

A pure function of the document's triples (no store, no clock): re-ingesting a document gives
the same derived triples, and they live in the document's own named graph, so replacing or
deleting the document replaces or deletes them with it. graph/mapping.document_to_triples adds
them at the end. What is written (ontology/policykg.ttl has the labels):

- `pkg:documentKey` (xsd:integer) on the document: a number that sorts documents by the year
  in their IRI (eli/{city}/{year}/…, 0 when undated), then in a fixed order of their own (a
  hash of the IRI). Oxigraph 0.5 decodes IRIs and long strings again on every comparison of an
  ORDER BY, ~100x slower than comparing numbers, so the queries sort on numbers like this one.
- `pkg:taskSortKey`, `pkg:dutySortKey`, `pkg:targetSortKey`, `pkg:deadlineSortKey`
  (xsd:decimal) on every Task, DutyAssignment, Target and Deadline: the document key, then the
  place in the document's reading order as the fraction (the provision's `pkg:order`; for an
  assignment then lead before responsible, implied before stated and the position the unit is
  listed at; for a target or deadline its number in the provision). Sorting on one of them
  gives documents in turn, each in reading order, and a document's rows come from one scan of
  its graph, without a join per row to the provision.
- `pkg:cityMetricKey` on every Target: its `pkg:metricKey` after the city region's IRI and a
  space, so equal keys are always in one city and can be looked up in the index;
  `pkg:metricKeyPart` carries, the same way, the key itself and each of its beginnings and ends
  of 4 characters or more: two keys where one begins or ends with the other
  (市级以上中药材专业合作社 / 中药材专业合作社) meet where one's key is a part of the other, which
  an index finds, where CONTAINS over every pair of targets of a city does not. (All substrings
  would also catch a key inside the middle of another, at ~60 triples for a 30-character metric.)
- `pkg:headingKey` on every Task with a heading: "{city IRI} heading {key}", the key being the
  heading without spaces, punctuation and quotes (做“活”中医药市场 -> 做活中医药市场); and
  `pkg:taskMatchKey`, the keys another task of the city can meet this one on, in one index:
  "{city IRI} heading {part}" for the heading key and each of its beginnings and ends of 4+
  characters, and "{city IRI} metric {unit}<TAB>{metric key}" for each target of the task's
  provision. Two tasks sharing a match key have targets on one metric in one unit, or headings
  where one begins or ends with the other when the shared part is one's whole key.
- `pkg:taskOrdinal` and `pkg:dutyOrdinal` (xsd:integer, from 0) on every Task and
  DutyAssignment: its place among the document's tasks / assignments in sort-key order. With
  each document's count of tasks / assignments before it (the tallies graph, graph/tallies.py),
  a page of 100 tasks at offset 200,000 is read from the one or two documents it spans instead
  of sorting every task of the corpus.
- per bearer, `pkg:bearerOrdinal` on each of its assignments here (its place among them) and
  `pkg:assignmentsInDocument` (their number): the pages of `unit_duties`, counted the same way.
- per (bearer, due date) of the document's stated duties, `pkg:dueSummary`, one literal
  "{date}<TAB>{tasks}<TAB>{lead tasks}<TAB>{provisions}": the tasks whose earliest due date it is
  (a task is due by D when that one is) and the provisions due on it; what `due_by_date`
  groups, summed per bearer and date over the corpus at the recount (graph/tallies.py).
- per document, `pkg:provisionCount`, `pkg:taskCount`, `pkg:dutyCount` (assignments),
  `pkg:targetCount`, `pkg:deadlineCount` and `pkg:tripleCount` (the graph's triples, these
  included): what `stats` sums and the tallies' page offsets add up.
- per bearer of a task of the document, in the document's graph, the numbers of distinct tasks
  of this document it bears as a stated duty (`pkg:dutiesInDocument`), stated lead
  (`pkg:leadsInDocument`), stated responsible unit (`pkg:sharedInDocument`) and implied lead
  (`pkg:impliedLeadsInDocument`): statements about the unit in the context of one document,
  read with `GRAPH ?document`. A task belongs to one document, so they add up across documents
  to what `units_by_duties` ranks, one short scan per count instead of a join over every
  assignment of the store. And `pkg:taskTopicInDocument`: each topic of a provision whose task
  the bearer has an assignment on (the units on a topic: one index lookup, where joining each
  topic's provisions to their tasks and bearers took 1-6 s at 1,000 documents).
"""
from __future__ import annotations

import hashlib
import re
from decimal import Decimal, localcontext
from typing import Iterable
from urllib.parse import unquote

from pyoxigraph import Literal, NamedNode, Triple

from policykg.graph.namespaces import ELI_BASE, eli, pkg, rdf, xsd

ROLE_RANK = {pkg.LeadRole: 0, pkg.ResponsibleRole: 5000}
BASIS_RANK = {pkg.Implied: 0, pkg.Stated: 2500}
ORDER_STEP = 10_000                   # below a provision's order: role, basis, position / target number
FRACTION = Decimal(10) ** -15         # reading order below the document key (< 10^5 provisions)
HASH_SPAN = 10 ** 15                  # year x 10^15 + hash: fits an xsd:integer (64 bits in Oxigraph)
PART_MIN = 4                          # containment counts for keys of 4+ characters (the queries' rule)
_NOISE = re.compile(r"[\s\u3000“”\"'‘’「」『』《》〈〉（）()【】\[\]，,。.;；:：、！!？?·…—\-]")


def heading_key(heading: str) -> str:
    """A heading as a comparison key: no spaces, punctuation or quotes."""
    return _NOISE.sub("", heading)


def key_parts(key: str) -> set[str]:
    """The key, and each of its beginnings and ends of PART_MIN characters or more."""
    return {key} | {key[:n] for n in range(PART_MIN, len(key))} | {key[-n:] for n in range(PART_MIN, len(key))}


def document_key(document_iri: str) -> int:
    """The year of the IRI's {year} segment (0 when undated) x 10^15, plus a stable hash of the IRI."""
    parts = document_iri[len(ELI_BASE):].split("/") if document_iri.startswith(ELI_BASE) else []
    year = unquote(parts[1]) if len(parts) > 1 else ""
    digest = int.from_bytes(hashlib.blake2b(document_iri.encode("utf-8"), digest_size=8).digest(), "big")
    return (int(year) if year.isdigit() and len(year) == 4 else 0) * HASH_SPAN + digest % HASH_SPAN


def derived_triples(triples: Iterable[Triple]) -> list[Triple]:
    """The derived triples of one document's graph (its mapped triples in, extra triples out)."""
    by_predicate: dict[NamedNode, list[Triple]] = {}
    typed: dict[NamedNode, list] = {}
    count = 0
    for t in triples:
        count += 1
        by_predicate.setdefault(t.predicate, []).append(t)
        if t.predicate == rdf.type:
            typed.setdefault(t.object, []).append(t.subject)
    documents = set(typed.get(pkg.PolicyDocument, ()))
    if len(documents) != 1:
        return []
    (document,) = documents

    def values(predicate) -> dict:
        return _objects(by_predicate, predicate)

    doc_key = document_key(document.value)
    city = values(pkg.city).get(document)
    order = {s: int(o.value) for s, o in values(pkg.order).items()}
    out: list[Triple] = [Triple(document, pkg.documentKey, _integer(doc_key))]

    def keyed(subject, key_prop, part_prop, key: str) -> None:
        if city is None or not key:
            return
        out.append(Triple(subject, key_prop, Literal(f"{city.value} {key}")))
        out.extend(Triple(subject, part_prop, Literal(f"{city.value} {part}")) for part in sorted(key_parts(key)))

    stated_in, provision_heading = values(pkg.statedIn), values(pkg.heading)
    metric_key, unit_of = values(pkg.metricKey), values(pkg.unitOfMeasure)
    targets_of: dict[NamedNode, list] = {}
    for t in by_predicate.get(pkg.hasTarget, ()):
        targets_of.setdefault(t.subject, []).append(t.object)
    task_rank = {}
    for task in sorted(set(typed.get(pkg.Task, ())), key=lambda n: n.value):
        provision = stated_in.get(task)
        task_rank[task] = order.get(provision, 0) * ORDER_STEP
        out.append(Triple(task, pkg.taskSortKey, _sort_key(doc_key, task_rank[task])))
        if city is None:
            continue
        if (heading := provision_heading.get(provision)) is not None and (key := heading_key(heading.value)):
            out.append(Triple(task, pkg.headingKey, Literal(f"{city.value} heading {key}")))
            out.extend(Triple(task, pkg.taskMatchKey, Literal(f"{city.value} heading {part}"))
                       for part in sorted(key_parts(key)))
        for target in sorted(targets_of.get(provision, ()), key=lambda n: n.value):
            if (unit := unit_of.get(target)) is not None and (mkey := metric_key.get(target)) is not None:
                out.append(Triple(task, pkg.taskMatchKey, Literal(f"{city.value} metric {unit.value}\t{mkey.value}")))
    out.extend(_ordinals(task_rank, pkg.taskOrdinal))

    for provision, target in ((t.subject, t.object) for t in by_predicate.get(pkg.hasTarget, ())):
        rank = order.get(provision, 0) * ORDER_STEP + _item_number(target)
        out.append(Triple(target, pkg.targetSortKey, _sort_key(doc_key, rank)))
        if (key := metric_key.get(target)) is not None:
            keyed(target, pkg.cityMetricKey, pkg.metricKeyPart, key.value)

    for provision, deadline in ((t.subject, t.object) for t in by_predicate.get(pkg.hasDeadline, ())):
        number = _item_number(deadline)
        out.append(Triple(deadline, pkg.deadlineSortKey, _sort_key(doc_key, order.get(provision, 0) * ORDER_STEP + number)))

    task_of, role, basis, position, bearer = (values(p) for p in (pkg.task, pkg.role, pkg.basis, pkg.position, pkg.bearer))
    tallies: dict[NamedNode, dict[str, set]] = {}
    duty_rank = {}
    for a in sorted(set(typed.get(pkg.DutyAssignment, ())), key=lambda n: n.value):
        task = task_of.get(a)
        rank = duty_rank[a] = (task_rank.get(task, 0) + ROLE_RANK.get(role.get(a), 0) + BASIS_RANK.get(basis.get(a), 0)
                               + (min(int(position[a].value), 2499) if a in position else 0))
        out.append(Triple(a, pkg.dutySortKey, _sort_key(doc_key, rank)))
        unit = bearer.get(a)
        if unit is None or task is None:
            continue
        tally = tallies.setdefault(unit, {"duty": set(), "lead": set(), "shared": set(), "implied": set()})
        if basis.get(a) == pkg.Stated:
            tally["duty"].add(task)
            tally["lead" if role.get(a) == pkg.LeadRole else "shared"].add(task)
        elif basis.get(a) == pkg.Implied:
            tally["implied"].add(task)

    for unit in sorted(tallies, key=lambda n: n.value):
        for prop, kind in ((pkg.dutiesInDocument, "duty"), (pkg.leadsInDocument, "lead"),
                           (pkg.sharedInDocument, "shared"), (pkg.impliedLeadsInDocument, "implied")):
            out.append(Triple(unit, prop, _integer(len(tallies[unit][kind]))))
    out.extend(_ordinals(duty_rank, pkg.dutyOrdinal))
    out.extend(_bearer_ordinals(duty_rank, bearer))
    if city is not None:
        out.extend(_due_summaries(document, by_predicate, task_of, role, basis, bearer))
    out.extend(_task_topics(by_predicate, task_of, bearer))

    for prop, cls in ((pkg.provisionCount, pkg.Provision), (pkg.taskCount, pkg.Task),
                      (pkg.targetCount, pkg.Target), (pkg.deadlineCount, pkg.Deadline)):
        out.append(Triple(document, prop, _integer(len(set(typed.get(cls, ()))))))
    out.append(Triple(document, pkg.dutyCount, _integer(len(duty_rank))))
    out.append(Triple(document, pkg.tripleCount, _integer(count + len(out) + 1)))
    return out


def _task_topics(by_predicate: dict, task_of: dict, bearer: dict) -> list[Triple]:
    """`unit pkg:taskTopicInDocument topic` for each topic of a provision whose task the unit
    bears here (any role or basis): the units on a topic, found in the index."""
    topics: dict = {}
    for t in by_predicate.get(pkg.topic, ()):
        topics.setdefault(t.subject, set()).add(t.object)
    task_topics: dict = {}
    for t in by_predicate.get(pkg.setsTask, ()):
        task_topics.setdefault(t.object, set()).update(topics.get(t.subject, ()))
    unit_topics: dict = {}
    for a, task in task_of.items():
        if (unit := bearer.get(a)) is not None:
            unit_topics.setdefault(unit, set()).update(task_topics.get(task, ()))
    return [Triple(unit, pkg.taskTopicInDocument, topic)
            for unit in sorted(unit_topics, key=lambda n: n.value)
            for topic in sorted(unit_topics[unit], key=lambda n: n.value)]


def _ordinals(rank: dict, prop: NamedNode) -> list[Triple]:
    """0, 1, 2 … in the order of the rank (the sort key's fraction), ties by IRI."""
    ordered = sorted(rank, key=lambda node: (rank[node], node.value))
    return [Triple(node, prop, _integer(n)) for n, node in enumerate(ordered)]


def _objects(by_predicate: dict, predicate: NamedNode) -> dict:
    """subject -> object of the document's triples with this predicate (one each: the mapping's)."""
    return {t.subject: t.object for t in by_predicate.get(predicate, ())}


def _bearer_ordinals(duty_rank: dict, bearer: dict) -> list[Triple]:
    """Per bearer: each of its assignments' place among its assignments here (pkg:bearerOrdinal),
    and their number (pkg:assignmentsInDocument): the pages of unit_duties."""
    by_bearer: dict = {}
    for a, rank in duty_rank.items():
        if (unit := bearer.get(a)) is not None:
            by_bearer.setdefault(unit, {})[a] = rank
    out: list[Triple] = []
    for unit in sorted(by_bearer, key=lambda n: n.value):
        out.append(Triple(unit, pkg.assignmentsInDocument, _integer(len(by_bearer[unit]))))
        out.extend(_ordinals(by_bearer[unit], pkg.bearerOrdinal))
    return out


def _due_summaries(document, by_predicate: dict, task_of: dict, role: dict, basis: dict,
                   bearer: dict) -> list[Triple]:
    """Per (bearer, due date) of the document's stated duties (due_by_date's question, summed
    over the corpus at the recount): "{date}<TAB>{tasks}<TAB>{lead tasks}<TAB>{provisions}", the
    tasks and lead tasks whose earliest due date it is, and "{id} {path} ({date})" of each
    provision due on it, separated by " ; "."""
    due, path = _objects(by_predicate, pkg.dueDate), _objects(by_predicate, pkg.path)
    doc_id = _objects(by_predicate, eli.id_local).get(document)
    set_by = {t.object: t.subject for t in by_predicate.get(pkg.setsTask, ())}
    deadlines: dict = {}
    for t in by_predicate.get(pkg.hasDeadline, ()):
        if t.object in due:
            deadlines.setdefault(t.subject, set()).add(due[t.object].value)
    duties: dict = {}                                  # (bearer, task) -> a stated lead among them
    for a, task in task_of.items():
        if basis.get(a) == pkg.Stated and (unit := bearer.get(a)) is not None:
            duties[(unit, task)] = duties.get((unit, task), False) or role.get(a) == pkg.LeadRole
    summary: dict = {}                                 # (bearer, date) -> [tasks, leads, provisions]
    for (unit, task), lead in duties.items():
        provision = set_by.get(task)
        dates = deadlines.get(provision, set())
        if not dates:
            continue
        first = summary.setdefault((unit, min(dates)), [0, 0, set()])
        first[0], first[1] = first[0] + 1, first[1] + lead
        for date in dates:
            item = summary.setdefault((unit, date), [0, 0, set()])
            item[2].add(f"{doc_id.value if doc_id else ''} {path[provision].value if provision in path else ''} ({date})")
    # one literal per (bearer, date): the recount sums 10^5-10^6 of them, and one pattern of
    # one triple each is read ~10x faster than a node of five properties (benchmarks/README.md)
    return [Triple(unit, pkg.dueSummary, Literal(f"{date}\t{tasks}\t{leads}\t{' ; '.join(sorted(provisions))}"))
            for (unit, date), (tasks, leads, provisions) in sorted(summary.items(), key=lambda kv: (kv[0][0].value, kv[0][1]))]


def _item_number(node: NamedNode) -> int:
    """N of a fact IRI ending `#target-N` / `#deadline-N` (numbered in reading order), else 0."""
    tail = node.value.rsplit("-", 1)[-1]
    return min(int(tail), ORDER_STEP - 1) if tail.isdigit() else 0


def _sort_key(doc_key: int, rank: int) -> Literal:
    """doc_key.rank as a canonical xsd:decimal (what stores give back)."""
    with localcontext() as ctx:
        ctx.prec = 40                 # 19 digits of key + 15 of fraction: no rounding
        text = format((doc_key + rank * FRACTION).normalize(), "f")
    return Literal(text, datatype=xsd.decimal)


def _integer(n: int) -> Literal:
    return Literal(str(n), datatype=xsd.integer)
