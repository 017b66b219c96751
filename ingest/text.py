"""Small helpers over a provision's own text: sentences, clauses, masked spans."""
from __future__ import annotations

import re
from dataclasses import dataclass

SENTENCE_END = "。;；!！?？\n"
CLAUSE_END = SENTENCE_END + ",，:："


@dataclass(frozen=True)
class Piece:
    start: int
    end: int


def pieces(text: str, spans: list[tuple[int, int]], ends: str) -> list[Piece]:
    """Split the given spans of `text` at any character of `ends` (kept in the piece)."""
    out = []
    for start, end in spans:
        begin = start
        for i in range(start, end):
            if text[i] in ends:
                if i + 1 > begin:
                    out.append(Piece(begin, i + 1))
                begin = i + 1
        if end > begin:
            out.append(Piece(begin, end))
    return out


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
