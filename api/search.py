"""Full-text search over provisions and unit names, Chinese or English input (/api/search).

This module holds the index (its records and what a query means); api/search_index.py builds
it from the store (the search_*.rq templates) and the documents' source text, in the
background, and keeps it current; user input never enters a query. What a query means:

* Chinese: jieba words (ingest/nlp.tokens, gazetteer-aware) that must all occur in a
  provision's own text or heading; unit names (and printed forms) the query names or is part
  of, with the provisions those units bear; topics the words name (search_topics).
* English: unit names (their @en labels, whole-word phrase), topics (search_topics: "medical
  devices" -> 医疗器械), metric words (the targets' English glosses, and the glossary read
  backwards: "cooperatives" -> 合作社), and the provisions' heading glosses.
Every hit says why it matched, with the offsets to highlight in the source text.
"""
from __future__ import annotations

import bisect
import gc
import itertools
import re
from dataclasses import dataclass, field


from policykg.ingest.topics import search_topics, topic_labels, topic_rules

CJK = re.compile(r"[\u3400-\u9fff]")
WORD = re.compile(r"[\w\u3400-\u9fff]")
ZH_STOP = {"的", "和", "与", "及", "等", "在", "对", "了", "是"}
EN_STOP = {"the", "of", "and", "a", "an", "in", "for", "to", "on", "by", "with"}


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
