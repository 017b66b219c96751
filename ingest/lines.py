"""Split a text into lines that remember where they are."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    start: int          # offset of the first character
    end: int            # offset after the last character (newline excluded)
    text: str           # normalised text of the line

    @property
    def stripped(self) -> str:
        return self.text.strip()

    @property
    def content_start(self) -> int:
        """Offset of the first non-blank character."""
        return self.start + (len(self.text) - len(self.text.lstrip()))

    @property
    def content_end(self) -> int:
        return self.start + len(self.text.rstrip())

    @property
    def is_blank(self) -> bool:
        return not self.text.strip()

    @property
    def is_cell(self) -> bool:
        """Table cells converted from Word arrive one per line, opened by a tab."""
        return self.text.startswith("\t")


def split_lines(text: str) -> list[Line]:
    lines, pos = [], 0
    for chunk in text.splitlines(keepends=True):
        body = chunk.rstrip("\r\n")
        lines.append(Line(pos, pos + len(body), body))
        pos += len(chunk)
    return lines
