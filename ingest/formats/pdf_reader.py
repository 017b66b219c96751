"""PDF (with a text layer) -> text, with pdfplumber.

- Page furniture is dropped: lines in the top or bottom margin band whose text (digits
  masked) recurs on at least half of the pages, and page numbers there (— 3 —, 第3页, 3/12).
- Lines are rejoined into paragraphs. A new paragraph starts when the next line starts a
  numbered label (一、 （一） 1． 第X条 …), is indented, changes font size, or follows a
  vertical gap; or when this line stops well short of the right edge; or, in documents
  without first-line indents, when this line ends a sentence. A line whose successor
  opens with closing punctuation (kinsoku wrap) is always joined.
- Tables that pdfplumber finds (ruling lines) become task-table rows; a table continued on the
  next page under a repeated header is one table; cells merged across rows are carried down,
  across columns padded with empty cells; wrapped lines inside a cell are joined, lines that
  stop short (one unit per line) stay lines.
- No text layer -> DecodeError "no text layer (scanned PDF?)"; a password -> DecodeError.

Locations: "page 3 (x0,top,x1,bottom)" in PDF points from the top-left corner, and
"page 3 table 1 row 4 col 2 (…)" for cells.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from policykg.errors import DecodeError
from policykg.ingest.formats.base import MAX_PDF_PAGES, Cell, Line, TextBuilder

_LABEL = re.compile(r"^\s*(第[一二三四五六七八九十百零〇\d]{1,5}[条章节]|[一二三四五六七八九十]{1,3}\s*[、.．]|"
                    r"[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[)）]|\d{1,2}\s*(?:[.．](?!\d)|、)|\d{1,2}\)|"
                    r"[①-⑳]|专栏\s*\d|附件\s*[\d一二三四五六七八九十]{0,2}\s*[:：]?\s*$)")
_PAGE_NUMBER = re.compile(r"^[\s\-—–－―·•]*(第\s*)?\d{1,4}(\s*页)?(\s*[/／]\s*(共\s*)?\d{1,4}\s*页?)?[\s\-—–－―·•]*$"
                          r"|^[\s\-—–－]*[-—–－]\s*\d{1,4}\s*[-—–－][\s\-—–－]*$|^Page\s*\d+(\s*of\s*\d+)?$", re.I)
_SENTENCE_END = tuple("。！？；：!?;:")
_CLOSING = tuple("，。、；：？！”’）》」』】〕,.;:?!)")
_MARGIN = 0.1


@dataclass
class TextLine:
    page: int
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    char_width: float

    @property
    def location(self) -> str:
        return f"page {self.page} ({self.x0:.1f},{self.top:.1f},{self.x1:.1f},{self.bottom:.1f})"


@dataclass
class PdfTable:
    page: int
    top: float
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


def read_pdf(path: Path, name: str | None = None):
    name = name or str(path)
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    try:
        try:
            pdf = pdfplumber.open(str(path))
        except Exception as err:                      # pdfplumber wraps pdfminer's errors
            cause = err.args[0] if err.args and isinstance(err.args[0], Exception) else err
            raise cause from None
    except PDFPasswordIncorrect:
        raise DecodeError(f"{name}: an encrypted PDF; it needs a password to open (remove the protection "
                          "and try again)") from None
    except PDFEncryptionError as err:
        raise DecodeError(f"{name}: an encrypted PDF that cannot be decrypted ({err})") from None
    with pdf:
        if len(pdf.pages) > MAX_PDF_PAGES:
            raise DecodeError(f"{name}: {len(pdf.pages):,} pages, more than the {MAX_PDF_PAGES:,} a policy "
                              "document may have")
        pages = []
        for number, page in enumerate(pdf.pages, start=1):
            pages.append(_read_page(page, number))
            page.close()
    builder = TextBuilder(name)
    chars = sum(len(l.text.strip()) for items, _ in pages for l in items if isinstance(l, TextLine)) + \
        sum(1 for items, _ in pages for t in items if isinstance(t, PdfTable))
    if chars < 20:
        raise DecodeError(f"{name}: no text layer (scanned PDF?); run OCR on it first "
                          "(e.g. ocrmypdf --language chi_sim) and read the result")
    furniture = _furniture([items for items, _ in pages], [height for _, height in pages])
    elements = [e for items, _ in pages for e in items if not (isinstance(e, TextLine) and id(e) in furniture)]
    _write(builder, elements)
    extracted = builder.result("pdf")
    if "(cid:" in extracted.text:
        extracted.warnings.append(f"{name}: some characters have no Unicode mapping in the PDF (shown as (cid:N))")
    return extracted


def _read_page(page, number: int):
    """Text lines outside tables and the tables of one page, in reading order."""
    try:
        tables = page.find_tables()
    except Exception:                      # table finding is a heuristic; text is still read
        tables = []
    text_page = page
    for table in tables:
        text_page = text_page.outside_bbox(table.bbox)
    items: list = [_line(l, number) for l in text_page.extract_text_lines(return_chars=True) if l["text"].strip()]
    for index, table in enumerate(tables, start=1):
        items.append(_table(page, table, number, index))
    items.sort(key=lambda e: e.top)
    return items, float(page.height)


def _line(raw: dict, page: int) -> TextLine:
    chars = [c for c in raw["chars"] if c["text"].strip()]
    size = statistics.median([c["size"] for c in chars]) if chars else 0.0
    width = statistics.median([c["x1"] - c["x0"] for c in chars]) if chars else size
    return TextLine(page, raw["text"].strip(), raw["x0"], raw["x1"], raw["top"], raw["bottom"], size, width or size)


def _table(page, table, number: int, index: int) -> PdfTable:
    rows = table.rows
    columns = _column_ranges(rows)
    grid: list[list[Cell]] = []
    for r, row in enumerate(rows, start=1):
        cells: list[Cell] = []
        for c, bbox in enumerate(row.cells):
            if bbox is None:
                if _covered_from_left(row.cells, c, columns) or not grid or c >= len(grid[-1]):
                    cells.append(Cell([]))
                else:
                    cells.append(grid[-1][c])      # merged with the cell above: carried down
                continue
            location = (f"page {number} table {index} row {r} col {c + 1} "
                        f"({bbox[0]:.1f},{bbox[1]:.1f},{bbox[2]:.1f},{bbox[3]:.1f})")
            cells.append(Cell(_cell_lines(page, bbox, location)))
        grid.append(cells)
    header = [" ".join(t for line in cell.lines for t, _ in line) for cell in grid[0]] if grid else []
    return PdfTable(number, table.bbox[1], header, grid)


def _column_ranges(rows) -> list[tuple[float, float] | None]:
    width = max((len(r.cells) for r in rows), default=0)
    out: list[tuple[float, float] | None] = [None] * width
    for row in rows:
        for c, bbox in enumerate(row.cells):
            if bbox is not None and out[c] is None:
                out[c] = (bbox[0], bbox[2])
    return out


def _covered_from_left(cells, c: int, columns) -> bool:
    if columns[c] is None:
        return True
    centre = (columns[c][0] + columns[c][1]) / 2
    for left in range(c - 1, -1, -1):
        if cells[left] is not None:
            return cells[left][2] > centre
    return False


def _cell_lines(page, bbox, location: str) -> list[Line]:
    try:
        region = page.within_bbox(bbox)
    except ValueError:
        return []
    raw = [l for l in region.extract_text_lines(return_chars=True) if l["text"].strip()]
    lines = [_line(l, 0) for l in raw]
    out: list[Line] = []
    current: Line = []
    for i, line in enumerate(lines):
        current.append((line.text, location))
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if nxt is None:
            break
        pad = max(line.x0 - bbox[0], 0.0)
        full = bbox[2] - line.x1 - pad < 1.0 * line.char_width
        if full or nxt.text.startswith(_CLOSING):
            continue                               # wrapped: the cell text goes on
        out.append(current)
        current = []
    if current:
        out.append(current)
    return out


def _furniture(pages: list[list], heights: list[float]) -> set[int]:
    """ids of header/footer lines: in the margin bands, recurring (digits masked) on at least
    half of the pages, or a page number."""
    drop: set[int] = set()
    counts: Counter = Counter()
    banded = []
    for items, height in zip(pages, heights):
        seen = set()
        for e in items:
            if isinstance(e, TextLine) and (e.top < _MARGIN * height or e.bottom > (1 - _MARGIN) * height):
                key = re.sub(r"\d+", "#", re.sub(r"\s+", "", e.text))
                banded.append((e, key))
                if key not in seen:
                    seen.add(key)
                    counts[key] += 1
    n = len(pages)
    for e, key in banded:
        if _PAGE_NUMBER.match(e.text) or (n >= 2 and counts[key] >= max(2, n / 2)):
            drop.add(id(e))
    return drop


def _write(builder: TextBuilder, elements: list) -> None:
    body = [e for e in elements if isinstance(e, TextLine)]
    left = _mode([round(l.x0) for l in body]) if body else 0
    right = max((l.x1 for l in body), default=0)
    widths = [l.char_width for l in body if l.char_width]
    char = statistics.median(widths) if widths else 10.0
    indented = sum(1 for l in body if char * 1.2 < l.x0 - left < char * 3.5)
    indent_mode = indented >= 3
    paragraph: Line = []
    last_table: PdfTable | None = None
    previous: TextLine | None = None
    for element in elements:
        if isinstance(element, PdfTable):
            if paragraph:
                builder.line(paragraph)
                paragraph = []
            previous = None
            if last_table is not None and element.page == last_table.page + 1 and \
                    len(element.header) == len(last_table.header):
                rows = element.rows[1:] if element.header == last_table.header else element.rows
                last_table.rows += rows                     # continued under a repeated header
                last_table.page = element.page
                continue
            if last_table is not None:
                builder.table(last_table.rows)
            last_table = element
            continue
        if last_table is not None:
            builder.table(last_table.rows)
            last_table = None
        if previous is not None and _joins(previous, element, left, right, char, indent_mode):
            if previous.text[-1:].isascii() and previous.text[-1:].isalnum() and element.text[:1].isascii() \
                    and element.text[:1].isalnum():
                paragraph.append((" ", None))
            paragraph.append((element.text, element.location))
        else:
            if paragraph:
                builder.line(paragraph)
            paragraph = [(element.text, element.location)]
        previous = element
    if paragraph:
        builder.line(paragraph)
    if last_table is not None:
        builder.table(last_table.rows)


def _joins(prev: TextLine, nxt: TextLine, left: float, right: float, char: float, indent_mode: bool) -> bool:
    if nxt.text.startswith(_CLOSING):
        return True
    if _LABEL.match(nxt.text):
        return False
    if abs(prev.size - nxt.size) > 0.6:
        return False
    if nxt.page == prev.page and nxt.top - prev.bottom > max(prev.bottom - prev.top, nxt.bottom - nxt.top) * 1.2:
        return False
    if nxt.x0 - left > char * 1.2:                     # indented (or centred)
        return False
    if prev.x1 < right - 3.5 * char:                    # stops short of the right edge
        return False
    if prev.x0 - left > char * 3.5:                     # a centred line
        return False
    if not indent_mode and prev.text.endswith(_SENTENCE_END):
        return False
    return True


def _mode(values: list[int]) -> int:
    return Counter(values).most_common(1)[0][0] if values else 0
