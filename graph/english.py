"""English renderings of a provision's structured facts, for pkg:englishSummary.

Honest by construction: only what was extracted is said (lead, shared units, deadlines,
targets, topics), in English words that come from data (the gazetteer and unit renderer,
the glossary, measures_en.tsv, the topic scheme) or from the numbers and ISO dates
themselves. A word with no English is never guessed: the gloss shows `…` and the word
itself goes to the graph as an @zh literal (pkg:untranslatedTerm).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from policykg.ingest.english import _tsv
from policykg.ingest.gloss import gloss_line, gloss_terms, untranslated
from policykg.ingest.models import Deadline, Target
from policykg.ingest.topics import topic_labels

CJK = re.compile(r"[\u3400-\u9fff]")
_DURATION = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?\Z")
COMPARATOR_EN = {">=": "at least", ">": "more than", "=": "", "<=": "at most", "<": "less than"}


@dataclass
class Gloss:
    """A term-by-term gloss: the English line (None if nothing was glossed) and the words left Chinese."""
    line: str | None
    untranslated: list[str] = field(default_factory=list)


def gloss(text: str, city: str | None = None) -> Gloss:
    terms = gloss_terms(text, city)
    return Gloss(gloss_line(terms), untranslated(terms))


@lru_cache(maxsize=1)
def measures() -> dict[str, str]:
    return {zh: en for zh, en, *_ in _tsv("measures_en.tsv")}


def measure_en(unit: str | None) -> str | None:
    """English of a unit of measure; "" for a classifier (the number alone); None if unknown."""
    if not unit:
        return ""
    if unit in measures():
        return measures()[unit]
    return None if CJK.search(unit) else unit


def number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def duration_en(iso: str) -> str | None:
    m = _DURATION.match(iso or "")
    if not m or not any(m.groups()):
        return None
    words = []
    for amount, unit in zip(m.groups(), ("year", "month", "week", "day")):
        if amount:
            words.append(f"{int(amount)} {unit}{'' if int(amount) == 1 else 's'}")
    return " ".join(words)


def deadline_en(d: Deadline) -> str | None:
    parts = d.date.split("/")
    if d.kind == "by":
        return f"by {d.date}"
    if d.kind == "period" and len(parts) == 2:
        return f"from {parts[0]} to {parts[1]}"
    if d.kind == "relative":
        spans = [duration_en(p) for p in parts]
        if all(spans):
            return f"within {spans[0]}" if len(spans) == 1 or spans[0] == spans[-1] else f"within {spans[0]} to {spans[-1]}"
    if d.kind == "recurring":
        span = duration_en(d.date)
        if span:
            return f"every {span.removeprefix('1 ')}"
    return None


def target_en(t: Target, metric: Gloss, regions_en: list[str]) -> str:
    """“metric gloss” at least 200 mu by 2025 (in …); parts without English are left out or `…`."""
    what = f"“{metric.line}”" if metric.line else "“…”"
    unit = measure_en(t.unit)
    unit_text = f" {unit}" if unit else ("" if unit == "" else " …")
    if isinstance(t.value, tuple):
        amount = f"between {number(t.value[0])} and {number(t.value[1])}{unit_text}"
    elif t.value is not None:
        comparator = COMPARATOR_EN.get(t.comparator, "")
        amount = f"{comparator} {number(t.value)}{unit_text}".strip()
    else:
        amount = ""
    out = " ".join(x for x in (what, amount) if x)
    if t.year:
        out += f" by {t.year}"
    if regions_en:
        out += f" (in {', '.join(regions_en)})"
    return out


@dataclass
class ProvisionFacts:
    """What the summary may say, already in English where English exists."""
    leads: list[str] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)
    implied: list[str] = field(default_factory=list)
    deadlines: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    is_task: bool = False


def summary(f: ProvisionFacts) -> str:
    parts = []
    if f.leads:
        parts.append("Lead: " + "; ".join(f.leads) + ".")
    elif f.implied:
        parts.append("Lead (implied, the issuing body): " + "; ".join(f.implied) + ".")
    elif f.is_task:
        parts.append("Lead: not stated.")
    if f.shared:
        parts.append("Shared by: " + "; ".join(f.shared) + ".")
    if f.deadlines:
        parts.append("Deadline: " + "; ".join(f.deadlines) + ".")
    if f.targets:
        parts.append("Targets: " + "; ".join(f.targets) + ".")
    if f.topics:
        parts.append("Topics: " + "; ".join(f.topics) + ".")
    return " ".join(parts) or "No lead, deadline, target or topic recorded."


def topic_names_en(concepts: list[str]) -> list[str]:
    labels = topic_labels()
    return [labels[c]["en"] for c in concepts if c in labels]
