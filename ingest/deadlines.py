"""Deadlines of a provision (FORMAT.md): by, period, recurring, relative.

Reads the normalised text; returns Deadline records whose `text` is sliced from the
original, so it reads as printed.
"""
from __future__ import annotations

import calendar
import re
from functools import lru_cache

from policykg.ingest.metadata import five_year_plan_start
from policykg.ingest.models import Deadline
from policykg.ingest.numbers import parse_number
from policykg.ingest.patterns import load_patterns
from policykg.ingest.text import Piece, inside, sentences


@lru_cache(maxsize=1)
def _rx() -> dict:
    data = load_patterns("deadlines")
    return {
        "year": re.compile(data["by"]["year"]),
        "plan": re.compile(data["by"]["plan"]),
        "range": re.compile(data["period"]["range"]),
        "recurring": re.compile("|".join(sorted(map(re.escape, data["recurring"]["words"]), key=len, reverse=True))),
        "within": re.compile(data["relative"]["within"]),
        "span": re.compile(data["relative"]["span"]),
        "data": data,
    }


def is_past_sentence(text: str) -> bool:
    past, future = _context_words()
    return bool(past.search(text)) and not future.search(text)


@lru_cache(maxsize=1)
def _context_words() -> tuple[re.Pattern, re.Pattern]:
    """The past/future word lists as one regex each (asked of every sentence)."""
    ctx = _rx()["data"]["context"]
    return tuple(re.compile("|".join(map(re.escape, ctx[k])) or "(?!)") for k in ("past", "future"))


def find_deadlines(text: str, original: str, spans: list[tuple[int, int]],
                   masked: list[tuple[int, int]], has_target) -> list[Deadline]:
    """Deadlines in `spans` of `text`, skipping `masked` spans (《titles》, unit brackets).

    `has_target(piece)` tells whether a sentence sets a quantified target; a period phrase
    binds a duty only in such a sentence (or one that says 力争/确保)."""
    found: list[Deadline] = []
    for sentence in sentences(text, spans):
        body = text[sentence.start:sentence.end]
        if is_past_sentence(body):
            continue
        taken: list[tuple[int, int]] = list(masked)
        for finder in (_ranges, _plans, _years, _recurring, _relative):
            for deadline in finder(text, sentence, taken, has_target):
                deadline.text = original[deadline.start:deadline.end]
                taken.append((deadline.start, deadline.end))
                found.append(deadline)
    return _dedupe(sorted(found, key=lambda d: d.start))


def _dedupe(deadlines: list[Deadline]) -> list[Deadline]:
    seen, out = set(), []
    for d in deadlines:
        if (d.date, d.kind) not in seen:
            seen.add((d.date, d.kind))
            out.append(d)
    return out


def _free(match: re.Match, taken) -> bool:
    return not inside(match.start(), taken) and not inside(match.end() - 1, taken)


def _ranges(text, sentence: Piece, taken, has_target):
    for m in _rx()["range"].finditer(text, sentence.start, sentence.end):
        first, last = int(m.group(1)), int(m.group(2))
        if _free(m, taken) and 1949 < first <= last < 2100:
            yield Deadline("", f"{first}-01-01/{last}-12-31", "period", m.start(), m.end())


def _plans(text, sentence: Piece, taken, has_target):
    kinds = _rx()["data"]["by"]["plan_kinds"]
    markers = _rx()["data"]["context"]["duty_markers"]
    body = text[sentence.start:sentence.end]
    for m in _rx()["plan"].finditer(text, sentence.start, sentence.end):
        if not _free(m, taken):
            continue
        start = five_year_plan_start(10 + int(parse_number(m.group(1))))
        kind = kinds[m.group(2)]
        if kind == "by":
            yield Deadline("", f"{start + 4}-12-31", "by", m.start(), m.end())
        elif has_target(sentence) or any(w in body for w in markers):
            yield Deadline("", f"{start}-01-01/{start + 4}-12-31", "period", m.start(), m.end())


def _years(text, sentence: Piece, taken, has_target):
    markers = _rx()["data"]["by"]["markers_before"]
    for m in _rx()["year"].finditer(text, sentence.start, sentence.end):
        if not _free(m, taken) or not 1949 < int(m.group(1)) < 2100:
            continue
        if m.end() < len(text) and text[m.end()] in "-—~" :
            continue
        prefix = text[max(sentence.start, m.start() - 3):m.start()]
        marked = (text[m.start()] in "到至截" or m.group(4) or m.group(5)
                  or any(prefix.endswith(w) for w in markers))
        before = text[sentence.start:m.start()].strip(" \t“\"")
        opens = not before and text[m.end():m.end() + 1] in ",，"
        alone = not before and not text[m.end():sentence.end].strip(" \t。.;；\n")   # a 完成时限 cell
        if marked or opens or alone:
            yield Deadline("", _by_date(m), "by", m.start(), m.end())


def _by_date(m: re.Match) -> str:
    year, month, day, part = int(m.group(1)), m.group(2), m.group(3), m.group(4)
    if month:
        month = int(month)
        day = int(day) if day else calendar.monthrange(year, month)[1]
        return f"{year:04d}-{month:02d}-{day:02d}"
    if part == "上半年":
        return f"{year:04d}-06-30"
    return f"{year:04d}-12-31"


def _recurring(text, sentence: Piece, taken, has_target):
    data = _rx()["data"]["recurring"]
    for m in _rx()["recurring"].finditer(text, sentence.start, sentence.end):
        after = text[m.end():min(sentence.end, m.end() + data["amount_window"])]
        if not _free(m, taken) or any(w in after for w in data["amount_words"]):
            continue
        yield Deadline("", data["words"][m.group()], "recurring", m.start(), m.end())


def _relative(text, sentence: Piece, taken, has_target):
    not_after = _rx()["data"]["relative"]["not_after"]
    for m in list(_rx()["span"].finditer(text, sentence.start, sentence.end)) + \
            list(_rx()["within"].finditer(text, sentence.start, sentence.end)):
        before = text[max(sentence.start, m.start() - 4):m.start()]
        if not _free(m, taken) or any(w in before for w in not_after):
            continue
        duration = _duration(m)
        if duration:
            yield Deadline("", duration, "relative", m.start(), m.end())


def _duration(m: re.Match) -> str | None:
    groups = [g for g in m.groups()]
    unit = "Y" if groups[-1] == "年" else "M"
    low = parse_number(groups[0])
    high = parse_number(groups[1]) if len(groups) == 3 and groups[1] else None
    if low is None:
        return None
    if high is not None:
        return f"P{int(low)}{unit}/P{int(high)}{unit}"
    return f"P{int(low)}{unit}"
