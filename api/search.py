"""Full-text search over provisions and unit names, Chinese or English input (/api/search).

The index is built in Python from the store (the search_*.rq templates) and the documents'
source text (re-read like /api/provisions does), at the first search and again whenever the
store's provisions change; user input never enters a query. What a query means:

* Chinese: jieba words (ingest/nlp.tokens, gazetteer-aware) that must all occur in a
  provision's own text or heading; unit names (and printed forms) the query names or is part
  of, with the provisions those units bear; topics the words name (search_topics).
* English: unit names (their @en labels, whole-word phrase), topics (search_topics: "medical
  devices" -> 医疗器械), metric words (the targets' English glosses, and the glossary read
  backwards: "cooperatives" -> 合作社), and the provisions' heading glosses.
Every hit says why it matched, with the offsets to highlight in the source text.
"""
from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool

from policykg.graph.namespaces import PKG
from policykg.ingest.topics import TOPIC_BASE, search_topics, topic_labels, topic_rules

CJK = re.compile(r"[\u3400-\u9fff]")
WORD = re.compile(r"[\w\u3400-\u9fff]")
ZH_STOP = {"的", "和", "与", "及", "等", "在", "对", "了", "是"}
EN_STOP = {"the", "of", "and", "a", "an", "in", "for", "to", "on", "by", "with"}
REFRESH_SECONDS = 5.0


@dataclass
class Provision:
    iri: str
    doc: str
    path: str
    order: int
    heading: str | None
    start: int
    end: int
    parent: str
    city_zh: str | None
    city_en: str | None
    title_zh: str | None
    title_en: str | None
    summary_en: str | None
    gloss_en: str | None
    own: str = ""                  # own text, blanks removed (children's text cut out)
    text: str | None = None        # full source text of the provision
    topics: list[str] = field(default_factory=list)
    bearers: list[dict] = field(default_factory=list)    # unit, role, basis, mention_start/end
    metrics: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass
class Unit:
    iri: str
    name_zh: str | None
    name_en: str | None
    city_zh: str | None
    city_en: str | None
    origin: str | None
    forms: set[str] = field(default_factory=set)


@dataclass
class Hit:
    score: float = 0.0
    reasons: list[dict] = field(default_factory=list)
    marks: list[tuple[int, int]] = field(default_factory=list)

    def add(self, score: float, reason: dict, marks=()) -> None:
        self.score += score
        if reason not in self.reasons:
            self.reasons.append(reason)
        self.marks += [m for m in marks if m not in self.marks]


class Index:
    def __init__(self, provisions: list[Provision], units: dict[str, Unit], fingerprint):
        self.provisions = {p.iri: p for p in provisions}
        self.units = units
        self.fingerprint = fingerprint
        self.by_unit: dict[str, list[Provision]] = {}
        self.by_topic: dict[str, list[Provision]] = {}
        for p in provisions:
            for b in p.bearers:
                if p not in self.by_unit.setdefault(b["unit"], []):
                    self.by_unit[b["unit"]].append(p)
            for t in p.topics:
                self.by_topic.setdefault(t, []).append(p)
        self.reverse_glossary = _reverse_glossary()

    # ------------------------------------------------------------------ querying
    def search(self, q: str, city: str | None = None) -> tuple[dict[str, Hit], list[tuple[Unit, str]], dict]:
        hits: dict[str, Hit] = {}
        units: list[tuple[Unit, str]] = []
        meaning: dict = {"script": "zh" if CJK.search(q) else "en"}
        if meaning["script"] == "zh":
            self._chinese(q, hits, units, meaning)
        else:
            self._english(q, hits, units, meaning)
        self._topics(q, hits, meaning)
        if city:
            hits = {k: h for k, h in hits.items() if self.provisions[k].city_zh == city}
            units = [(u, how) for u, how in units if u.city_zh == city]
        return hits, units, meaning

    def _hit(self, hits, p: Provision) -> Hit:
        return hits.setdefault(p.iri, Hit())

    def _chinese(self, q: str, hits, units, meaning) -> None:
        from policykg.ingest.nlp import tokens
        words = [w for w in tokens(q) if WORD.search(w) and w not in ZH_STOP]
        meaning["tokens"] = words
        flat = re.sub(r"\s+", "", q)
        for p in self.provisions.values():
            haystack = p.own + (p.heading or "")
            if words and all(w in haystack for w in words):
                whole = flat in haystack
                p_hit = self._hit(hits, p)
                p_hit.add(len(words) + (2 if whole else 0), {"via": "text", "words": words},
                          _occurrences(p, words))
        for u in self.units.values():
            names = {u.name_zh or "", *u.forms} - {""}
            exact = flat in names
            if exact or any(flat in n for n in names if len(flat) >= 2) or any(n in flat for n in names if len(n) >= 3):
                units.append((u, "name"))
                self._unit_provisions(u, hits, 6 if exact else 3)
        meaning["units"] = [u.iri for u, _ in units]

    def _english(self, q: str, hits, units, meaning) -> None:
        ql = _norm(q)
        words = [w for w in ql.split() if w not in EN_STOP]
        meaning["tokens"] = words
        if not words:
            return
        for u in self.units.values():
            name = _norm(u.name_en or "")
            if not name:
                continue
            if name == ql:
                units.append((u, "name"))
                self._unit_provisions(u, hits, 10)
            elif _phrase(ql, name) or (len(words) >= 2 and _phrase(name, ql)):
                units.append((u, "name"))
                self._unit_provisions(u, hits, 5)
        meaning["units"] = [u.iri for u, _ in units]
        # metrics: the English glosses of the targets, and the glossary read backwards
        zh_terms = sorted({zh for en, zhs in self.reverse_glossary.items() if _phrase(en, ql) or _phrase(en, _singular(ql))
                           for zh in zhs}, key=len, reverse=True)
        meaning["metric_terms"] = zh_terms
        for p in self.provisions.values():
            for metric, metric_en in p.metrics:
                gloss = _norm(metric_en or "")
                by_gloss = bool(gloss) and (_phrase(gloss, ql) or _phrase(gloss, _singular(ql)))
                term = next((t for t in zh_terms if t in metric), None)
                if by_gloss or term:
                    marks = _occurrences(p, [metric]) or _occurrences(p, [term] if term else [])
                    self._hit(hits, p).add(4, {"via": "metric", "metric": metric, "metric_en": metric_en}, marks)
            gloss = _norm(p.gloss_en or "")
            if gloss and _phrase(gloss, ql):
                self._hit(hits, p).add(2, {"via": "heading", "heading_gloss": p.gloss_en},
                                       _occurrences(p, [p.heading] if p.heading else []))

    def _topics(self, q: str, hits, meaning) -> None:
        labels = topic_labels()
        found = [c for c in search_topics(q) if c in labels]
        if meaning["script"] == "zh":
            # Chinese words already match the text itself; a topic only when the query names it
            from policykg.ingest import topics
            rules = {r.concept: r for r in topic_rules()}
            found = [c for c in found if c in rules and topics._score(q.strip().lower(), rules[c]) == 3]
        meaning["topics"] = found
        keywords = {r.concept: r.zh for r in topic_rules()}
        for rank, concept in enumerate(found):
            for p in self.by_topic.get(concept, []):
                self._hit(hits, p).add(max(4 - rank, 1), {"via": "topic", "topic": concept},
                                       _occurrences(p, list(keywords.get(concept, ()))))

    def _unit_provisions(self, u: Unit, hits, score: float) -> None:
        for p in self.by_unit.get(u.iri, []):
            marks = [(b["mention_start"], b["mention_end"]) for b in p.bearers
                     if b["unit"] == u.iri and b.get("mention_start") is not None]
            roles = sorted({b["role"] for b in p.bearers if b["unit"] == u.iri})
            self._hit(hits, p).add(score, {"via": "unit", "unit": u.iri, "roles": roles}, marks)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s'-]", " ", text.lower())).strip()


def _singular(text: str) -> str:
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in text.split())


def _phrase(text: str, phrase: str) -> bool:
    """`phrase` inside `text` as whole words (English), plural tolerant on the last word."""
    if not phrase or not text:
        return False
    pattern = rf"(?<![\w]){re.escape(phrase)}(?:s|es)?(?![\w])"
    return re.search(pattern, text) is not None


def _occurrences(p: Provision, words: list[str]) -> list[tuple[int, int]]:
    """Offsets (in the document) of each word inside the provision's text, to highlight."""
    if not p.text:
        return []
    out = []
    for w in words:
        if not w:
            continue
        for m in re.finditer(re.escape(w), p.text):
            out.append((p.start + m.start(), p.start + m.end()))
    return sorted(set(out))


def _reverse_glossary() -> dict[str, set[str]]:
    """English sense (lower case) -> the Chinese terms glossed with it; senses split at ; and ,."""
    from policykg.ingest.gloss import glossary
    out: dict[str, set[str]] = {}
    for zh, en in glossary().items():
        for sense in re.split(r"[;,]", en):
            sense = _norm(re.sub(r"\(.*?\)", "", sense))
            if sense and sense not in EN_STOP:
                out.setdefault(sense, set()).add(zh)
    return out


# ---------------------------------------------------------------------- building
class SearchIndex:
    """The index of one store, built on first use and rebuilt when the provisions change
    (checked at most every REFRESH_SECONDS)."""

    def __init__(self, browser):
        self.b = browser
        self._index: Index | None = None
        self._checked = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> Index:
        async with self._lock:
            now = time.monotonic()
            if self._index is not None and now - self._checked < REFRESH_SECONDS:
                return self._index
            fingerprint = await self._fingerprint()
            if self._index is None or self._index.fingerprint != fingerprint:
                self._index = await self._build(fingerprint)
            self._checked = time.monotonic()
            return self._index

    async def _fingerprint(self):
        from policykg.graph.namespaces import prefix_block
        rows = await self._rows(prefix_block() + "SELECT (COUNT(?p) AS ?n) WHERE { ?p a pkg:Provision }")
        graphs = await run_in_threadpool(self.b.store.graph_names)
        return (rows[0].get("n") if rows else 0, tuple(sorted(graphs)))

    async def _rows(self, text: str) -> list[dict]:
        from policykg.api.browse import plain
        outcome = await run_in_threadpool(self.b.store.query, text,
                                          timeout=max(self.b.limits.query_timeout, 60.0), max_rows=None)
        return [{k: plain(v) for k, v in row.items()} for row in outcome.rows]

    async def _build(self, fingerprint) -> Index:
        from policykg.api.browse import template
        provisions = {}
        for x in await self._rows(template("search_provisions")):
            provisions[x["provision"]] = Provision(
                iri=x["provision"], doc=x["id"], path=x["path"], order=int(x["order"]), heading=x.get("heading"),
                start=int(x["start"]), end=int(x["end"]), parent=x["parent"], city_zh=x.get("city_zh"),
                city_en=x.get("city_en"), title_zh=x.get("title_zh"), title_en=x.get("title_en"),
                summary_en=x.get("summary_en"), gloss_en=x.get("gloss_en"))
        for x in await self._rows(template("search_facts")):
            p = provisions.get(x["provision"])
            if p is None:
                continue
            if x.get("topic"):
                cid = x["topic"].removeprefix(TOPIC_BASE)
                if cid not in p.topics:
                    p.topics.append(cid)
            elif x.get("unit"):
                p.bearers.append({k: x.get(k) for k in ("unit", "role", "basis", "mention_start", "mention_end")})
            elif x.get("metric"):
                p.metrics.append((x["metric"], x.get("metric_en")))
        units: dict[str, Unit] = {}
        for x in await self._rows(template("search_units")):
            u = units.setdefault(x["unit"], Unit(x["unit"], x.get("name_zh"), x.get("name_en"), x.get("city_zh"),
                                                 x.get("city_en"), x.get("origin")))
            if x.get("alt"):
                u.forms.add(x["alt"])
        await self._texts(provisions)
        return Index(sorted(provisions.values(), key=lambda p: (p.doc, p.order)), units, fingerprint)

    async def _texts(self, provisions: dict[str, Provision]) -> None:
        texts: dict[str, str | None] = {}
        children: dict[str, list[Provision]] = {}
        for p in provisions.values():
            children.setdefault(p.parent, []).append(p)
            if p.doc not in texts:
                texts[p.doc] = await self.b.document_text(p.doc)
        for p in provisions.values():
            full = texts.get(p.doc)
            if not full:
                p.own = re.sub(r"\s+", "", p.heading or "")
                continue
            p.text = full[p.start:p.end]
            pieces, at = [], p.start
            for c in sorted(children.get(p.iri, []), key=lambda c: c.start):
                if c.start >= at:
                    pieces.append(full[at:c.start])
                    at = max(at, c.end)
            pieces.append(full[at:p.end] if at < p.end else "")
            p.own = re.sub(r"\s+", "", "".join(pieces))


def role_name(role: str | None) -> str | None:
    return role.removeprefix(PKG) if role else None

