"""Full-text search over provisions and unit names, Chinese or English input (/api/search).

The index is built in Python from the store (the search_*.rq templates) and the documents'
source text (re-read like /api/provisions does), at the first search (or `SearchIndex.start()`)
and again whenever a document changes; user input never enters a query. The build is one pass
over the store in a background thread (1,000 documents, 19.5 M quads: ~45-70 s on a busy
2-core host); meanwhile a search is answered 503 with Retry-After, and after a change the old
index answers until the new one is ready. What a query means:

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
import bisect
import concurrent.futures
import gc
import itertools
import re
import threading
import time
from dataclasses import dataclass, field

from fastapi import HTTPException

from policykg.graph import iris
from policykg.graph.namespaces import PKG
from policykg.graph.store import QueryError
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
            for unit in dict.fromkeys(b["unit"] for b in p.bearers):   # each provision once per unit
                self.by_unit.setdefault(unit, []).append(p)
            for t in p.topics:
                self.by_topic.setdefault(t, []).append(p)
        self.reverse_glossary = _reverse_glossary()
        # What a search scans, prepared once (1,000 documents: 190,000 provisions, 140,000 targets
        # but far fewer distinct metrics and glosses): Chinese haystacks, and each distinct
        # metric (with its normalised gloss) and heading gloss with the provisions that have it.
        self._haystacks = [(p.own + (p.heading or ""), p) for p in provisions]
        self._position = {p.iri: n for n, p in enumerate(provisions)}
        metrics: dict[tuple[str, str | None], list[Provision]] = {}
        glosses: dict[str, list[Provision]] = {}
        for p in provisions:
            for m in p.metrics:
                metrics.setdefault(m, []).append(p)
            if gloss := _norm(p.gloss_en or ""):
                glosses.setdefault(gloss, []).append(p)
        # in the order of each provision's own metrics (sorted the same way), so reasons keep it
        self._corpus = "\x00".join(h for h, _ in self._haystacks)      # one text to find words in
        self._starts = list(itertools.accumulate((len(h) + 1 for h, _ in self._haystacks[:-1]), initial=0))
        self._unit_hits: dict[str, list] = {}
        self._topic_hits: dict[str, list] = {}
        self._metrics = [(metric, metric_en, _norm(metric_en or ""), ps)
                         for (metric, metric_en), ps in sorted(metrics.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))]
        self._glosses = list(glosses.items())

    # ------------------------------------------------------------------ querying
    def search(self, q: str, city: str | None = None) -> tuple[dict[str, Hit], list[tuple[Unit, str]], dict]:
        # A broad query makes tens of thousands of Hits: with the collector on, its passes over
        # them took 2/3 of the time at 1,000 documents (230-450 ms -> 70-90 ms without).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._search(q, city)
        finally:
            if collecting:
                gc.enable()

    def _search(self, q: str, city: str | None) -> tuple[dict[str, Hit], list[tuple[Unit, str]], dict]:
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
        # In rank order already (score, then document and reading order: the index's order), on
        # numbers: the caller's sort on (score, document id, order) then only checks it.
        position = self._position
        hits = dict(sorted(hits.items(), key=lambda kv: (-kv[1].score, position[kv[0]])))
        return hits, units, meaning

    def _hit(self, hits, p: Provision) -> Hit:
        return hits.setdefault(p.iri, Hit())

    @staticmethod
    def _add(hits, p: Provision, score: float, reason: dict, marks) -> None:
        hit = hits.get(p.iri)
        if hit is None:
            hits[p.iri] = Hit(score, [reason], list(marks))
        else:
            hit.add(score, reason, marks)

    def _containing(self, word: str):
        """The (haystack, provision) pairs whose haystack contains `word`, in index order."""
        corpus, starts, at = self._corpus, self._starts, 0
        while (at := corpus.find(word, at)) >= 0:
            n = bisect.bisect_right(starts, at) - 1
            yield self._haystacks[n]
            at = starts[n + 1] if n + 1 < len(starts) else len(corpus)

    def _chinese(self, q: str, hits, units, meaning) -> None:
        from policykg.ingest.nlp import tokens
        words = [w for w in tokens(q) if WORD.search(w) and w not in ZH_STOP]
        meaning["tokens"] = words
        flat = re.sub(r"\s+", "", q)
        for haystack, p in self._containing(words[0]) if words else ():
            if all(w in haystack for w in words):
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
                           for zh in zhs}, key=lambda t: (-len(t), t))
        meaning["metric_terms"] = zh_terms
        phrases = [(ql, _phrase_pattern(ql))]
        if _singular(ql) != ql:
            phrases.append((_singular(ql), _phrase_pattern(_singular(ql))))
        any_term = re.compile("|".join(map(re.escape, zh_terms))) if zh_terms else None
        for metric, metric_en, gloss, ps in self._metrics:      # each distinct metric once
            by_gloss = bool(gloss) and any(phrase in gloss and pattern.search(gloss) for phrase, pattern in phrases)
            term = next((t for t in zh_terms if t in metric), None) if any_term and any_term.search(metric) else None
            if by_gloss or term:
                for p in ps:
                    marks = _occurrences(p, [metric]) or _occurrences(p, [term] if term else [])
                    self._hit(hits, p).add(4, {"via": "metric", "metric": metric, "metric_en": metric_en}, marks)
        heading = phrases[0][1]
        for gloss, ps in self._glosses:                            # each distinct heading gloss once
            if ql in gloss and heading.search(gloss):
                for p in ps:
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
        for rank, concept in enumerate(found):
            for p, reason, marks in self._topic_matches(concept):
                self._add(hits, p, max(4 - rank, 1), reason, marks)

    def _topic_matches(self, concept: str) -> list:
        """(provision, reason, marks) for each provision of the topic, worked out once."""
        if concept not in self._topic_hits:
            words = list({r.concept: r.zh for r in topic_rules()}.get(concept, ()))
            reason = {"via": "topic", "topic": concept}      # shared: browse copies before adding to it
            self._topic_hits[concept] = [(p, reason, _occurrences(p, words)) for p in self.by_topic.get(concept, [])]
            gc.freeze()            # kept as long as the index: out of the collector's passes too
        return self._topic_hits[concept]

    def _unit_provisions(self, u: Unit, hits, score: float) -> None:
        for p, reason, marks in self._unit_matches(u.iri):
            self._add(hits, p, score, reason, marks)

    def _unit_matches(self, unit: str) -> list:
        """(provision, reason, marks) for each provision the unit bears, worked out once."""
        if unit not in self._unit_hits:
            out = []
            for p in self.by_unit.get(unit, []):
                marks = [(b["mention_start"], b["mention_end"]) for b in p.bearers
                         if b["unit"] == unit and b.get("mention_start") is not None]
                roles = sorted({b["role"] for b in p.bearers if b["unit"] == unit})
                out.append((p, {"via": "unit", "unit": unit, "roles": roles}, marks))
            self._unit_hits[unit] = out
            gc.freeze()
        return self._unit_hits[unit]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s'-]", " ", text.lower())).strip()


def _singular(text: str) -> str:
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in text.split())


def _phrase(text: str, phrase: str) -> bool:
    """`phrase` inside `text` as whole words (English), plural tolerant on the last word."""
    if not phrase or not text:
        return False
    return _phrase_pattern(phrase).search(text) is not None


def _phrase_pattern(phrase: str) -> re.Pattern:
    return re.compile(rf"(?<![\w]){re.escape(phrase)}(?:s|es)?(?![\w])")


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
BUILD_PATIENCE = 5.0           # seconds a search waits for an index being built, then 503 Retry-After
BUILD_QUERIES_AT_ONCE = 2       # 1,000 documents on 2 cores: build 45 s -> ~30 s
BUILD_QUERY_TIMEOUT = 600.0    # per template query of a build (1,000 documents: ~30 s each, more on a busy host)


class SearchIndex:
    """The index of one store, built on first use and rebuilt when the documents change
    (checked at most every REFRESH_SECONDS).

    The build runs in a thread of its own: a search waits for it at most BUILD_PATIENCE seconds
    (a small store is indexed by then), else it is answered 503 with Retry-After while the build
    goes on (1,000 documents: about a minute). Once there is an index, searches answer from it at
    once: the check for changed documents (and a rebuild if they did) runs in that thread too, so
    a change shows from the first search after it is indexed. `start()` begins the first build
    without waiting (at startup)."""

    def __init__(self, browser):
        self.b = browser
        self._index: Index | None = None
        self._checked = 0.0
        self._guard = threading.Lock()
        self._build: concurrent.futures.Future | None = None
        self._began = 0.0
        self.last_build_seconds: float | None = None

    def start(self) -> concurrent.futures.Future:
        """Begin building (or re-checking) the index in the background; no-op while one runs."""
        return self._begin(None)

    async def get(self) -> Index:
        index = self._index
        if index is not None:
            if time.monotonic() - self._checked >= REFRESH_SECONDS:
                self._checked = time.monotonic()
                self._begin(None)        # check (rebuild if changed) in the background; answer now
            return index
        build = self._begin(None)
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(build)), BUILD_PATIENCE)
        except asyncio.TimeoutError:
            if self._index is not None:
                return self._index
            raise HTTPException(503, "search index is being built; try again shortly",
                                headers={"Retry-After": str(self._retry_after())}) from None
        except QueryError as err:
            raise HTTPException(503, f"search index: {err}", headers={"Retry-After": "30"}) from err

    def _retry_after(self) -> int:
        """Seconds until the build is likely done (the last build's time, else a minute), 2..30."""
        remaining = (self.last_build_seconds or 60.0) - (time.monotonic() - self._began)
        return int(min(30.0, max(2.0, remaining)))

    def _begin(self, fingerprint) -> concurrent.futures.Future:
        with self._guard:
            if self._build is not None and not self._build.done():
                return self._build
            future: concurrent.futures.Future = concurrent.futures.Future()
            self._build, self._began = future, time.monotonic()
        threading.Thread(target=self._run, args=(future, fingerprint), name="search-index", daemon=True).start()
        return future

    def _run(self, future: concurrent.futures.Future, fingerprint) -> None:
        future.set_running_or_notify_cancel()
        try:
            began = time.monotonic()
            if fingerprint is None:
                fingerprint = self.fingerprint()
                if self._index is not None and self._index.fingerprint == fingerprint:
                    self._checked = time.monotonic()
                    future.set_result(self._index)        # nothing changed: no rebuild
                    return
            index = self.build(fingerprint)
            # A million long-lived objects: out of the cyclic GC's way, or each full collection
            # (set off by the Hits a broad search makes) walks them all (~1.5 s at 1,000 documents).
            from policykg.ingest.nlp import tokens
            tokens("检索")                  # jieba loads its dictionary now, not in the first search (~1 s)
            gc.collect()
            gc.freeze()
            self.last_build_seconds = time.monotonic() - began
            self._index, self._checked = index, time.monotonic()
            future.set_result(index)
        except BaseException as err:  # noqa: BLE001 - the waiting searches get it (503)
            future.set_exception(err)

    # ------------------------------------------------------------------ reading the store
    def fingerprint(self):
        """What changes when a document is added, replaced or deleted: each document's graph with
        its own counts (graph/derived.py writes pkg:provisionCount and pkg:tripleCount on the
        document, in its graph), and the graph names. One row per document, nothing over the
        provisions themselves (1,000 documents: ~0.1 s)."""
        from policykg.graph.namespaces import prefix_block
        # No time limit: the embedded store then answers in this process instead of forking a
        # query process from the server (~0.3 s more on the next search, with a 2 GB index to
        # copy on write); this runs in the index's thread, and it is one row per document.
        rows = self._rows(prefix_block() + "SELECT ?doc ?provisions ?triples WHERE { "
                          "?doc pkg:provisionCount ?provisions . OPTIONAL { ?doc pkg:tripleCount ?triples } }",
                          timeout=None)
        documents = sorted((r["doc"], r["provisions"], r.get("triples") or 0) for r in rows)
        return (tuple(documents), tuple(sorted(self.b.store.graph_names())))

    def _rows(self, text: str, timeout: float = BUILD_QUERY_TIMEOUT) -> list[dict]:
        from policykg.api.reader import plain
        outcome = self.b.store.query(text, timeout=timeout, max_rows=None)
        return [{k: plain(v) for k, v in row.items()} for row in outcome.rows]

    def build(self, fingerprint) -> Index:
        """The index from the search_* templates: documents, provisions, then their topics,
        bearers and metrics (keyed by document id and pkg:order), units; then the source texts."""
        from policykg.api.reader import template
        # Two queries at a time (each in its own query process, or request to the server): the
        # two long ones, provisions and bearers, overlap; the rows are read in this order.
        with concurrent.futures.ThreadPoolExecutor(BUILD_QUERIES_AT_ONCE, thread_name_prefix="search-query") as pool:
            pending = {name: pool.submit(self._rows, template(f"search_{name}"))
                       for name in ("provisions", "bearers", "documents", "topics", "metrics", "units")}
            return self._assemble(fingerprint, {name: pending[name].result for name in pending})

    def _assemble(self, fingerprint, rows) -> Index:
        docs = {}
        for x in rows["documents"]():
            d = docs.setdefault(x["id"], {})          # one row per manifestation: the one with a file
            for k, v in x.items():
                d.setdefault(k, v)
        provisions: dict[tuple[str, int], Provision] = {}
        for x in rows["provisions"]():
            d = docs.get(x["id"])
            if d is None:
                continue
            for path, order, start, end, heading, gloss_en, summary_en in _records(x["provisions"], 7):
                parent_path = path.rsplit("/", 1)[0] if "/" in path else None
                provisions[(x["id"], int(order))] = Provision(
                    iri=iris.provision_iri(d["doc"], path), doc=x["id"], path=path, order=int(order),
                    heading=heading, start=int(start), end=int(end),
                    parent=iris.provision_iri(d["doc"], parent_path) if parent_path else d["doc"],
                    city_zh=d.get("city_zh"), city_en=d.get("city_en"), title_zh=d.get("title_zh"),
                    title_en=d.get("title_en"), summary_en=summary_en, gloss_en=gloss_en)
        rank = {cid: n for n, cid in enumerate(topic_labels())}
        for x in rows["topics"]():
            for order, topic in _records(x["topics"], 2):
                p = provisions.get((x["id"], int(order)))
                cid = topic.removeprefix(TOPIC_BASE)
                if p is not None and cid not in p.topics:
                    p.topics.append(cid)
        for x in rows["bearers"]():
            seen = set()
            for record in _records(x["bearers"], 4):
                p = provisions.get((x["id"], int(record[0])))
                if p is None or (p.iri, record) in seen:
                    continue
                seen.add((p.iri, record))
                _, role, basis, span = record
                start, _, end = (span or "").partition(",")
                mentioned = start.isdigit() and end.isdigit()
                p.bearers.append({"unit": x["unit"], "role": _local(role), "basis": _local(basis),
                                  "mention_start": int(start) if mentioned else None,
                                  "mention_end": int(end) if mentioned else None})
        for x in rows["metrics"]():
            for order, metric, metric_en in _records(x["metrics"], 3):
                p = provisions.get((x["id"], int(order)))
                if p is not None:
                    p.metrics.append((metric, metric_en))
        for p in provisions.values():      # a fixed order (the store's rows come in any order)
            p.topics.sort(key=lambda c: (rank.get(c, len(rank)), c))
            p.bearers.sort(key=lambda b: (b["mention_start"] is None, b["mention_start"] or 0, b["unit"], b["role"], b["basis"]))
            p.metrics.sort(key=lambda m: (m[0], m[1] or ""))
        units: dict[str, Unit] = {}
        for x in rows["units"]():
            u = units.setdefault(x["unit"], Unit(x["unit"], x.get("name_zh"), x.get("name_en"), x.get("city_zh"),
                                                 x.get("city_en"), x.get("origin")))
            if x.get("alt"):
                u.forms.add(x["alt"])
        self._texts(provisions.values(), docs)
        return Index(sorted(provisions.values(), key=lambda p: (p.doc, p.order)), dict(sorted(units.items())), fingerprint)

    def _texts(self, provisions, docs: dict[str, dict]) -> None:
        texts: dict[str, str | None] = {}
        children: dict[str, list[Provision]] = {}
        for p in provisions:
            children.setdefault(p.parent, []).append(p)
            if p.doc not in texts:
                d = docs[p.doc]
                texts[p.doc] = self.b.texts.text(d["file"], d.get("sha"), d.get("chars")) if d.get("file") else None
        for p in provisions:
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


def _records(text: str, width: int):
    """The records of a search_* template's GROUP_CONCAT: U+001E between records, U+001F between
    fields, U+0015 for an unbound value (None)."""
    for record in text.split("\x1e") if text else ():
        fields = record.split("\x1f")
        if len(fields) == width:
            yield tuple(None if f == "\x15" else f for f in fields)


def _local(name: str | None) -> str | None:
    return name.removeprefix(PKG) if name else name

