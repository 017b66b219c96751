"""Policy topics: the SKOS scheme (ontology/topics.ttl) and keyword rules (topic_rules.tsv).

A provision carries a topic when its text contains one of the topic's Chinese keywords;
English (or Chinese) queries find topics through their labels and English keywords, so that
"medical devices" reaches the provisions that say 医疗器械.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from policykg import data_path

SKOS = "http://www.w3.org/2004/02/skos/core#"
TOPIC_BASE = "https://policykg.org/id/topic/"


@dataclass(frozen=True)
class TopicRule:
    concept: str
    zh: tuple[str, ...]
    en: tuple[str, ...]


@lru_cache(maxsize=1)
def topic_rules() -> tuple[TopicRule, ...]:
    rules = []
    with data_path("ontology", "topic_rules.tsv").open(encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row and not row[0].startswith("#"):
                row += [""] * 3
                rules.append(TopicRule(row[0], _split(row[1]), _split(row[2])))
    return tuple(rules)


def _split(cell: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in cell.split("|") if k.strip())


@lru_cache(maxsize=1)
def _labels() -> dict[str, dict[str, list[str]]]:
    """id -> {"zh": [pref, *alts], "en": [pref, *alts]}, prefLabel first."""
    import rdflib
    graph = rdflib.Graph()
    with data_path("ontology", "topics.ttl").open("rb") as fh:
        graph.parse(fh, format="turtle")
    out: dict[str, dict[str, list[str]]] = {}
    for prop in ("prefLabel", "altLabel"):
        for subject, _, label in sorted(graph.triples((None, rdflib.URIRef(SKOS + prop), None))):
            concept = str(subject).removeprefix(TOPIC_BASE)
            if concept != str(subject):
                out.setdefault(concept, {"zh": [], "en": []}).setdefault(label.language, []).append(str(label))
    return out


def topic_labels() -> dict[str, dict[str, str]]:
    """id -> {"zh": prefLabel, "en": prefLabel}."""
    return {cid: {"zh": labels["zh"][0], "en": labels["en"][0]} for cid, labels in _labels().items()}


def topic_iri(concept: str) -> str:
    return TOPIC_BASE + concept


def tag_topics(text: str) -> list[str]:
    """Concept ids whose Chinese keywords occur in `text`, in the scheme's order."""
    flat = re.sub(r"\s+", "", text)
    return [concept for concept, keywords in _keyword_patterns() if keywords.search(flat)]


@lru_cache(maxsize=1)
def _keyword_patterns() -> tuple[tuple[str, re.Pattern], ...]:
    """One regex per rule: a search in C instead of a Python loop over its keywords."""
    return tuple((rule.concept, re.compile("|".join(map(re.escape, rule.zh))))
                 for rule in topic_rules() if rule.zh)


def search_topics(query: str) -> list[str]:
    """Concepts an English or Chinese query names, best first: a label equal to the query,
    then a label or keyword inside the query (whole words for English), then the reverse."""
    q = query.strip().lower()
    if not q:
        return []
    scored = []
    for rule in topic_rules():
        score = _score(q, rule)
        if score:
            scored.append((-score, rule.concept))
    return [cid for _, cid in sorted(scored)]


def _score(q: str, rule: TopicRule) -> int:
    labels = _labels().get(rule.concept, {"zh": [], "en": []})
    words = [w.lower() for w in (*labels["en"], *labels["zh"], *rule.en, *rule.zh)]
    if q in words:
        return 3
    if any(_contains(q, w) for w in words):
        return 2
    if any(_contains(w, q) for w in words):
        return 1
    return 0


def _contains(text: str, word: str) -> bool:
    """`word` inside `text`: as a whole word when it is Latin script, as a substring otherwise."""
    if not word:
        return False
    if word.isascii():
        return re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", text) is not None
    return word in text
