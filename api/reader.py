"""Reading the browse templates (api/templates/*.rq): a template's text with its optional
lines, bound values and slots filled, run on the store with values bound as RDF terms (never
request text), and rows as plain JSON values. api/browse.py serves them; api/search_index.py reads
its index through the same Browser."""
from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
from fastapi import HTTPException
from starlette.concurrency import run_in_threadpool

from policykg.api.sparql import Limits
from policykg.api.texts import TextSource
from policykg.graph.namespaces import PKG, XSD, template_text
from policykg.graph.sparql_text import render_term
from policykg.graph.store import QueryError

TEMPLATES = Path(__file__).resolve().parent / "templates"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long")}


def template(name: str) -> str:
    return template_text(TEMPLATES, name)


_OPTIONAL_LINE = re.compile(r"^(\s*)#\?([\w|]+) (.*)$", re.M)
_UNBOUND_LINE = re.compile(r"^(\s*)(\S.*?)\s*#unless\?([\w|]+)[ \t]*$", re.M)
_INLINE = re.compile(r"\$\$(\w+)")
_SLOT_LINE = re.compile(r"^(\s*)#=(\w+)[ \t]*$", re.M)


def with_optional_lines(text: str, bound: set[str]) -> str:
    """A template's `#?a|b pattern` lines become `pattern` when ?a or ?b is bound (fixed query
    structure chosen by which parameters are given; values are bound or rendered by pyoxigraph,
    never pasted from the request); a `pattern  #unless?a|b` line is left out when ?a or ?b is bound.
    `portable` counts as bound when the store is not the embedded Oxigraph (Browser.rows): its
    `#unless?portable` planner hints drop out and its `#?portable ORDER BY` lines count."""
    text = _OPTIONAL_LINE.sub(lambda m: m.group(1) + m.group(3) if set(m.group(2).split("|")) & bound else m.group(0), text)
    return _UNBOUND_LINE.sub(lambda m: m.group(1) + "# " + m.group(2) if set(m.group(3).split("|")) & bound else m.group(0), text)


def with_inline_values(text: str, bound: dict, slots: dict[str, str] | None = None) -> tuple[str, dict]:
    """`$$name` in a template's `#?name ` line is the bound value of ?name, rendered by pyoxigraph
    (render_term: an IRI or a literal, escaped), so a subquery can start from it where Oxigraph's
    planner would join a binding only at the top; a `#=slot` line is the text api/browse.py
    chose for it from fixed texts and rendered values (`#=page`: the page's LIMIT/OFFSET).
    Unfilled, these are comments, so the template still runs as it is (/queries). Returns the
    text and the bindings left to pass to the store."""
    names = set(_INLINE.findall(text))
    slots = slots or {}
    text = _SLOT_LINE.sub(lambda m: m.group(1) + slots.get(m.group(2), ""), text)
    text = _INLINE.sub(lambda m: render_term(bound[m.group(1)]) if m.group(1) in bound else m.group(0), text)
    return text, {k: v for k, v in bound.items() if k not in names}


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

    async def rows(self, name: str, bindings: dict, limit: int | None = None, offset: int = 0,
                   slots: dict[str, str] | None = None) -> list[dict]:
        bound = {k for k, v in bindings.items() if v is not None}
        if not getattr(self.store, "keeps_scan_order", False):
            bound.add("portable")     # another server: no Oxigraph planner hints, an ORDER BY
        text = with_optional_lines(template(name), bound)
        # integers validated by FastAPI: structure, not values
        page_text = f"LIMIT {int(limit) + 1} OFFSET {int(offset)}" if limit is not None else ""
        if page_text and not re.search(r"^\s*#=page\s*$", text, re.M):
            text += "\n" + page_text
        text, bound = with_inline_values(text, {k: v for k, v in bindings.items() if v is not None},
                                         {**(slots or {}), "page": page_text})
        try:
            outcome = await run_in_threadpool(self.store.query, text, bindings=bound,
                                              timeout=self.limits.query_timeout, max_rows=self.limits.max_rows)
        except QueryError as err:
            raise HTTPException(503, f"{name}: {err}") from err
        return [{k: plain(v) for k, v in row.items()} for row in outcome.rows]

    async def check_city(self, city: str | None) -> ox.Literal | None:
        if city is None:
            return None
        rows = await self.rows("cities", {})
        known = [r["name_zh"] for r in rows]
        for candidate in (city, city + "市"):            # 巴中 and 巴中市 both name 巴中市
            if candidate in known:
                return zh(candidate)
        wanted = city.strip().lower()
        for r in rows:                                   # Bazhong City, bazhong
            english = (r.get("name_en") or "").lower()
            if english and wanted in (english, english.removesuffix(" city"), english.removesuffix(" municipality")):
                return zh(r["name_zh"])
        raise unprocessable("city", f"unknown city {city!r}; known: {', '.join(known)}")

    async def check_document(self, doc_id: str | None, field: str = "document") -> ox.Literal | None:
        if doc_id is None:
            return None
        if not await self.rows("documents", {"docId": ox.Literal(doc_id)}):
            raise unprocessable(field, f"unknown document id {doc_id!r}; GET /api/documents lists them")
        return ox.Literal(doc_id)

    async def document_texts(self, doc_ids) -> dict[str, dict]:
        """The source texts (`text`) and titles (`title_zh`, `title_en`) of several documents,
        their files found in one query (doc_files)."""
        ids = sorted(set(doc_ids))
        if not ids:
            return {}
        values = "VALUES ?docId { " + " ".join(render_term(ox.Literal(i)) for i in ids) + " }"
        files: dict[str, dict] = {}
        for f in await self.rows("doc_files", {}, slots={"filters": values}):
            files.setdefault(f["docId"], f)
        out = {}
        for i in ids:
            f = files.get(i, {})
            text = await run_in_threadpool(self.texts.text, f["file"], f.get("sha"), f.get("chars")) if f else None
            out[i] = {"text": text, "title_zh": f.get("title_zh"), "title_en": f.get("title_en")}
        return out

    async def document_text(self, doc_id: str) -> str | None:
        found = await self.rows("doc_file", {"docId": ox.Literal(doc_id)})
        if not found:
            return None
        f = found[0]
        return await run_in_threadpool(self.texts.text, f["file"], f.get("sha"), f.get("chars"))
