"""Named queries: the .rq files of queries/ (policykg.queries), listed for the page and the API.

A file's leading `#` comment block is its description; `# key: value` lines in it are
metadata (e.g. `# title:`, `# params: city document`). The browse API runs these same
files with bound parameters, so the page's editor shows exactly what the API runs.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import PlainTextResponse

import policykg.queries

NAME = re.compile(r"^[A-Za-z0-9_\-]+$")
META = re.compile(r"^#\s*([A-Za-z_\-]+)\s*:\s*(.*)$")


@dataclass
class NamedQuery:
    name: str
    title: str
    description: str
    text: str
    parameters: list[str] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {**asdict(self), "url": f"/queries/{self.name}", "text_url": f"/queries/{self.name}.rq"}


def parse(name: str, text: str) -> NamedQuery:
    meta, prose = {}, []
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        if m := META.match(line):
            meta[m.group(1).lower()] = m.group(2).strip()
        else:
            prose.append(line.lstrip("#").strip())
    prose = [p for p in prose if p]
    title = meta.get("title") or (prose[0] if prose else name.replace("_", " ").replace("-", " "))
    params = (meta.get("params") or meta.get("parameters") or "").replace(",", " ").split()
    return NamedQuery(name, title, " ".join(prose[1:] if not meta.get("title") else prose), text,
                      [p.lstrip("?$") for p in params], meta)


class Catalog:
    """Reads the folder on every call: queries are small and editing one should show at once."""

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder) if folder else Path(policykg.queries.__file__).resolve().parent

    def all(self) -> list[NamedQuery]:
        return [parse(p.stem, p.read_text(encoding="utf-8")) for p in sorted(self.folder.glob("*.rq"))]

    def get(self, name: str) -> NamedQuery | None:
        path = self.folder / f"{name}.rq"
        if not NAME.match(name) or not path.is_file():
            return None
        return parse(name, path.read_text(encoding="utf-8"))


def router(catalog: Catalog) -> APIRouter:
    r = APIRouter(tags=["Named queries"])

    @r.get("/queries", summary="The named queries of queries/*.rq")
    def list_queries() -> dict:
        return {"queries": [q.to_json() for q in catalog.all()]}

    @r.get("/queries/{name}.rq", response_class=PlainTextResponse, summary="One named query's SPARQL text")
    def query_text(name: str) -> PlainTextResponse:
        return PlainTextResponse(_get(catalog, name).text, media_type="application/sparql-query")

    @r.get("/queries/{name}", summary="One named query")
    def one_query(name: str) -> dict:
        return _get(catalog, name).to_json()

    return r


def _get(catalog: Catalog, name: str) -> NamedQuery:
    if (q := catalog.get(name)) is None:
        raise HTTPException(404, f"no named query {name!r}; GET /queries lists them")
    return q
