"""Document -> RDF triples for its own named graph (the document's IRI).

Everything written is a function of the document's content: no clocks, no paths, no blank
nodes, so re-ingesting the same file gives the same triples (the idempotence tests rely on it).
Stated roles get both a direct property (pkg:leadUnit) and a qualified DutyAssignment carrying
where it was read; the issuer implied for a task that names no lead gets only an assignment
with basis pkg:Implied, so no direct-property query can mistake it for a stated lead.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import PurePath

from pyoxigraph import Literal, NamedNode, Triple

from policykg.graph import english, iris
from policykg.graph.derived import derived_triples
from policykg.graph.namespaces import BASE, dct, eli, oa, pkg, prov, rdf, rdfs, time, xsd
from policykg.graph.metrics import metric_key
from policykg.graph.units import UnitResolver
from policykg.ingest.models import Deadline, Document, Provision, Target, UnitMention
from policykg.ingest.topics import tag_topics, topic_iri

LANG_ZH = NamedNode("http://publications.europa.eu/resource/authority/language/ZHO")
LANG_EN = NamedNode("http://publications.europa.eu/resource/authority/language/ENG")
TXT_FORMAT = NamedNode("http://publications.europa.eu/resource/authority/file-type/TXT")
INGEST_AGENT = NamedNode(BASE + "id/agent/policykg-ingest")
TASK_KINDS = {"item", "paragraph", "table_row", "box"}
COMPARATORS = {">=": "AtLeast", ">": "MoreThan", "=": "Equal", "range": "Range",
               "<=": "AtMost", "<": "LessThan"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DURATION = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?\Z")


def zh(text: str) -> Literal:
    return Literal(text, language="zh")


def en(text: str) -> Literal:
    return Literal(text, language="en")


def typed(value, datatype: NamedNode) -> Literal:
    return Literal(str(value), datatype=datatype)


def decimal(value: Decimal) -> Literal:
    """Canonical xsd:decimal lexical form (what stores give back: 200, 0.5)."""
    text = format(value.normalize(), "f")
    return Literal(text, datatype=xsd.decimal)


def document_graph_iri(doc: Document) -> str:
    meta = doc.meta
    year = iris.document_year(meta.issued, meta.period, meta.id)
    return iris.document_iri(meta.id, meta.city, year, meta.doc_type)


class _Graph:
    """Collects triples once each, in a stable order."""

    def __init__(self):
        self._triples: dict[Triple, None] = {}
        self._nodes: dict[str, NamedNode] = {}   # a subject IRI is parsed once, not per triple

    def add(self, s, p, o) -> None:
        if o is not None:
            if not isinstance(s, NamedNode):
                s = self._nodes.get(s) or self._nodes.setdefault(s, NamedNode(s))
            self._triples[Triple(s, p, o)] = None

    def triples(self) -> list[Triple]:
        # Insertion order is already a function of the document alone (no sort needed).
        return list(self._triples)


def document_to_triples(doc: Document) -> list[Triple]:
    g = _Graph()
    units = UnitResolver(doc.meta.city, doc.meta.province, doc.aliases)
    doc_iri = document_graph_iri(doc)
    _document(g, doc, doc_iri, units)
    children: dict[str | None, list[Provision]] = {}
    for provision in doc.provisions:
        children.setdefault(provision.parent, []).append(provision)
    for order, provision in enumerate(doc.provisions):
        _provision(g, doc, doc_iri, provision, order, units)
        _english_rendering(g, doc, doc_iri, provision, units, own_text(doc, provision, children))
    units.write(g)
    return (triples := g.triples()) + derived_triples(triples)


# --- document --------------------------------------------------------------------------------
def _document(g: _Graph, doc: Document, d: str, units: UnitResolver) -> None:
    meta = doc.meta
    for cls in (pkg.PolicyDocument, eli.LegalResource):
        g.add(d, rdf.type, cls)
    g.add(d, dct.identifier, Literal(meta.id))
    g.add(d, eli.id_local, Literal(meta.id))
    if meta.title:
        g.add(d, eli.title, zh(meta.title))
        g.add(d, rdfs.label, zh(meta.title))
    if meta.title_en:
        g.add(d, eli.title, en(meta.title_en))
        g.add(d, rdfs.label, en(meta.title_en))
    if meta.doc_type:
        g.add(d, pkg.documentType, zh(meta.doc_type))
    g.add(d, pkg.status, pkg.Draft if meta.status == "draft" else pkg.Final)
    if meta.city:
        g.add(d, pkg.city, NamedNode(units.city_region()))
        g.add(d, dct.spatial, NamedNode(units.city_region()))
    for issuer in meta.issuers:
        g.add(d, eli.passed_by, NamedNode(units.issuer(issuer)))
    _dates(g, meta, d)
    _expressions(g, doc, d)
    for warning in doc.warnings:
        g.add(d, pkg.extractionWarning, Literal(warning))
    g.add(d, prov.wasAttributedTo, INGEST_AGENT)


def _dates(g: _Graph, meta, d: str) -> None:
    issued = meta.issued if meta.issued and _ISO_DATE.match(meta.issued) else None
    if issued:
        g.add(d, eli.date_document, typed(issued, xsd.date))
    if meta.valid_years:
        g.add(d, pkg.validity, typed(f"P{meta.valid_years}Y", xsd.duration))
        if issued:
            end = _add_years(dt.date.fromisoformat(issued), meta.valid_years)
            g.add(d, eli.date_no_longer_in_force, typed(end.isoformat(), xsd.date))
    if meta.period:
        first, last = meta.period
        _interval(g, d, pkg.period, d + "#period", f"{first}-01-01", f"{last}-12-31")


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:               # 29 February
        return day.replace(year=day.year + years, day=28)


def _interval(g: _Graph, subject: str, prop, node: str, begin: str, end: str) -> None:
    g.add(subject, prop, NamedNode(node))
    g.add(node, rdf.type, time.ProperInterval)
    for suffix, link, day in (("-begin", time.hasBeginning, begin), ("-end", time.hasEnd, end)):
        g.add(node, link, NamedNode(node + suffix))
        g.add(node + suffix, rdf.type, time.Instant)
        g.add(node + suffix, time.inXSDDate, typed(day, xsd.date))


def _expressions(g: _Graph, doc: Document, d: str) -> None:
    meta = doc.meta
    expr, manif = d + "/zh", d + "/zh/txt"
    g.add(d, eli.is_realized_by, NamedNode(expr))
    g.add(expr, rdf.type, eli.LegalExpression)
    g.add(expr, eli.language, LANG_ZH)
    g.add(expr, eli.realizes, NamedNode(d))
    if meta.title:
        g.add(expr, eli.title, zh(meta.title))
    g.add(expr, eli.is_embodied_by, NamedNode(manif))
    g.add(manif, rdf.type, eli.Format)
    g.add(manif, eli.embodies, NamedNode(expr))
    g.add(manif, eli.format, TXT_FORMAT)
    if meta.source:
        g.add(manif, pkg.fileName, Literal(PurePath(meta.source).name))
    if meta.sha256:
        g.add(manif, pkg.sha256, Literal(meta.sha256))
    g.add(manif, pkg.characterCount, typed(len(doc.text), xsd.integer))
    if meta.title_en:
        g.add(d, eli.is_realized_by, NamedNode(d + "/en"))
        g.add(d + "/en", rdf.type, eli.LegalExpression)
        g.add(d + "/en", eli.language, LANG_EN)
        g.add(d + "/en", eli.realizes, NamedNode(d))
        g.add(d + "/en", eli.title, en(meta.title_en))


def _read_at(g: _Graph, subject: str, d: str, start: int, end: int) -> None:
    """Where a fact was read: a Web Annotation SpecificResource with a TextPositionSelector."""
    spec = iris.span_iri(d, start, end)
    sel = f"{spec}-selector"
    g.add(subject, pkg.readAt, NamedNode(spec))
    g.add(spec, rdf.type, oa.SpecificResource)
    g.add(spec, oa.hasSource, NamedNode(d + "/zh/txt"))
    g.add(spec, oa.hasSelector, NamedNode(sel))
    g.add(sel, rdf.type, oa.TextPositionSelector)
    g.add(sel, oa.start, typed(start, xsd.integer))
    g.add(sel, oa.end, typed(end, xsd.integer))


# --- provisions ------------------------------------------------------------------------------
def _provision(g: _Graph, doc: Document, d: str, p: Provision, order: int, units: UnitResolver) -> None:
    node = iris.provision_iri(d, p.id)
    g.add(node, rdf.type, pkg.Provision)
    g.add(node, rdf.type, eli.LegalResourceSubdivision)
    parent = iris.provision_iri(d, p.parent) if p.parent else d
    g.add(node, eli.is_part_of, NamedNode(parent))
    g.add(parent, eli.has_part, NamedNode(node))
    g.add(node, pkg.inDocument, NamedNode(d))
    g.add(node, eli.number, Literal(p.label or p.id.rsplit("/", 1)[-1]))
    g.add(node, pkg.path, Literal(p.id))
    g.add(node, pkg.provisionKind, Literal(p.kind))
    g.add(node, pkg.order, typed(order, xsd.integer))
    if p.heading:
        g.add(node, pkg.heading, zh(p.heading))
    _read_at(g, node, d, p.start, p.end)
    for i, deadline in enumerate(p.deadlines, 1):
        _deadline(g, d, node, f"{node}#deadline-{i}", deadline)
    for i, target in enumerate(p.targets, 1):
        _target(g, d, node, f"{node}#target-{i}", target, units)
    is_task = p.kind in TASK_KINDS or p.lead_units or p.responsible_units
    if is_task:
        _task(g, doc, d, node, p, units)


def _task(g: _Graph, doc: Document, d: str, node: str, p: Provision, units: UnitResolver) -> None:
    task = node + "#task"
    g.add(task, rdf.type, pkg.Task)
    g.add(task, pkg.statedIn, NamedNode(node))
    g.add(node, pkg.setsTask, NamedNode(task))
    if p.heading:
        g.add(task, rdfs.label, zh(p.heading))
    for role, mentions, direct in (("lead", p.lead_units, pkg.leadUnit),
                                   ("responsible", p.responsible_units, pkg.responsibleUnit)):
        for i, mention in enumerate(mentions, 1):
            unit = NamedNode(units.mention(mention))
            g.add(task, direct, unit)
            _assignment(g, task, f"{node}#{role}-{i}", unit, role, i)
            g.add(f"{node}#{role}-{i}", pkg.surfaceForm, zh(mention.surface))
            g.add(f"{node}#{role}-{i}", pkg.extractionRule, Literal(mention.source))
            _read_at(g, f"{node}#{role}-{i}", d, mention.start, mention.end)
    if not p.lead_units:
        for i, issuer in enumerate(doc.meta.issuers, 1):
            a = f"{node}#implied-lead-{i}"
            _assignment(g, task, a, NamedNode(units.issuer(issuer)), "lead", i, implied=True)
            g.add(a, prov.wasDerivedFrom, NamedNode(d))


def _assignment(g, task: str, a: str, unit, role: str, i: int, implied: bool = False) -> None:
    g.add(a, rdf.type, pkg.DutyAssignment)
    g.add(a, pkg.task, NamedNode(task))
    g.add(task, pkg.hasAssignment, NamedNode(a))
    g.add(a, pkg.bearer, unit)
    g.add(a, pkg.role, pkg.LeadRole if role == "lead" else pkg.ResponsibleRole)
    g.add(a, pkg.basis, pkg.Implied if implied else pkg.Stated)
    g.add(a, pkg.position, typed(i, xsd.integer))


def own_text(doc: Document, p: Provision, children: dict) -> str:
    """The provision's text without its sub-provisions' (a section's own words: its heading,
    its lead-in): topics are tagged on what the provision itself says."""
    pieces, at = [], p.start
    for child in sorted(children.get(p.id, []), key=lambda c: c.start):
        if child.start >= at:
            pieces.append(doc.text[at:child.start])
            at = max(at, child.end)
    pieces.append(doc.text[at:p.end] if at < p.end else "")
    return "".join(pieces)


def _english_rendering(g: _Graph, doc: Document, d: str, p: Provision, units: UnitResolver, text: str) -> None:
    """Topics, the heading's term-by-term gloss and the facts in English (graph/english.py)."""
    node = iris.provision_iri(d, p.id)
    topics = tag_topics(text)
    for concept in topics:
        g.add(node, pkg.topic, NamedNode(topic_iri(concept)))
    left_chinese: list[str] = []
    if p.heading:
        heading = english.gloss(p.heading, doc.meta.city)
        if heading.line:
            g.add(node, pkg.headingGloss, en(heading.line))
        left_chinese += heading.untranslated
    facts = english.ProvisionFacts(is_task=p.kind in TASK_KINDS or bool(p.lead_units or p.responsible_units))
    facts.leads = _names_en(units, p.lead_units)
    facts.shared = _names_en(units, p.responsible_units)
    if facts.is_task and not p.lead_units:
        facts.implied = [x for x in (units.issuer_english(i) for i in doc.meta.issuers) if x]
    facts.deadlines = [x for x in (english.deadline_en(dl) for dl in p.deadlines) if x]
    for i, target in enumerate(p.targets, 1):
        metric = english.gloss(target.metric, doc.meta.city)
        tg = f"{node}#target-{i}"
        if metric.line:
            g.add(tg, pkg.metricGloss, en(metric.line))
        for word in metric.untranslated:
            g.add(tg, pkg.untranslatedTerm, zh(word))
        regions = [x for x in (units.english(r) for r in target.regions) if x]
        facts.targets.append(english.target_en(target, metric, regions))
    facts.topics = english.topic_names_en(topics)
    g.add(node, pkg.englishSummary, en(english.summary(facts)))
    for word in dict.fromkeys(left_chinese):
        g.add(node, pkg.untranslatedTerm, zh(word))


def _names_en(units: UnitResolver, mentions: list[UnitMention]) -> list[str]:
    names = (units.english(m.name) for m in mentions)
    return list(dict.fromkeys(x for x in names if x))


# --- deadlines and targets -------------------------------------------------------------------
def _deadline(g: _Graph, d: str, node: str, dl: str, deadline: Deadline) -> None:
    g.add(node, pkg.hasDeadline, NamedNode(dl))
    g.add(dl, rdf.type, pkg.Deadline)
    g.add(dl, pkg.text, zh(deadline.text))
    g.add(dl, pkg.deadlineKind, Literal(deadline.kind))
    g.add(dl, pkg.isoValue, Literal(deadline.date))
    _read_at(g, dl, d, deadline.start, deadline.end)
    parts = deadline.date.split("/")
    if deadline.kind == "by" and _ISO_DATE.match(deadline.date):
        g.add(dl, rdf.type, pkg.DueDate)
        g.add(dl, time.inXSDDate, typed(deadline.date, xsd.date))
        g.add(dl, pkg.dueDate, typed(deadline.date, xsd.date))
    elif deadline.kind == "period" and len(parts) == 2 and all(_ISO_DATE.match(x) for x in parts):
        g.add(dl, rdf.type, pkg.DuePeriod)
        _interval(g, dl, pkg.interval, dl + "-interval", parts[0], parts[1])
        g.add(dl, pkg.dueDate, typed(parts[1], xsd.date))
    elif deadline.kind == "relative" and all(_DURATION.match(x) for x in parts):
        g.add(dl, rdf.type, pkg.RelativeDeadline)
        g.add(dl, pkg.minDuration, typed(parts[0], xsd.duration))
        g.add(dl, pkg.maxDuration, typed(parts[-1], xsd.duration))
    elif deadline.kind == "recurring" and _DURATION.match(deadline.date):
        g.add(dl, rdf.type, pkg.RecurringDeadline)
        _every(g, dl, deadline.date)


def _every(g: _Graph, dl: str, duration: str) -> None:
    years, months, weeks, days = _DURATION.match(duration).groups()
    node = dl + "-every"
    g.add(dl, pkg.every, NamedNode(node))
    g.add(node, rdf.type, time.DurationDescription)
    for prop, value in ((time.years, years), (time.months, months), (time.weeks, weeks), (time.days, days)):
        if value:
            g.add(node, prop, decimal(Decimal(value)))


def _target(g: _Graph, d: str, node: str, tg: str, target: Target, units: UnitResolver) -> None:
    g.add(node, pkg.hasTarget, NamedNode(tg))
    g.add(tg, rdf.type, pkg.Target)
    g.add(tg, pkg.text, zh(target.text))
    g.add(tg, pkg.metric, zh(target.metric))
    g.add(tg, pkg.metricKey, zh(metric_key(target.metric)))
    g.add(tg, pkg.unitOfMeasure, zh(target.unit) if target.unit else None)
    g.add(tg, pkg.comparator, pkg[COMPARATORS.get(target.comparator, "Equal")])
    if isinstance(target.value, tuple):
        g.add(tg, pkg.minValue, decimal(target.value[0]))
        g.add(tg, pkg.maxValue, decimal(target.value[1]))
    elif target.value is not None:
        g.add(tg, pkg.value, decimal(target.value))
    if target.year:
        g.add(tg, pkg.targetYear, typed(target.year, xsd.gYear))
    for region in target.regions:
        g.add(tg, pkg.appliesTo, NamedNode(units.region(region)))
    if target.warning:
        g.add(tg, pkg.extractionWarning, Literal(target.warning))
    _read_at(g, tg, d, target.start, target.end)
