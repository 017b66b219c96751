"""What a provision asks for, as shingles: the task text with units, deadlines and numbers
masked, cut into clauses, boilerplate removed, then content words and character bigrams.

Character bigrams carry paraphrase (秦巴中药材交易市场 / 秦巴山区中药材交易中心 share
秦巴 中药 药材 材交 交易) where jieba words would not (交易市场 ≠ 交易中心).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from policykg.ingest.models import Document, Provision
from policykg.ingest.nlp import tokens
from policykg.ingest.patterns import load_patterns


@dataclass(frozen=True)
class Clause:
    start: int                 # offsets into the document text
    end: int
    features: frozenset[str]


@lru_cache(maxsize=1)
def settings() -> dict:
    return load_patterns("drafts")


@lru_cache(maxsize=1)
def _compiled():
    feats = settings()["features"]
    long_words = sorted((w for w in feats["stopwords"] if len(w) > 1), key=len, reverse=True)
    return (re.compile(feats["drop_pattern"]), re.compile(feats["code_pattern"]),
            re.compile(feats["enumeration_pattern"]),
            re.compile("|".join(re.escape(w) for w in long_words)),
            frozenset(w for w in feats["stopwords"] if len(w) == 1))


def task_span(doc: Document, prov: Provision) -> tuple[int, int]:
    """The provision's own task text: a table row's task cell when it can be found."""
    task = prov.cells.get("task") if prov.cells else None
    if task:
        at = doc.text.find(task[:12], prov.start, prov.end)
        if at >= 0:
            return at, min(prov.end, at + len(task))
    return prov.start, prov.end


def masked_spans(doc: Document, prov: Provision) -> list[tuple[int, int]]:
    """Units and deadlines are compared as facts, so they must not make two tasks alike; a
    heading (2．提升质量标准) names a theme, not a task."""
    spans = [(m.start, m.end) for m in prov.lead_units + prov.responsible_units]
    spans += [(d.start, d.end) for d in prov.deadlines]
    if prov.heading:
        at = doc.text.find(prov.heading, prov.start, prov.end)
        body = doc.text[at + len(prov.heading):prov.end] if at >= 0 else ""
        # A bracket of units after the heading (…建设。（牵头单位：X）) is no task of its own.
        body = re.sub(r"[（(](?:[^（）()]|[（(][^（）()]*[）)])*[）)]", "", body)
        if any("\u4e00" <= ch <= "\u9fff" for ch in body):     # else the heading is the task
            spans.append((prov.start, at + len(prov.heading)))
    return spans


def clauses(doc: Document, prov: Provision) -> list[Clause]:
    start, end = task_span(doc, prov)
    chars = list(doc.text[start:end])
    for a, b in masked_spans(doc, prov):
        for i in range(max(a, start), min(b, end)):
            chars[i - start] = " "
    text = "".join(chars)
    ends = settings()["features"]["clause_ends"]
    out, begin = [], 0
    for i, ch in enumerate(text + ends[0]):
        if ch in ends:
            feats = features(text[begin:i])
            if feats:
                out.append(Clause(start + begin, start + i, feats))
            begin = i + 1
    return out


def features(text: str) -> frozenset[str]:
    """Programme codes, then character bigrams of the content runs left once boilerplate
    words (removed as strings: jieba glues 大力发展 into one word) and single-character
    function words are gone. Bigrams only, so a long word does not count twice."""
    drop, code, enum, stop_long, stop_char = _compiled()
    numerals = settings()["features"]["numerals"]
    found = {"#" + m.group(1) for m in code.finditer(text)}
    found |= {"#" + "".join(numerals[g] for g in m.groups()) for m in enum.finditer(text)}
    for piece in stop_long.sub(" ", drop.sub(" ", text)).split():
        run = ""
        for word in tokens(piece) + [" "]:
            if word in stop_char or not _is_content(word):
                found |= _bigrams(run)
                run = ""
            else:
                run += word
    return frozenset(found)


def _bigrams(run: str) -> set[str]:
    return {run[i:i + 2] for i in range(len(run) - 1)}


def _is_content(word: str) -> bool:
    """CJK words and Latin names (GMP, CRO); punctuation and digits are not content."""
    return any("\u4e00" <= ch <= "\u9fff" or ch.isalpha() for ch in word)
