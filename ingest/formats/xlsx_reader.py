"""XLSX (a 任务分解表 sheet) -> text, with openpyxl in read-only mode.

Each sheet: rows above the header (a title merged across the columns) become lines, then
the sheet's name when it is not a default one (附件1 — it labels the table); the
header row is the first whose cells name task-table columns (牵头单位, 责任单位, 完成时限 …,
ingest/tables.py); every later row is a task row. Merged cells are carried down (a 类别 or
牵头单位 cell merged over several rows counts for each) and padded across (a cell merged over
two columns is followed by an empty cell). A line break inside a cell (Alt+Enter) starts a
new line of that cell. Dates read as 2023年12月31日, whole numbers without ".0".

Locations: "Sheet!C7"; a value carried from a merged range points to the range's first cell.
"""
from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

from policykg.errors import DecodeError
from policykg.ingest.formats.base import MAX_XLSX_CELLS, Cell, TextBuilder, check_zip, open_zip

_DEFAULT_SHEET = re.compile(r"^(sheet|工作表)\s*\d*$", re.I)
_CELL_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def read_xlsx(path: Path, name: str | None = None):
    name = name or str(path)
    check_zip(path, name)
    import openpyxl
    from openpyxl.utils import get_column_letter
    handle = open(path, "rb")         # a file object: openpyxl judges file names by extension
    try:
        wb = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except (KeyError, ValueError, OSError, zipfile.BadZipFile) as err:
        handle.close()
        raise DecodeError(f"{name}: not a readable Excel workbook ({err})") from None
    builder = TextBuilder(name)
    try:
        sheets = []
        cells_seen = 0
        for ws in wb.worksheets:
            rows = []
            for row in ws.iter_rows(values_only=True):
                rows.append(list(row))
                cells_seen += len(row)
                if cells_seen > MAX_XLSX_CELLS:
                    raise DecodeError(f"{name}: more than {MAX_XLSX_CELLS:,} cells, more than a task sheet has")
            merges = _merged_ranges(path, getattr(ws, "_worksheet_path", None), name)
            sheets.append((ws.title, rows, merges))
    finally:
        wb.close()
        handle.close()
    with_content = [s for s in sheets if any(_text(v) for row in s[1] for v in row)]
    for title, rows, merges in with_content:
        _sheet(builder, title, rows, merges, len(with_content) > 1, get_column_letter)
    extracted = builder.result("xlsx")
    if not extracted.text.strip():
        raise DecodeError(f"{name}: an Excel workbook with no text")
    return extracted


def _merged_ranges(path: Path, sheet_path: str | None, name: str) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of <mergeCell ref="B3:B8"/>, read by streaming the
    sheet XML (read-only openpyxl does not report them)."""
    if not sheet_path:
        return []
    from xml.etree.ElementTree import iterparse
    from openpyxl.utils import column_index_from_string
    out = []
    with open_zip(path, name) as zf:
        try:
            member = zf.open(sheet_path.lstrip("/"))
        except KeyError:
            return []
        with member:
            for _, el in iterparse(member, events=("end",)):
                if el.tag.endswith("}mergeCell"):
                    ref = el.get("ref") or ""
                    a, _, b = ref.partition(":")
                    ma, mb = _CELL_REF.match(a), _CELL_REF.match(b or a)
                    if ma and mb:
                        out.append((int(ma.group(2)), column_index_from_string(ma.group(1)),
                                    int(mb.group(2)), column_index_from_string(mb.group(1))))
                el.clear()
    return out


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and (value.hour, value.minute, value.second) == (0, 0, 0):
        value = value.date()
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value).strip()


def _sheet(builder: TextBuilder, title: str, rows: list[list], merges, several: bool, letter) -> None:
    from policykg.ingest.tables import _is_header
    grid = [[_text(v) for v in row] for row in rows]
    origin: dict[tuple[int, int], tuple[int, int]] = {}        # (row, col) 1-based -> source cell
    for r0, c0, r1, c1 in merges:
        if (r1 - r0 + 1) * (c1 - c0 + 1) > MAX_XLSX_CELLS:
            continue
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    origin[(r, c)] = (r0, c0) if c == c0 else (-1, -1)      # padded across: empty
    width = max((max((i + 1 for i, v in enumerate(row) if v), default=0) for row in grid), default=0)

    def value(r: int, c: int) -> tuple[str, str]:
        src = origin.get((r, c), (r, c))
        if src == (-1, -1):
            return "", ""
        sr, sc = src
        text = grid[sr - 1][sc - 1] if sr - 1 < len(grid) and sc - 1 < len(grid[sr - 1]) else ""
        return text, f"{title}!{letter(sc)}{sr}"

    header_row = None
    for r in range(1, len(grid) + 1):
        cells = [value(r, c)[0] for c in range(1, width + 1)]
        if _is_header(cells):
            header_row = r
            break
    if header_row is None:
        header_row = next((r for r in range(1, len(grid) + 1) if any(grid[r - 1])), 1)
    for r in range(1, header_row):
        for c in range(1, width + 1):
            text, loc = value(r, c)
            if text and origin.get((r, c)) is None:
                for part in text.splitlines():
                    builder.line([(part, loc)])
    # The sheet's name labels its table (附件1), after the title rows: the first line of the
    # text is the document's title.
    if (several or title.startswith("附件")) and not _DEFAULT_SHEET.match(title):
        builder.line([(title, f"{title}!A1")])
    table = []
    for r in range(header_row, len(grid) + 1):
        row = []
        for c in range(1, width + 1):
            text, loc = value(r, c)
            row.append(Cell([[(part, loc)] for part in text.splitlines() if part.strip()]))
        if any(cell.lines for cell in row) and (r == header_row or any(grid[r - 1])):
            table.append(row)
    builder.table(table)
