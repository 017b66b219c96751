"""What every reader returns, the text builder they share, and the limits on hostile input.

A reader turns a file into the plain text the pipeline reads (one paragraph per line, task
tables one cell per line, see ingest/tables.py) and a source map: ranges of that text and
where each came from (an HTML element path, a DOCX paragraph or table cell, a PDF page and
box, an XLSX cell). Offsets are Python string indices into `Extracted.text`.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from policykg.errors import DecodeError

MB = 1024 * 1024
MAX_BYTES = {"html": 20 * MB, "docx": 50 * MB, "xlsx": 50 * MB, "pdf": 50 * MB}
# ZIP containers (DOCX, XLSX): refuse before decompressing anything.
MAX_ZIP_ENTRIES = 5000
MAX_ZIP_TOTAL = 300 * MB            # declared uncompressed size of all members
MAX_ZIP_MEMBER = 100 * MB           # one member (document.xml, a sheet …)
MAX_ZIP_RATIO = 200                 # uncompressed / compressed, over the whole archive
MAX_PDF_PAGES = 1000
MAX_XLSX_CELLS = 2_000_000
MAX_TEXT_CHARS = 5_000_000          # the pipeline's own limit


@dataclass(frozen=True)
class SourceRef:
    start: int
    end: int
    location: str        # html: CSS path; docx: p[12] / tbl[1]/tr[3]/tc[2]; pdf: page 3 (x0,top,x1,bottom); xlsx: 附件1!C7


@dataclass
class Extracted:
    text: str
    source_map: list[SourceRef]
    format: str
    encoding: str = "n/a"
    warnings: list[str] = field(default_factory=list)


def locate(source_map: list[SourceRef], offset: int) -> SourceRef | None:
    """The source range holding `offset` (or the nearest one starting after it)."""
    import bisect
    starts = [r.start for r in source_map]
    i = bisect.bisect_right(starts, offset) - 1
    if i >= 0 and source_map[i].start <= offset < source_map[i].end:
        return source_map[i]
    return source_map[i + 1] if i + 1 < len(source_map) else None


Segment = tuple[str, str | None]      # (text, location)
Line = list[Segment]                  # one output line, built from pieces of the source


@dataclass
class Cell:
    lines: list[Line]


_WS = " \t\u3000\u00a0\r\n\f\v"


class TextBuilder:
    """Accumulates lines and task tables and records where each piece came from."""

    def __init__(self, name: str):
        self.name = name
        self.parts: list[str] = []
        self.refs: list[SourceRef] = []
        self.pos = 0
        self.warnings: list[str] = []

    def _put(self, text: str, location: str | None) -> None:
        if not text:
            return
        if self.pos + len(text) > MAX_TEXT_CHARS:
            raise DecodeError(f"{self.name}: more than {MAX_TEXT_CHARS:,} characters of text, "
                              "more than a policy document has")
        if location:
            last = self.refs[-1] if self.refs else None
            if last and last.location == location and last.end == self.pos:
                self.refs[-1] = SourceRef(last.start, self.pos + len(text), location)
            else:
                self.refs.append(SourceRef(self.pos, self.pos + len(text), location))
        self.parts.append(text)
        self.pos += len(text)

    def _segments(self, line: Line) -> list[Segment]:
        """Trimmed, tab-free pieces of one line (a tab would read as a table cell)."""
        segs = [(t.replace("\t", " ").replace("\r", " ").replace("\n", " ").replace("\f", " ").replace("\v", " "), loc)
                for t, loc in line if t]
        while segs and not segs[0][0].strip(_WS):
            segs.pop(0)
        while segs and not segs[-1][0].strip(_WS):
            segs.pop()
        if not segs:
            return []
        segs[0] = (segs[0][0].lstrip(_WS), segs[0][1])
        segs[-1] = (segs[-1][0].rstrip(_WS), segs[-1][1])
        return segs

    def line(self, line: Line) -> bool:
        segs = self._segments(line)
        if not segs:
            return False
        for text, loc in segs:
            self._put(text, loc)
        self._put("\n", None)
        return True

    def blank(self) -> None:
        if self.parts and not self.text_endswith("\n\n"):
            self._put("\n", None)

    def text_endswith(self, suffix: str) -> bool:
        tail = "".join(self.parts[-len(suffix):])
        return tail.endswith(suffix)

    def table(self, rows: list[list[Cell]]) -> None:
        """The first row is the header; each later row follows a blank line; each cell is a
        line opened by a tab; a cell's later paragraphs follow on lines of their own."""
        rows = [r for r in rows if r]
        if not rows:
            return
        self.blank()
        for index, row in enumerate(rows):
            if index:
                self._put("\n", None)
            for cell in row:
                self._put("\t", None)
                lines = [segs for segs in (self._segments(l) for l in cell.lines) if segs]
                if not lines:
                    self._put("\n", None)
                    continue
                for segs in lines:
                    for text, loc in segs:
                        self._put(text, loc)
                    self._put("\n", None)
        self._put("\n", None)

    def result(self, fmt: str, encoding: str = "n/a") -> Extracted:
        return Extracted("".join(self.parts), self.refs, fmt, encoding, self.warnings)


# -- sniffing ---------------------------------------------------------------------------------

_HTML_MARK = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<meta\s[^>]*charset|<title[\s>]", re.I)
FORMAT_NAMES = {"txt": "plain text", "html": "HTML", "docx": "DOCX", "xlsx": "XLSX", "pdf": "PDF"}
EXTENSIONS = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html", ".shtml": "html",
              ".xhtml": "html", ".docx": "docx", ".xlsx": "xlsx", ".pdf": "pdf"}


def sniff(raw: bytes, name: str = "<input>") -> str:
    """"txt" | "html" | "docx" | "xlsx" | "pdf", by content. Any other binary is "txt" here:
    the text decoder names it (an OLE2 .doc, an image …)."""
    if raw.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        import io
        return zip_kind(io.BytesIO(raw), name)
    return _sniff_head(raw)


def _sniff_head(head: bytes) -> str:
    if b"%PDF-" in head[:1024]:
        return "pdf"
    body = head[:4096]
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    body = body.lstrip()
    if body.startswith(b"<") and _HTML_MARK.search(body):
        return "html"
    return "txt"


def sniff_file(path: Path) -> str:
    """Like `sniff`, reading only the head of the file (and a ZIP's directory)."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return zip_kind(path, str(path))
    return _sniff_head(head)


_CT_WORD = ("wordprocessingml.document.main", "ms-word.document.macroEnabled.main", "wordprocessingml.template.main")
_CT_EXCEL = ("spreadsheetml.sheet.main", "ms-excel.sheet.macroEnabled.main", "spreadsheetml.template.main")


def open_zip(source, name: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as err:
        raise DecodeError(f"{name}: a ZIP archive that cannot be opened ({err})") from None


def zip_kind(source, name: str) -> str:
    with open_zip(source, name) as zf:
        try:
            info = zf.getinfo("[Content_Types].xml")
        except KeyError:
            raise DecodeError(f"{name}: a ZIP archive, but not a Word (.docx) or Excel (.xlsx) "
                              "document (no [Content_Types].xml)") from None
        if info.file_size > MB:
            raise DecodeError(f"{name}: [Content_Types].xml of {info.file_size:,} bytes, not an Office document")
        types = read_member(zf, info, name).decode("utf-8", "replace")
    if any(t in types for t in _CT_WORD):
        return "docx"
    if any(t in types for t in _CT_EXCEL):
        return "xlsx"
    if "presentationml" in types:
        raise DecodeError(f"{name}: a PowerPoint presentation; only .docx and .xlsx are read")
    raise DecodeError(f"{name}: a ZIP archive, but not a Word (.docx) or Excel (.xlsx) document")


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    try:
        return zf.read(info)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as err:
        raise DecodeError(f"{name}: damaged ZIP member {info.filename} ({err})") from None


def check_zip(path: Path, name: str) -> None:
    """Refuse a ZIP bomb before any library decompresses it. zipfile never inflates a member
    beyond its declared size (the CRC check fails instead), so bounding the declared sizes
    bounds memory."""
    size = path.stat().st_size
    with open_zip(path, name) as zf:
        infos = zf.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise DecodeError(f"{name}: {len(infos):,} entries in the archive, more than {MAX_ZIP_ENTRIES:,} (zip bomb?)")
    total = sum(i.file_size for i in infos)
    biggest = max(infos, key=lambda i: i.file_size, default=None)
    if biggest and biggest.file_size > MAX_ZIP_MEMBER:
        raise DecodeError(f"{name}: member {biggest.filename} unpacks to {biggest.file_size / MB:,.0f} MB "
                          f"(more than {MAX_ZIP_MEMBER // MB} MB; zip bomb?)")
    if total > MAX_ZIP_TOTAL or (total > 20 * MB and total > MAX_ZIP_RATIO * max(size, 1)):
        raise DecodeError(f"{name}: unpacks to {total / MB:,.0f} MB from {size / MB:,.1f} MB (zip bomb?)")


def check_size(path: Path, fmt: str, name: str) -> int:
    size = path.stat().st_size
    limit = MAX_BYTES.get(fmt)
    if limit and size > limit:
        raise DecodeError(f"{name}: {size / MB:,.1f} MB, more than the {limit // MB} MB "
                          f"allowed for a {FORMAT_NAMES[fmt]} file (not read)")
    return size


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


def cjk_count(text: str) -> int:
    return sum(1 for c in text if is_cjk(c))
