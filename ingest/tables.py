"""Task-breakdown tables (任务分解表) in the two shapes text exports give them:

- one cell per line, each cell opened by a tab, a blank line before each row, and cell
  text broken over several lines (市经济和信 / 息化局);
- one row per line, cells separated by tabs.

Columns get roles from their header words (牵头单位 -> lead …, data in structure.toml).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from policykg.ingest.lines import Line
from policykg.ingest.patterns import load_patterns

Fragment = tuple[int, int]          # a piece of a cell on one physical line


@dataclass
class Row:
    start: int
    end: int
    cells: dict[str, list[list[Fragment]]] = field(default_factory=dict)  # role -> cells
    number_text: str | None = None


@dataclass
class Table:
    columns: list[str]               # role per column: number/task/lead/…/other
    rows: list[Row]
    next_line: int                   # index of the first line after the table


@lru_cache(maxsize=1)
def _table_words() -> dict:
    return load_patterns("structure")["tables"]


def column_role(header: str) -> str:
    words = _table_words()
    header = re.sub(r"\s+", "", header)
    for role in ("number", "lead", "responsible", "deadline", "category", "task"):
        if any(w == header or (len(w) > 1 and w in header) for w in words[role]):
            return role
    return "other"


def _is_header(cells: list[str]) -> bool:
    words = _table_words()
    hits = sum(1 for c in cells if re.sub(r"\s+", "", c) in words["header_words"])
    roles = {column_role(c) for c in cells}
    return hits >= words["min_header_cells"] and ("lead" in roles or "responsible" in roles or "task" in roles)


def find_table(lines: list[Line], index: int, text: str) -> Table | None:
    line = lines[index]
    if line.text.count("\t") >= 2 and not line.is_cell:
        cells = line.text.split("\t")
        if _is_header(cells):
            return _row_per_line(lines, index, [column_role(c) for c in cells])
    if line.is_cell:
        header, after = _cell_run(lines, index)
        if _is_header([lines[i].stripped for i in header]):
            return _cell_per_line(lines, after, [column_role(lines[i].stripped) for i in header], text)
    return None


def _cell_run(lines: list[Line], index: int) -> tuple[list[int], int]:
    run = []
    while index < len(lines) and lines[index].is_cell:
        run.append(index)
        index += 1
    return run, index


def _row_per_line(lines: list[Line], index: int, columns: list[str]) -> Table:
    rows, index = [], index + 1
    while index < len(lines) and lines[index].text.count("\t") >= 1 and not lines[index].is_blank:
        line, pos, row = lines[index], lines[index].start, Row(lines[index].start, lines[index].end)
        for role, cell in zip(columns, line.text.split("\t")):
            span = _trim((pos, pos + len(cell)), line, pos)
            row.cells.setdefault(role, []).append([span] if span else [])
            pos += len(cell) + 1
        _set_number(row, lines[index].text.split("\t")[0].strip())
        rows.append(row)
        index += 1
    return Table(columns, rows, index)


def _trim(span: Fragment, line: Line, pos: int) -> Fragment | None:
    start, end = span
    piece = line.text[start - line.start:end - line.start]
    lead = len(piece) - len(piece.lstrip())
    tail = len(piece.rstrip())
    return (start + lead, start + tail) if piece.strip() else None


def _cell_per_line(lines: list[Line], index: int, columns: list[str], text: str) -> Table:
    rows: list[list[list[Fragment]]] = []
    current: list[list[Fragment]] | None = None
    blank_before = True
    while index < len(lines):
        line = lines[index]
        if line.is_blank and not line.is_cell:     # a lone tab is an empty cell, not a gap
            blank_before = True
            index += 1
            continue
        if line.is_cell:
            if blank_before or current is None:
                current = []
                rows.append(current)
            current.append(_fragments(line))
        elif blank_before and _ends_table(line):
            break
        elif current:
            current[-1].extend(_fragments(line))
        else:
            break
        blank_before = False
        index += 1
    return Table(columns, [_to_row(cells, columns, text) for cells in rows if cells], index)


def _ends_table(line: Line) -> bool:
    """After a blank line, a sentence or a numbered heading is body text again."""
    text = line.stripped
    return "。" in text or len(text) > 30 or bool(re.match(r"^(注|附件|第.{1,3}[条章]|[一二三四五六七八九十]+、)", text))


def _fragments(line: Line) -> list[Fragment]:
    text = line.text
    stripped = text.strip()
    if not stripped:
        return []
    start = line.start + (len(text) - len(text.lstrip()))
    return [(start, start + len(stripped))]


def _to_row(cells: list[list[Fragment]], columns: list[str], text: str) -> Row:
    spans = [f for cell in cells for f in cell]
    start = min((f[0] for f in spans), default=0)
    end = max((f[1] for f in spans), default=0)
    row = Row(start, end)
    for role, cell in zip(columns, cells):
        row.cells.setdefault(role, []).append(cell)
    number = "".join(text[a:b] for a, b in cells[0]) if cells and columns and columns[0] == "number" else ""
    _set_number(row, number.strip())
    return row


def _set_number(row: Row, number: str) -> None:
    if re.fullmatch(r"\d{1,4}|[一二三四五六七八九十]{1,3}", number):
        row.number_text = number


def cell_text(text: str, cell: list[Fragment], joiner: str = "") -> str:
    return joiner.join(text[a:b] for a, b in cell)
