"""Term-by-term English glosses of headings and target metrics.

The opposite of the name renderer (ingest/english.py): a gloss never guesses. Each term comes
from the glossary (ontology/glossary_en.tsv), a known place, or is a number or Latin word
standing as written; any other word stays Chinese, with no English, and is reported so.
"""
from __future__ import annotations

import re
from functools import lru_cache

from policykg.ingest.english import (
    CJK, Place, _full_width, _jieba_words, _known_places, _known_places_any, _tsv,
)


# ---------------------------------------------------------------- heading glosses

@lru_cache(maxsize=1)
def glossary() -> dict[str, str]:
    return {_full_width(zh): en for zh, en, *_ in _tsv("glossary_en.tsv") if en}


def gloss_heading(heading: str) -> list[tuple[str, str | None]]:
    """Term-by-term gloss: longest glossary match at each position; what the glossary lacks
    is cut by jieba and returned as (word, None): Chinese, untranslated, never guessed."""
    terms, pattern = _glossary_matcher()
    out: list[tuple[str, str | None]] = []
    text, at = heading.strip(), 0
    # Alternatives longest first, so each match is the longest term starting there.
    for m in pattern.finditer(text) if pattern else ():
        out += _uncovered(text[at:m.start()])
        out.append((m.group(0), terms[m.group(0)]))
        at = m.end()
    return out + _uncovered(text[at:])


@lru_cache(maxsize=1)
def _glossary_matcher() -> tuple[dict[str, str], re.Pattern | None]:
    terms = glossary()
    keys = sorted(terms, key=len, reverse=True)
    return terms, (re.compile("|".join(re.escape(k) for k in keys)) if keys else None)


def _uncovered(text: str) -> list[tuple[str, str | None]]:
    """Words the glossary lacks; punctuation and spaces are not words and are dropped."""
    words = _jieba_words(text) if text else []
    return [(w, None) for w in words if re.search(r"[\w\u3400-\u9fff]", w)]


# ---------------------------------------------------------------- glosses of any short text

SILENT = {"的", "之"}      # structural particles: no gloss, and nothing left untranslated
GAP = "…"                  # where a gloss leaves a word in Chinese


def gloss_terms(text: str, city: str | None = None) -> list[tuple[str, str | None]]:
    """`gloss_heading` for headings and target metrics alike, plus what needs no dictionary:
    numbers and Latin letters stand as written, known places take their gazetteer English,
    particles (的) are dropped. (word, None) is still a word left in Chinese."""
    return list(_gloss_terms(text, city))


@lru_cache(maxsize=16384)        # headings and metrics repeat across documents
def _gloss_terms(text: str, city: str | None) -> tuple[tuple[str, str | None], ...]:
    out: list[tuple[str, str | None]] = []
    for piece, place in _place_pieces(text, city):
        if place:
            out.append((piece, place))
        else:
            out += _gloss_piece(piece, city)
    return tuple(out)


def _place_pieces(text: str, city: str | None) -> list[tuple[str, str | None]]:
    """`text` cut at the known place names in it (文旅新区 stays whole, not 文旅 + 新区)."""
    places, pattern = _place_matcher(city)
    if pattern is None:
        return [(text, None)]
    pieces, at = [], 0
    for m in pattern.finditer(text.replace("(", "（").replace(")", "）")):
        if m.start() > at:
            pieces.append((text[at:m.start()], None))
        pieces.append((text[m.start():m.end()], places[m.group(0)].noun))
        at = m.end()
    if at < len(text):
        pieces.append((text[at:], None))
    return pieces


@lru_cache(maxsize=64)
def _place_matcher(city: str | None) -> tuple[dict[str, Place], re.Pattern | None]:
    """The places known in `city` and one regex of their forms, longest first (built once
    per city: it has thousands of alternatives)."""
    places = {**_known_places_any(), **_known_places(city)}
    forms = sorted((f for f in places if len(f) >= 2), key=len, reverse=True)
    return places, (re.compile("|".join(re.escape(f) for f in forms)) if forms else None)


def _gloss_piece(text: str, city: str | None) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for zh, en in gloss_heading(text):
        if en is None:
            if not CJK.search(zh):
                en = zh
            elif zh in SILENT:
                continue
            else:
                place = _known_places(city).get(zh) or _known_places_any().get(zh)
                en = place.noun if place else None
        out.append((zh, en))
    return out


def gloss_line(terms: list[tuple[str, str | None]]) -> str | None:
    """The English of a term-by-term gloss, ` · ` between terms and `…` for each word left
    Chinese; None when nothing at all was glossed. Never contains a Chinese character."""
    if not any(en for _, en in terms):
        return None
    parts: list[str] = []
    for _, en in terms:
        part = en if en else GAP
        if not (part == GAP and parts and parts[-1] == GAP):
            parts.append(part)
    return " · ".join(parts)


def untranslated(terms: list[tuple[str, str | None]]) -> list[str]:
    """The words of a gloss left in Chinese, in order, once each."""
    return list(dict.fromkeys(zh for zh, en in terms if not en))
