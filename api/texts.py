"""Source text of documents, for showing a provision where it was read.

The graph keeps offsets, file name and sha256, not the text itself, so the text is re-read
from the file: looked up by name under the configured folders (the corpus, `serve --ingest`
paths), re-extracted with the ingest pipeline (offsets are into its text) and accepted only
if its sha256 and length match what the graph recorded.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=64)
def _extract(path: str, mtime: float):
    from policykg.ingest.pipeline import extract_file
    return extract_file(path)


class TextSource:
    def __init__(self, folders: list[Path] | None = None):
        self.folders = [Path(f) for f in (folders or [Path("corpus")])]

    def find(self, file_name: str) -> list[Path]:
        found = []
        for folder in self.folders:
            if folder.is_file() and folder.name == file_name:
                found.append(folder)
            elif folder.is_dir():
                found += sorted(folder.rglob(file_name))
        return found

    def text(self, file_name: str, sha256: str | None, chars: int | None) -> str | None:
        for path in self.find(file_name):
            doc = _extract(str(path), path.stat().st_mtime)
            if sha256 and doc.meta.sha256 and doc.meta.sha256 != sha256:
                continue
            if chars is not None and len(doc.text) != chars:
                continue
            return doc.text
        return None
