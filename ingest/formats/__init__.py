"""Read policy documents as they are downloaded — HTML pages, Word files, PDFs, Excel task
sheets — into the plain text the pipeline reads, with a map back to the source.

    fmt = sniff(raw, name)                     # "txt" | "html" | "docx" | "xlsx" | "pdf", by content
    extracted = read_document(path)            # Extracted(text, source_map, format, encoding, warnings)
    locate(extracted.source_map, offset)       # SourceRef(start, end, location) holding offset

Plain text is not read here: ingest.decode reads it, as before.
"""
from __future__ import annotations

from pathlib import Path

from policykg.errors import DecodeError
from policykg.ingest.formats.base import (EXTENSIONS, FORMAT_NAMES, Extracted, SourceRef, check_size,
                                          locate, sniff, sniff_file)

__all__ = ["EXTENSIONS", "FORMAT_NAMES", "Extracted", "SourceRef", "locate", "sniff", "sniff_file",
           "read_document"]


def read_document(path: str | Path, fmt: str | None = None) -> Extracted:
    """Extract text and source map from an HTML, DOCX, PDF or XLSX file (sniffed when `fmt`
    is None). Every failure is a DecodeError naming the file, in one line."""
    path = Path(path)
    name = str(path)
    try:
        fmt = fmt or sniff_file(path)
        if fmt == "txt":
            raise DecodeError(f"{name}: plain text, read it with ingest.decode.read_text")
        check_size(path, fmt, name)
        reader = _reader(fmt)
        return reader(path, name)
    except DecodeError:
        raise
    except FileNotFoundError:
        raise DecodeError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise DecodeError(f"{name}: is a directory, expected a file") from None
    except MemoryError:
        raise DecodeError(f"{name}: too large to read into memory") from None
    except RecursionError:
        raise DecodeError(f"{name}: nested too deeply to read") from None
    except Exception as err:          # a library's own error on a damaged file: one line, no traceback
        what = FORMAT_NAMES.get(fmt or "", "document")
        detail = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
        raise DecodeError(f"{name}: not a readable {what} file ({type(err).__name__}: {detail})") from None


def _reader(fmt: str):
    if fmt == "html":
        from policykg.ingest.formats.html_reader import read_html
        return read_html
    if fmt == "docx":
        from policykg.ingest.formats.docx_reader import read_docx
        return read_docx
    if fmt == "pdf":
        from policykg.ingest.formats.pdf_reader import read_pdf
        return read_pdf
    if fmt == "xlsx":
        from policykg.ingest.formats.xlsx_reader import read_xlsx
        return read_xlsx
    raise DecodeError(f"unknown format {fmt!r}")
