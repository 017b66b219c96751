"""DOCX -> text: body paragraphs in order with their automatic numbering rendered, tables as
task-table rows (vertically merged cells carried down, horizontally merged cells followed by
empty cells so that columns stay aligned, empty cells kept).

Locations: p[i] — the i-th paragraph of the body (1-based: python-docx `Document.paragraphs[i-1]`);
tbl[t]/tr[r]/tc[c] — table t of the body, row r, grid column c (1-based: `tables[t-1].cell(r-1, c-1)`,
which python-docx resolves to the merged cell); sdt[k]/p[i] for paragraphs in content controls.
"""
from __future__ import annotations

from pathlib import Path

from policykg.errors import DecodeError
from policykg.ingest.formats.base import Cell, Line, TextBuilder, check_zip
from policykg.ingest.formats.numbering import W, Numbering

MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIP_INSIDE = {W + "txbxContent", MC_FALLBACK, W + "del", W + "moveFrom"}
_TEXT_TAGS = {W + "t", W + "tab", W + "br", W + "cr", W + "noBreakHyphen", W + "sym", W + "ptab"}


def read_docx(path: Path, name: str | None = None):
    name = name or str(path)
    check_zip(path, name)
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    try:
        document = docx.Document(str(path))
    except PackageNotFoundError:
        raise DecodeError(f"{name}: not a Word document (no main document part)") from None
    except (KeyError, ValueError) as err:
        raise DecodeError(f"{name}: a damaged Word document ({err})") from None
    part = document.part
    try:
        numbering_el = part.numbering_part.element
    except (NotImplementedError, KeyError):
        numbering_el = None
    try:
        styles_el = part.styles.element if hasattr(part, "styles") else document.styles.element
    except (NotImplementedError, KeyError):
        styles_el = None
    reader = _Reader(Numbering(numbering_el, styles_el), name)
    reader.body(document.element.body)
    extracted = reader.out.result("docx")
    if not extracted.text.strip():
        raise DecodeError(f"{name}: a Word document with no text")
    return extracted


def paragraph_text(p) -> str:
    """Runs, hyperlinks, tabs and breaks of one w:p, without deleted text, text boxes or the
    fallback copy of alternate content."""
    out = []
    for el in p.iter(*_TEXT_TAGS):
        if _inside_skipped(el, p):
            continue
        tag = el.tag
        if tag == W + "t":
            out.append(el.text or "")
        elif tag in (W + "tab", W + "ptab"):
            out.append("\t")
        elif tag == W + "br":
            out.append("\n" if el.get(W + "type") in (None, "textWrapping") else "\n")
        elif tag == W + "cr":
            out.append("\n")
        elif tag == W + "noBreakHyphen":
            out.append("-")
        elif tag == W + "sym":
            code = el.get(W + "char") or ""
            try:
                ch = chr(int(code, 16))
                out.append(ch if not ("\ue000" <= ch <= "\uf8ff" or ch < " ") else "")
            except ValueError:
                pass
    return "".join(out)


def _inside_skipped(el, stop) -> bool:
    node = el.getparent()
    while node is not None and node is not stop:
        if node.tag in _SKIP_INSIDE:
            return True
        node = node.getparent()
    return False


class _Reader:
    def __init__(self, numbering: Numbering, name: str):
        self.numbering = numbering
        self.out = TextBuilder(name)
        self.p_index = 0
        self.t_index = 0
        self.sdt_index = 0

    def body(self, body) -> None:
        for child in body.iterchildren():
            if child.tag == W + "p":
                self.p_index += 1
                self._paragraph(child, f"p[{self.p_index}]")
            elif child.tag == W + "tbl":
                self.t_index += 1
                self._table(child, f"tbl[{self.t_index}]")
            elif child.tag == W + "sdt":
                self.sdt_index += 1
                self._sdt(child, f"sdt[{self.sdt_index}]")

    def _sdt(self, sdt, prefix: str) -> None:
        content = sdt.find(W + "sdtContent")
        if content is None:
            return
        index = 0
        for child in content.iterchildren():
            if child.tag == W + "p":
                index += 1
                self._paragraph(child, f"{prefix}/p[{index}]")
            elif child.tag == W + "tbl":
                self.t_index += 1
                self._table(child, f"tbl[{self.t_index}]")

    def _paragraph(self, p, location: str) -> None:
        for line in self.lines(p, location):
            self.out.line(line)

    def lines(self, p, location: str) -> list[Line]:
        label = self.numbering.label(p)
        text = paragraph_text(p)
        pieces = text.split("\n")
        lines: list[Line] = []
        for i, piece in enumerate(pieces):
            segs: Line = []
            if i == 0 and label and (text.strip() or label.strip()):
                segs.append((label, location))
            if piece:
                segs.append((piece, location))
            lines.append(segs)
        return lines

    def _cell_lines(self, tc, location: str) -> list[Line]:
        lines: list[Line] = []
        for child in tc.iterchildren():
            if child.tag == W + "p":
                lines += [l for l in self.lines(child, location) if any(t.strip() for t, _ in l)]
            elif child.tag == W + "tbl":              # a nested table: its cells as lines
                for row in self._grid(child, location):
                    for cell in row:
                        lines += cell.lines
            elif child.tag == W + "sdt":
                content = child.find(W + "sdtContent")
                for p in (content.iter(W + "p") if content is not None else []):
                    lines += [l for l in self.lines(p, location) if any(t.strip() for t, _ in l)]
        return lines

    def _grid(self, tbl, prefix: str) -> list[list[Cell]]:
        rows: list[list[Cell]] = []
        above: dict[int, Cell] = {}                  # grid column -> cell a vMerge continues
        r = 0
        for tr in tbl.iterchildren(W + "tr"):
            r += 1
            row: list[Cell] = []
            trpr = tr.find(W + "trPr")
            before = _int(trpr.find(W + "gridBefore") if trpr is not None else None, 0)
            row += [Cell([]) for _ in range(before)]
            col = before
            for tc in _cells(tr):
                tcpr = tc.find(W + "tcPr")
                span = _int(tcpr.find(W + "gridSpan") if tcpr is not None else None, 1)
                vmerge = tcpr.find(W + "vMerge") if tcpr is not None else None
                location = f"{prefix}/tr[{r}]/tc[{col + 1}]"
                if vmerge is not None and vmerge.get(W + "val") in (None, "continue") and col in above:
                    cell = above[col]
                else:
                    cell = Cell(self._cell_lines(tc, location))
                    if vmerge is not None:
                        above[col] = cell
                    else:
                        above.pop(col, None)
                row.append(cell)
                row += [Cell([]) for _ in range(span - 1)]
                col += span
            rows.append(row)
        return rows

    def _table(self, tbl, prefix: str) -> None:
        rows = self._grid(tbl, prefix)
        rows = [r for r in rows if r]
        if not rows:
            return
        width = max(len(r) for r in rows)
        first = [c for c in rows[0] if _has_text(c)]
        if len(rows) > 1 and width > 1 and len(first) == 1 and sum(1 for c in rows[0] if c is first[0]) == 1 \
                and all(not _has_text(c) for c in rows[0] if c is not first[0]):
            for line in first[0].lines:              # a title row spanning the table
                self.out.line(line)
            rows = rows[1:]
        self.out.table(rows)


def _cells(tr):
    """w:tc of a row, including those wrapped in content controls or custom XML."""
    for child in tr.iterchildren():
        if child.tag == W + "tc":
            yield child
        elif child.tag in (W + "sdt", W + "customXml"):
            content = child.find(W + "sdtContent") if child.tag == W + "sdt" else child
            if content is not None:
                yield from content.iterchildren(W + "tc")


def _has_text(cell: Cell) -> bool:
    return any(t.strip() for line in cell.lines for t, _ in line)


def _int(el, default: int) -> int:
    if el is None:
        return default
    value = el.get(W + "val") or ""
    return max(1, min(int(value), 63)) if value.isdigit() else default
