"""Browse API (/api/...): JSON over named SPARQL templates (api/templates/*.rq) with bound
parameters — request values become RDF terms passed as `bindings=`, never query text.

Every list is paginated (limit/offset, `next` link) and names its language (`lang=zh|en`
chooses labels; the other language stays available as name_zh / name_en). Unknown ids are
404 with a message; bad parameters are 422 naming the field (FastAPI's validation shape).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import unquote
from typing import Literal as Lang

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Query, Request

from policykg.api.reader import Browser, pick, unprocessable
from policykg.api.search_index import SearchIndex
from policykg.api.sparql import Limits
from policykg.api.texts import TextSource
from policykg.graph import iris
from policykg.graph.namespaces import PKG, XSD
from policykg.graph.sparql_text import render_term
from policykg.graph.english import deadline_en
from policykg.ingest.models import Deadline
from policykg.ingest.topics import TOPIC_BASE, topic_iri, topic_labels

MAX_LIMIT = 500
UNIT_TASKS_LIMIT, UNIT_TASKS_MAX = 500, 5000  # a unit page's tasks (a city's finance bureau at 1,000 documents: 1,026)
# A unit's counts per document (graph/derived.py) and the (role, basis) each one counts.
UNIT_ROLE_COUNTS = ((("LeadRole", "Stated"), "leads"), (("ResponsibleRole", "Stated"), "shared"),
                    (("LeadRole", "Implied"), "implied"))
NETWORK_LIMIT, NETWORK_MAX = 500, 5000     # edges per page of /api/network (the corpus has < 300)
# Labels of the ontology's roles and bases (ontology/policykg.ttl), for lang=zh|en.
LABELS = {"LeadRole": {"zh": "牵头单位", "en": "lead unit"},
          "ResponsibleRole": {"zh": "责任单位", "en": "responsible unit"},
          "Stated": {"zh": "原文明示", "en": "stated"}, "Implied": {"zh": "推定（发文机关）", "en": "implied (issuing body)"}}
ROLES = {"lead": "LeadRole", "responsible": "ResponsibleRole"}
BASES = {"stated": "Stated", "implied": "Implied"}
# A unit has an assignment of a role/basis iff one of these per-document counts (graph/derived.py)
# is above 0 in some document: implied assignments are always leads (graph/mapping.py), and a
# stated assignment is a lead or a responsible unit.
UNIT_HAS = {("lead", "stated"): ["leadsInDocument"], ("responsible", "stated"): ["sharedInDocument"],
            ("lead", "implied"): ["impliedLeadsInDocument"], ("responsible", "implied"): [],
            ("lead", None): ["leadsInDocument", "impliedLeadsInDocument"], ("responsible", None): ["sharedInDocument"],
            (None, "stated"): ["leadsInDocument", "sharedInDocument"], (None, "implied"): ["impliedLeadsInDocument"]}


def unit_role_filter(role: str | None, basis: str | None) -> str:
    """The units template's filter for role/basis (fixed texts; one pattern per EXISTS)."""
    if role is None and basis is None:
        return ""
    counts = UNIT_HAS[(role, basis)]
    tests = [f"EXISTS {{ GRAPH ?has{i} {{ ?unit pkg:{c} ?hasN{i} FILTER (?hasN{i} > 0) }} }}" for i, c in enumerate(counts)]
    return f"FILTER ({' || '.join(tests) or 'false'})"


def unit_topic_filter(topic: str | None, city: ox.Literal | None) -> str:
    """The units template's topic filter: the units bearing a task of a provision on the topic,
    from each document's pkg:taskTopicInDocument (graph/derived.py; the city's documents only,
    when a city is given). Values rendered by pyoxigraph."""
    if topic is None:
        return ""
    in_city = ("{ SELECT DISTINCT ?topicCity WHERE { VALUES ?topicCityName { " + render_term(city) + " } "
               "?topicCity rdfs:label ?topicCityName } } ?topicDoc pkg:city ?topicCity . " if city is not None else "")
    return ("{ SELECT DISTINCT ?unit WHERE { " + in_city +
            "GRAPH ?topicDoc { ?unit pkg:taskTopicInDocument " + render_term(ox.NamedNode(topic_iri(topic))) + " } } }")



def label(name: str | None, lang: str) -> str | None:
    return LABELS.get(name, {}).get(lang, name) if name else None


def resolve_topic(topic: str | None) -> str | None:
    """A topic given by id (medical-devices), IRI or a zh/en preferred label -> its id; else 422."""
    if topic is None:
        return None
    labels = topic_labels()
    wanted = topic.strip().removeprefix(TOPIC_BASE)
    if wanted in labels:
        return wanted
    for cid, names in labels.items():
        if wanted.lower() in (names["zh"], names["en"].lower()):
            return cid
    raise unprocessable("topic", f"unknown topic {topic!r}; GET /api/topics lists them")


def topic_item(cid: str, lang: str) -> dict:
    names = topic_labels().get(cid, {"zh": cid, "en": cid})
    return {"id": cid, "label": names[lang], "label_zh": names["zh"], "label_en": names["en"], "iri": topic_iri(cid)}


def english_rendering(x: dict) -> dict:
    """A provision's English rendering as the graph holds it: the facts in English, the heading's
    gloss, and the words left in Chinese (never translated here)."""
    left = sorted(w for w in (x.get("untranslated") or "").split("|") if w)   # GROUP_CONCAT has no order
    return {"summary": x.get("summary_en"), "heading_gloss": x.get("gloss_en"), "untranslated_zh": left}


def page(request: Request, items: list, limit: int, offset: int, lang: str, **extra) -> dict:
    more = len(items) > limit
    nxt = str(request.url.include_query_params(offset=offset + limit)) if more else None
    return {"lang": lang, "limit": limit, "offset": offset, "count": min(len(items), limit),
            "next": nxt, "items": items[:limit], **extra}


def router(store, catalog, limits: Limits, text_folders: list[Path] | None = None) -> APIRouter:
    b = Browser(store, limits, TextSource(text_folders))
    search_index = SearchIndex(b)
    # the search index is built in the background from the server's start, not at the first search
    # (20-40 s at 1,000 documents; until it is ready a search answers 503 with Retry-After)
    r = APIRouter(prefix="/api", tags=["Browse"], on_startup=[search_index.start])
    Limit = Query(50, ge=1, le=MAX_LIMIT, description="page size")
    # Oxigraph reads OFFSET as an unsigned 64-bit number; a larger one is a client error.
    Offset = Query(0, ge=0, le=2**63 - 1, description="items to skip")
    LangQ = Query("zh", description="label language: zh or en")
    RoleQ = Query(None, description="lead or responsible: only tasks/units with an assignment of that role")
    BasisQ = Query(None, description="stated or implied (the issuing body as implied lead)")
    TopicQ = Query(None, description="topic id (GET /api/topics), IRI or preferred label, zh or en")
    term = lambda name: ox.NamedNode(PKG + name) if name else None  # noqa: E731

    @r.get("", summary="What the browse API offers")
    def index() -> dict:
        return {"endpoints": [f"/api/{n}" for n in ("documents", "provisions", "units", "regions",
                                                     "targets", "deadlines", "network", "cities", "topics",
                                                     "search")],
                "queries": "/queries", "sparql": "/sparql", "docs": "/docs"}

    @r.get("/cities", summary="Cities with documents")
    async def cities(lang: Lang["zh", "en"] = LangQ) -> dict:
        rows = await b.rows("cities", {})
        return {"lang": lang, "items": [{"name": pick(x, "name", lang), **x} for x in rows]}

    @r.get("/topics", summary="Policy topics (SKOS concepts) with their provisions' count")
    async def topics(lang: Lang["zh", "en"] = LangQ) -> dict:
        counts = {x["topic"].removeprefix(TOPIC_BASE): x["n"] for x in await b.rows("topic_counts", {})}
        items = [{**topic_item(cid, lang), "provisions": counts.get(cid, 0),
                  "url": f"/api/provisions?topic={cid}"} for cid in topic_labels()]
        return {"lang": lang, "items": items}

    @r.get("/topics/{topic_id}", summary="One topic: labels and where its provisions are")
    async def topic(topic_id: str, lang: Lang["zh", "en"] = LangQ) -> dict:
        if topic_id not in topic_labels():
            raise HTTPException(404, f"no topic {topic_id!r}; GET /api/topics lists them")
        n = [x["n"] for x in await b.rows("topic_counts", {"topic": ox.NamedNode(topic_iri(topic_id))})]
        return {"lang": lang, **topic_item(topic_id, lang), "provisions": n[0] if n else 0,
                "provisions_url": f"/api/provisions?topic={topic_id}", "units_url": f"/api/units?topic={topic_id}"}

    def document_item(x: dict, lang: str) -> dict:
        return {"id": x["id"], "title": pick(x, "title", lang), "title_zh": x.get("title_zh"),
                "title_en": x.get("title_en"), "city": pick(x, "city", lang), "status": x.get("status"),
                "issued": x.get("issued"), "type": x.get("type"), "iri": x["doc"],
                "url": f"/api/documents/{x['id']}"}

    @r.get("/documents", summary="Policy documents, filterable by city and issue date")
    async def documents(request: Request, city: str | None = None,
                        issued_after: dt.date | None = Query(None, description="issued on or after (YYYY-MM-DD)"),
                        issued_before: dt.date | None = Query(None, description="issued on or before (YYYY-MM-DD)"),
                        lang: Lang["zh", "en"] = LangQ, limit: int = Limit, offset: int = Offset) -> dict:
        if issued_after and issued_before and issued_after > issued_before:
            raise unprocessable("issued_after", "issued_after must not be later than issued_before")
        date = lambda d: ox.Literal(d.isoformat(), datatype=ox.NamedNode(XSD + "date")) if d else None  # noqa: E731
        rows = await b.rows("documents", {"cityName": await b.check_city(city), "issuedAfter": date(issued_after),
                                          "issuedBefore": date(issued_before)}, limit, offset)
        return page(request, [document_item(x, lang) for x in rows], limit, offset, lang)

    @r.get("/documents/{doc_id}", summary="One document, with its provisions' count and text availability")
    async def document(doc_id: str, lang: Lang["zh", "en"] = LangQ) -> dict:
        rows = await b.rows("documents", {"docId": ox.Literal(doc_id)})
        if not rows:
            raise HTTPException(404, f"no document with id {doc_id!r}; GET /api/documents lists them")
        text = await b.document_text(doc_id)
        return {"lang": lang, **document_item(rows[0], lang), "text": text,
                "provisions": f"/api/provisions?document={doc_id}"}

    @r.get("/provisions", summary="Provisions with their source text, offsets, topics and English rendering")
    async def provisions(request: Request, document: str | None = None, unit: str | None = Query(
            None, description="unit IRI (as in /api/units items)"),
            role: Lang["lead", "responsible"] | None = RoleQ, basis: Lang["stated", "implied"] | None = BasisQ,
            topic: str | None = TopicQ, lang: Lang["zh", "en"] = LangQ,
            limit: int = Limit, offset: int = Offset) -> dict:
        try:
            unit_term = ox.NamedNode(unit) if unit else None
        except ValueError as err:
            raise unprocessable("unit", f"a unit IRI, e.g. the `iri` of an /api/units item ({err})") from err
        cid = resolve_topic(topic)
        bindings = {"docId": await b.check_document(document), "unit": unit_term,
                    "role": term(ROLES.get(role)), "basis": term(BASES.get(basis)),
                    "topicFilter": ox.NamedNode(topic_iri(cid)) if cid else None}
        rows = await b.rows("provisions", bindings, limit, offset)
        texts: dict[str, str | None] = {}
        tags: dict[str, dict] = {}     # topics and untranslated terms, one query per document
        items = []
        for x in rows:
            if x["id"] not in texts:
                texts[x["id"]] = await b.document_text(x["id"])
                tags.update((t["provision"], t) for t in await b.rows("provision_tags", {"docId": ox.Literal(x["id"])}))
            x.update({k: tags.get(x["provision"], {}).get(k) for k in ("topics", "untranslated")})
            t = texts[x["id"]]
            x["text"] = t[x["start"]:x["end"]] if t else None
            x["document"] = x.pop("id")
            x["topics"] = [topic_item(i.removeprefix(TOPIC_BASE), lang) for i in sorted((x.get("topics") or "").split())]
            x["english"] = english_rendering(x)
            for k in ("summary_en", "gloss_en", "untranslated"):
                x.pop(k, None)
            items.append(x)
        return page(request, items, limit, offset, lang)

    def unit_item(x: dict, lang: str) -> dict:
        city = x.get("city_zh") or ""
        name = x.get("name_zh") or ""
        return {"name": pick(x, "name", lang), "name_zh": x.get("name_zh"), "name_en": x.get("name_en"),
                "english_label": x.get("origin"), "city": city, "city_label": pick(x, "city", lang) or city,
                "iri": x["unit"],
                "leads": x.get("leads", 0), "shares": x.get("shares", 0),
                "implied_leads": x.get("implied_leads", 0), "url": f"/api/units/{city}/{name}"}

    @r.get("/units", summary="Government units with the tasks they lead and share")
    async def units(request: Request, city: str | None = None, document: str | None = None,
                    role: Lang["lead", "responsible"] | None = RoleQ, basis: Lang["stated", "implied"] | None = BasisQ,
                    topic: str | None = TopicQ,
                    lang: Lang["zh", "en"] = LangQ, limit: int = Limit, offset: int = Offset) -> dict:
        cid = resolve_topic(topic)
        bindings = {"cityName": await b.check_city(city), "docId": await b.check_document(document)}
        slots = {"filters": unit_role_filter(role, basis), "topic": unit_topic_filter(cid, bindings["cityName"])}
        rows = await b.rows("units", bindings, limit, offset, slots=slots)
        return page(request, [unit_item(x, lang) for x in rows], limit, offset, lang)

    @r.get("/units/{city}/{name}", summary="One unit: names, roles, tasks with source text, documents")
    async def unit(request: Request, city: str, name: str, document: str | None = None,
                   lang: Lang["zh", "en"] = LangQ,
                   limit: int = Query(UNIT_TASKS_LIMIT, ge=1, le=UNIT_TASKS_MAX, description="tasks per page"),
                   offset: int = Offset) -> dict:
        """A page of the unit's tasks (by document, then path), `next` the link to the
        following page; `documents` and `roles` are the whole unit's, whatever the page."""
        iri = iris.unit_iri(city, name)
        rows = await b.rows("units", {"unit": ox.NamedNode(iri)})
        if not rows:
            raise HTTPException(404, f"no unit {name!r} in {city!r}; GET /api/units?city={city} lists them")
        doc_id = await b.check_document(document)
        tasks = await b.rows("unit_tasks", {"unit": ox.NamedNode(iri), "docId": doc_id}, limit, offset)
        more, tasks = len(tasks) > limit, tasks[:limit]
        docs_of = await b.document_texts(t["id"] for t in tasks)
        for t in tasks:
            doc = docs_of[t["id"]]
            full = doc["text"]
            for k in ("title_zh", "title_en"):
                if doc[k] is not None:
                    t[k] = doc[k]
            t["text"] = full[t["start"]:t["end"]] if full else None
            t["document"], t["document_title"] = t.pop("id"), pick(t, "title", lang)
            t["role_label"], t["basis_label"] = label(t.get("role"), lang), label(t.get("basis"), lang)
        docs, roles = await unit_documents(iri, doc_id)
        nxt = str(request.url.include_query_params(offset=offset + limit)) if more else None
        return {"lang": lang, **unit_item(rows[0], lang), "limit": limit, "offset": offset, "count": len(tasks),
                "next": nxt, "tasks": tasks, "documents": docs, "roles": sorted(f"{r}/{b}" for r, b in roles),
                "role_labels": sorted(f"{label(r, lang)} ({label(b, lang)})" for r, b in roles)}

    async def unit_documents(iri: str, doc_id) -> tuple[list[str], set[tuple[str, str]]]:
        """The documents a unit bears tasks in and its (role, basis) pairs over all of them."""
        counts = await b.rows("unit_documents", {"unit": ox.NamedNode(iri), "docId": doc_id})
        roles = {pair for c in counts for pair, key in UNIT_ROLE_COUNTS if int(c[key] or 0) > 0}
        return [c["id"] for c in counts if any(int(c[k] or 0) for _, k in UNIT_ROLE_COUNTS)], roles

    @r.get("/regions", summary="Cities, districts and counties")
    async def regions(request: Request, city: str | None = None, lang: Lang["zh", "en"] = LangQ,
                      limit: int = Limit, offset: int = Offset) -> dict:
        rows = await b.rows("regions", {"cityName": await b.check_city(city)}, limit, offset)
        items = [{"name": pick(x, "name", lang), **x} for x in rows]
        return page(request, items, limit, offset, lang)

    @r.get("/targets", summary="Quantified targets")
    async def targets(request: Request, city: str | None = None, document: str | None = None,
                      metric: str | None = Query(None, description="part of the metric's name"),
                      lang: Lang["zh", "en"] = LangQ, limit: int = Limit, offset: int = Offset) -> dict:
        bindings = {"cityName": await b.check_city(city), "docId": await b.check_document(document),
                    "metricText": ox.Literal(metric) if metric else None}
        rows = await b.rows("targets", bindings, limit, offset)
        for x in rows:
            x["metric_zh"] = x["metric"]
            x["label"] = x.get("metric_en") if lang == "en" and x.get("metric_en") else x["metric"]
        return page(request, rows, limit, offset, lang)

    @r.get("/deadlines", summary="Deadlines, filterable by due date")
    async def deadlines(request: Request, city: str | None = None, document: str | None = None,
                        before: dt.date | None = None, after: dt.date | None = None,
                        lang: Lang["zh", "en"] = LangQ, limit: int = Limit, offset: int = Offset) -> dict:
        if before and after and after > before:
            raise unprocessable("after", "after must not be later than before")
        date = lambda d: ox.Literal(d.isoformat(), datatype=ox.NamedNode(XSD + "date")) if d else None  # noqa: E731
        bindings = {"cityName": await b.check_city(city), "docId": await b.check_document(document),
                    "before": date(before), "after": date(after)}
        rows = await b.rows("deadlines", bindings, limit, offset)
        for x in rows:
            x["text_en"] = deadline_en(Deadline(x["text"], x["iso"], x["kind"], 0, 0))
            x["label"] = (x["text_en"] or x["text"]) if lang == "en" else x["text"]
        return page(request, rows, limit, offset, lang)

    @r.get("/network", summary="Units and the tasks they lead or share (the page's network view)")
    async def network(request: Request, city: str | None = None, document: str | None = None,
                      lang: Lang["zh", "en"] = LangQ,
                      limit: int = Query(NETWORK_LIMIT, ge=1, le=NETWORK_MAX, description="edges per page"),
                      offset: int = Offset) -> dict:
        bindings = {"cityName": await b.check_city(city), "docId": await b.check_document(document)}
        # Edges come in reading order (documents by key, then their assignments), so a page
        # needs only the first documents: a window of them, widened while it holds too few
        # edges for the page (a document has ~500 assignments at 1,000 synthetic documents, the
        # corpus ~60), and then every document.
        wanted = offset + limit + 1
        window = wanted // 100 + 1
        while True:
            slots = {"window": f"LIMIT {window}"} if window else {}
            rows = await b.rows("network", bindings, limit, offset, slots=slots)
            if len(rows) >= wanted or not window:
                break
            window = window * 8 if window * 8 < wanted else None
        nodes: dict[str, dict] = {}
        edges = []
        more = len(rows) > limit
        for x in rows[:limit]:
            city_and_name = unquote(x["unit"].split("/unit/")[-1])
            nodes.setdefault(x["unit"], {"id": x["unit"], "kind": "unit", "label": pick(x, "unit", lang),
                                         "label_zh": x.get("unit_zh"), "label_en": x.get("unit_en"),
                                         "url": f"/api/units/{city_and_name}"})
            nodes.setdefault(x["task"], {"id": x["task"], "kind": "task", "document": x["id"],
                                         "label": pick(x, "task", lang) or x["path"], "path": x["path"]})
            edges.append({"source": x["unit"], "target": x["task"], "role": x["role"], "basis": x["basis"],
                          "role_label": label(x["role"], lang)})
        nxt = str(request.url.include_query_params(offset=offset + limit)) if more else None
        return {"lang": lang, "limit": limit, "offset": offset, "count": len(edges), "next": nxt,
                "nodes": list(nodes.values()), "edges": edges}

    @r.get("/search", summary="Full-text search over provisions and unit names, Chinese or English")
    async def search(request: Request, q: str = Query(..., min_length=1, max_length=200,
                                                      description="words: Chinese (jieba) or English (unit names, topics, metric words)"),
                     city: str | None = None, lang: Lang["zh", "en"] = LangQ,
                     limit: int = Query(20, ge=1, le=MAX_LIMIT, description="page size"),
                     offset: int = Offset) -> dict:
        if not q.strip():
            raise unprocessable("q", "the query is empty")
        city_term = await b.check_city(city)
        idx = await search_index.get()
        hits, units, meaning = idx.search(q.strip(), city_term.value if city_term else None)
        ranked = sorted(hits.items(), key=lambda kv: (-kv[1].score, idx.provisions[kv[0]].doc,
                                                      idx.provisions[kv[0]].order))
        items = [search_item(idx, iri, hit, lang) for iri, hit in ranked[offset: offset + limit + 1]]
        labels = topic_labels()
        interpretation = {**meaning, "topics": [topic_item(c, lang) for c in meaning.get("topics", []) if c in labels],
                          "units": [unit_summary(idx.units[u], lang) for u in meaning.get("units", [])]}
        return {**page(request, items, limit, offset, lang), "q": q, "total": len(ranked),
                "units": [unit_summary(u, lang) for u, _ in units], "interpretation": interpretation}

    def unit_summary(u, lang: str) -> dict:
        name = u.name_en if lang == "en" and u.name_en else u.name_zh
        city = u.city_en if lang == "en" and u.city_en else u.city_zh
        return {"iri": u.iri, "name": name, "name_zh": u.name_zh, "name_en": u.name_en, "city": city,
                "city_zh": u.city_zh, "url": f"/api/units/{unquote(u.iri.split('/unit/')[-1])}"}

    def search_item(idx, iri: str, hit, lang: str) -> dict:
        p = idx.provisions[iri]
        reasons = []
        for reason in hit.reasons:
            reason = dict(reason)
            if reason.get("topic"):
                reason["label"] = topic_item(reason["topic"], lang)["label"]
            if reason.get("unit") in idx.units:
                reason["label"] = unit_summary(idx.units[reason["unit"]], lang)["name"]
                reason["roles"] = [label(x, lang) for x in reason.get("roles", [])]
            reasons.append(reason)
        return {"provision": iri, "document": p.doc, "path": p.path, "heading": p.heading,
                "document_title": p.title_en if lang == "en" and p.title_en else p.title_zh,
                "city": p.city_en if lang == "en" and p.city_en else p.city_zh,
                "start": p.start, "end": p.end, "text": p.text, "score": round(hit.score, 2),
                "matched": reasons, "highlights": [list(m) for m in sorted(hit.marks) if p.start <= m[0] < m[1] <= p.end],
                "topics": [topic_item(c, lang) for c in p.topics],
                "english": {"summary": p.summary_en, "heading_gloss": p.gloss_en}}

    return r
