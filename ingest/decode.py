"""Bytes -> text: detect the encoding, refuse binary, name the problem in one line."""
from __future__ import annotations

from pathlib import Path

from policykg.errors import DecodeError

# Magic numbers of formats that are not plain text (a zip renamed .txt, a PDF …).
_BINARY_MAGIC = {
    b"PK\x03\x04": "a ZIP archive (DOCX/XLSX?)",
    b"%PDF": "a PDF file",
    b"\xd0\xcf\x11\xe0": "an OLE2 file (old .doc/.xls?)",
    b"\x7fELF": "an executable",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip archive",
}


def decode_bytes(raw: bytes, name: str = "<input>") -> tuple[str, str]:
    """Return (text, encoding). Raise DecodeError naming `name` when it is not text."""
    for magic, what in _BINARY_MAGIC.items():
        if raw.startswith(magic):
            raise DecodeError(f"{name}: not a text file, looks like {what}")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    if b"\x00" in raw[:4096]:
        raise DecodeError(f"{name}: binary content (NUL bytes), not a text file")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        utf8_error = err
    return _decode_legacy(raw, name, utf8_error)


def _decode_legacy(raw: bytes, name: str, utf8_error: UnicodeDecodeError) -> tuple[str, str]:
    # Chinese legacy encodings first: asked about every encoding, charset-normalizer can
    # take a short Chinese text for cp1252; among GB18030 and Big5 it chooses well.
    from charset_normalizer import from_bytes
    best = from_bytes(raw, cp_isolation=["gb18030", "big5"]).best()
    if best is None or not _mostly_cjk(str(best)):
        best = from_bytes(raw).best()
    if best is None or not _mostly_cjk(str(best)):
        raise DecodeError(
            f"{name}: not UTF-8 (byte {utf8_error.start}: {utf8_error.reason}) "
            "and no Chinese encoding fits (tried GB18030, Big5 …)")
    return str(best), best.encoding


def _mostly_cjk(text: str) -> bool:
    letters = [c for c in text if not c.isspace()]
    if not letters:
        return False
    cjk = sum(1 for c in letters if "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f"
              or "\uff00" <= c <= "\uffef")
    return cjk / len(letters) > 0.3


MAX_BYTES = 20 * 1024 * 1024     # a policy document is far smaller; refuse before reading


def read_text(path: str | Path) -> tuple[str, str]:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise DecodeError(f"{path}: {size / 1024 / 1024:.0f} MB, more than the "
                              f"{MAX_BYTES // 1024 // 1024} MB a policy document may have")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DecodeError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DecodeError(f"{path}: is a directory, expected a file") from None
    except OSError as err:
        raise DecodeError(f"{path}: cannot read ({err.strerror})") from None
    return decode_bytes(raw, str(path))
