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
from starlette.concurrency import run_in_threadpool

from policykg.api.sparql import Limits
from policykg.api.texts import TextSource
from policykg.graph import iris
from policykg.graph.namespaces import PKG, XSD, prefix_block
from policykg.graph.store import QueryError

TEMPLATES = Path(__file__).resolve().parent / "templates"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long")}
MAX_LIMIT = 500


def template(name: str) -> str:
    return prefix_block() + (TEMPLATES / f"{name}.rq").read_text(encoding="utf-8")


def plain(term):
    """A term as plain JSON: IRIs and strings as text, numbers as numbers."""
    if isinstance(term, ox.Literal):
        if term.datatype.value in NUMERIC:
            value = float(term.value)
            return int(value) if value.is_integer() else value
        return term.value
    if isinstance(term, ox.NamedNode):
        return term.value.removeprefix(PKG) if term.value.startswith(PKG) else term.value
    return str(term)


def zh(text: str) -> ox.Literal:
    return ox.Literal(text, language="zh")


def unprocessable(field: str, message: str) -> HTTPException:
    return HTTPException(422, [{"loc": ["query", field], "msg": message, "type": "value_error"}])


def pick(row: dict, field: str, lang: str):
    """The label in the chosen language, else the other one (its language is then said)."""
    other = "en" if lang == "zh" else "zh"
    if row.get(f"{field}_{lang}") is not None:
        return row[f"{field}_{lang}"]
    return row.get(f"{field}_{other}")


class Browser:
    def __init__(self, store, limits: Limits, texts: TextSource):
        self.store, self.limits, self.texts = store, limits, texts

    async def rows(self, name: str, bindings: dict, limit: int | None = None, offset: int = 0) -> list[dict]:
        text = template(name)
        if limit is not None:          # integers validated by FastAPI: structure, not values
            text += f"\nLIMIT {int(limit) + 1} OFFSET {int(offset)}"
        bound = {k: v for k, v in bindings.items() if v is not None}
        try:
            outcome = await run_in_threadpool(self.store.query, text, bindings=bound,
                                              timeout=self.limits.query_timeout, max_rows=self.limits.max_rows)
        except QueryError as err:
            raise HTTPException(503, f"{name}: {err}") from err
        return [{k: plain(v) for k, v in row.items()} for row in outcome.rows]

    async def check_city(self, city: str | None) -> ox.Literal | None:
        if city is None:
            return None
        known = [r["name_zh"] for r in await self.rows("cities", {})]
        for candidate in (city, city + "市"):            # 巴中 and 巴中市 both name 巴中市
            if candidate in known:
                return zh(candidate)
        raise unprocessable("city", f"unknown city {city!r}; known: {', '.join(known)}")

    async def check_document(self, doc_id: str | None, field: str = "document") -> ox.Literal | None:
        if doc_id is None:
            return None
        if not await self.rows("documents", {"docId": ox.Literal(doc_id)}):
            raise unprocessable(field, f"unknown document id {doc_id!r}; GET /api/documents lists them")
        return ox.Literal(doc_id)

    async def document_text(self, doc_id: str) -> str | None:
        found = await self.rows("doc_file", {"docId": ox.Literal(doc_id)})
        if not found:
            return None
        f = found[0]
        return await run_in_threadpool(self.texts.text, f["file"], f.get("sha"), f.get("chars"))


def page(request: Request, items: list, limit: int, offset: int, lang: str, **extra) -> dict:
    more = len(items) > limit
    nxt = str(request.url.include_query_params(offset=offset + limit)) if more else None
    return {"lang": lang, "limit": limit, "offset": offset, "count": min(len(items), limit),
            "next": nxt, "items": items[:limit], **extra}


def router(store, catalog, limits: Limits, text_folders: list[Path] | None = None) -> APIRouter:
    b = Browser(store, limits, TextSource(text_folders))
    r = APIRouter(prefix="/api", tags=["Browse"])
    Limit = Query(50, ge=1, le=MAX_LIMIT, description="page size")
    Offset = Query(0, ge=0, description="items to skip")
    LangQ = Query("zh", description="label language: zh or en")

    @r.get("", summary="What the browse API offers")
    def index() -> dict:
        return {"endpoints": [f"/api/{n}" for n in ("documents", "provisions", "units", "regions",
                                                     "targets", "deadlines", "network", "cities")],
                "queries": "/queries", "sparql": "/sparql", "docs": "/docs"}

    @r.get("/cities", summary="Cities with documents")
    async def cities(lang: Lang["zh", "en"] = LangQ) -> dict:
        rows = await b.rows("cities", {})
        return {"lang": lang, "items": [{"name": pick(x, "name", lang), **x} for x in rows]}

    def document_item(x: dict, lang: str) -> dict:
        return {"id": x["id"], "title": pick(x, "title", lang), "title_zh": x.get("title_zh"),
                "title_en": x.get("title_en"), "city": pick(x, "city", lang), "status": x.get("status"),
                "issued": x.get("issued"), "type": x.get("type"), "iri": x["doc"],
                "url": f"/api/documents/{x['id']}"}

    @r.get("/documents", summary="Policy documents")
    async def documents(request: Request, city: str | None = None, lang: Lang["zh", "en"] = LangQ,
                        limit: int = Limit, offset: int = Offset) -> dict:
        rows = await b.rows("documents", {"cityName": await b.check_city(city)}, limit, offset)
        return page(request, [document_item(x, lang) for x in rows], limit, offset, lang)

    @r.get("/documents/{doc_id}", summary="One document, with its provisions' count and text availability")
    async def document(doc_id: str, lang: Lang["zh", "en"] = LangQ) -> dict:
        rows = await b.rows("documents", {"docId": ox.Literal(doc_id)})
        if not rows:
            raise HTTPException(404, f"no document with id {doc_id!r}; GET /api/documents lists them")
        text = await b.document_text(doc_id)
        return {"lang": lang, **document_item(rows[0], lang), "text": text,
                "provisions": f"/api/provisions?document={doc_id}"}

    @r.get("/provisions", summary="Provisions with their source text and offsets")
    async def provisions(request: Request, document: str | None = None, unit: str | None = Query(
            None, description="unit IRI (as in /api/units items)"), lang: Lang["zh", "en"] = LangQ,
            limit: int = Limit, offset: int = Offset) -> dict:
        try:
            unit_term = ox.NamedNode(unit) if unit else None
        except ValueError as err:
            raise unprocessable("unit", f"a unit IRI, e.g. the `iri` of an /api/units item ({err})") from err
        bindings = {"docId": await b.check_document(document), "unit": unit_term}
        rows = await b.rows("provisions", bindings, limit, offset)
        texts: dict[str, str | None] = {}
        for x in rows:
            if x["id"] not in texts:
                texts[x["id"]] = await b.document_text(x["id"])
            t = texts[x["id"]]
            x["text"] = t[x["start"]:x["end"]] if t else None
            x["document"] = x.pop("id")
        return page(request, rows, limit, offset, lang)

    def unit_item(x: dict, lang: str) -> dict:
        city = x.get("city_zh") or ""
        name = x.get("name_zh") or ""
        return {"name": pick(x, "name", lang), "name_zh": x.get("name_zh"), "name_en": x.get("name_en"),
                "english_label": x.get("origin"), "city": city, "iri": x["unit"],
                "leads": x.get("leads", 0), "shares": x.get("shares", 0),
                "implied_leads": x.get("implied_leads", 0), "url": f"/api/units/{city}/{name}"}

    @r.get("/units", summary="Government units with the tasks they lead and share")
    async def units(request: Request, city: str | None = None, document: str | None = None,
                    lang: Lang["zh", "en"] = LangQ, limit: int = Limit, offset: int = Offset) -> dict:
        bindings = {"cityName": await b.check_city(city), "docId": await b.check_document(document)}
        rows = await b.rows("units", bindings, limit, offset)
        return page(request, [unit_item(x, lang) for x in rows], limit, offset, lang)

    @r.get("/units/{city}/{name}", summary="One unit: names, roles, tasks with source text, documents")
    async def unit(city: str, name: str, document: str | None = None, lang: Lang["zh", "en"] = LangQ) -> dict:
        iri = iris.unit_iri(city, name)
        rows = await b.rows("units", {"unit": ox.NamedNode(iri)})
        if not rows:
            raise HTTPException(404, f"no unit {name!r} in {city!r}; GET /api/units?city={city} lists them")
        tasks = await b.rows("unit_tasks", {"unit": ox.NamedNode(iri), "docId": await b.check_document(document)})
        texts: dict[str, str | None] = {}
        for t in tasks:
            if t["id"] not in texts:
                texts[t["id"]] = await b.document_text(t["id"])
            full = texts[t["id"]]
            t["text"] = full[t["start"]:t["end"]] if full else None
            t["document"], t["document_title"] = t.pop("id"), pick(t, "title", lang)
        docs = sorted({t["document"] for t in tasks})
        return {"lang": lang, **unit_item(rows[0], lang), "tasks": tasks, "documents": docs,
                "roles": sorted({f"{t['role']}/{t['basis']}" for t in tasks})}

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
        return page(request, rows, limit, offset, lang)

    @r.get("/network", summary="Units and the tasks they lead or share (the page's network view)")
    async def network(city: str | None = None, document: str | None = None,
                      lang: Lang["zh", "en"] = LangQ) -> dict:
        bindings = {"cityName": await b.check_city(city), "docId": await b.check_document(document)}
        rows = await b.rows("network", bindings)
        nodes: dict[str, dict] = {}
        edges = []
        for x in rows:
            city_and_name = unquote(x["unit"].split("/unit/")[-1])
            nodes.setdefault(x["unit"], {"id": x["unit"], "kind": "unit", "label": pick(x, "unit", lang),
                                         "label_zh": x.get("unit_zh"), "label_en": x.get("unit_en"),
                                         "url": f"/api/units/{city_and_name}"})
            nodes.setdefault(x["task"], {"id": x["task"], "kind": "task", "document": x["id"],
                                         "label": x.get("task_zh") or x["path"], "path": x["path"]})
            edges.append({"source": x["unit"], "target": x["task"], "role": x["role"], "basis": x["basis"]})
        return {"lang": lang, "nodes": list(nodes.values()), "edges": edges}

    return r
