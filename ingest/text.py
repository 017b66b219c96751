"""Small helpers over a provision's own text: sentences, clauses, masked spans."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

SENTENCE_END = "。;；!！?？\n"
CLAUSE_END = SENTENCE_END + ",，:："


@dataclass(frozen=True)
class Piece:
    start: int
    end: int


@lru_cache(maxsize=8)
def _splitter(ends: str) -> re.Pattern:
    chars = re.escape(ends)
    return re.compile(f"[^{chars}]*[{chars}]|[^{chars}]+")


def pieces(text: str, spans: list[tuple[int, int]], ends: str) -> list[Piece]:
    """Split the given spans of `text` after any character of `ends` (kept in the piece)."""
    splitter = _splitter(ends)
    return [Piece(m.start(), m.end()) for start, end in spans
            for m in splitter.finditer(text, start, end) if m.end() > m.start()]


def sentences(text: str, spans: list[tuple[int, int]]) -> list[Piece]:
    return pieces(text, spans, SENTENCE_END)


def clauses(text: str, spans: list[tuple[int, int]]) -> list[Piece]:
    return pieces(text, spans, CLAUSE_END)


def quoted_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of titles in 《》: years and periods inside them belong to another document."""
    return [m.span() for m in re.finditer(r"《[^》]{0,120}》", text[:end]) if m.start() >= start]


def inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def containing(pieces_: list[Piece], pos: int) -> Piece | None:
    for piece in pieces_:
        if piece.start <= pos < piece.end:
            return piece
    return None
