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
from policykg.graph.namespaces import prefix_block

TEMPLATES = Path(__file__).resolve().parent / "templates"

NAME = re.compile(r"^[A-Za-z0-9_\-]+$")
META = re.compile(r"^#\s*([A-Za-z_\-]+(?:@[a-z]+)?)\s*:\s*(.*)$")


@dataclass
class NamedQuery:
    group: str                     # "queries" (queries/*.rq) or "browse" (the API's templates)
    name: str
    title: str
    description: str
    text: str
    parameters: list[str] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        # Titles per language for the page's label switch; `# title:` lines like "单位 Units" serve both.
        return {**asdict(self), "title_zh": self.meta.get("title@zh", self.title),
                "title_en": self.meta.get("title@en", self.title),
                "url": f"/queries/{self.name}", "text_url": f"/queries/{self.name}.rq"}


def parse(name: str, text: str, group: str = "queries") -> NamedQuery:
    meta, prose, params = {}, [], []
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        if m := META.match(line):
            key, value = m.group(1).lower(), m.group(2).strip()
            if key == "param":          # `# param: name type [optional] -- what it is`
                params.append(value.split()[0])
            else:
                meta[key] = value
        else:
            prose.append(line.lstrip("#").strip())
    prose = [p for p in prose if p]
    fallback = prose[0] if prose else name.replace("_", " ").replace("-", " ")
    title = meta.get("title") or meta.get("title@zh") or meta.get("title@en") or fallback
    params += (meta.get("params") or meta.get("parameters") or "").replace(",", " ").split()
    if "PREFIX pkg:" not in text:
        # The graph stage keeps prefixes in one place (namespaces.prefix_block), not in each file.
        text = prefix_block() + text
    titled = any(k.startswith("title") for k in meta)
    return NamedQuery(group, name, title, " ".join(prose if titled else prose[1:]), text,
                      [p.lstrip("?$") for p in params], meta)


class Catalog:
    """The graph stage's questions, then the browse API's templates (they run unbound too).

    Reads the folders on every call: queries are small and an edit should show at once.
    """

    def __init__(self, folder: Path | None = None):
        self.folders = {"queries": Path(folder) if folder else Path(policykg.queries.__file__).resolve().parent,
                        "browse": TEMPLATES}

    def all(self) -> list[NamedQuery]:
        seen, out = set(), []
        for group, folder in self.folders.items():
            for p in sorted(folder.glob("*.rq")):
                if p.stem not in seen:
                    seen.add(p.stem)
                    out.append(parse(p.stem, p.read_text(encoding="utf-8"), group))
        return out

    def get(self, name: str) -> NamedQuery | None:
        if not NAME.match(name):
            return None
        for group, folder in self.folders.items():
            if (folder / f"{name}.rq").is_file():
                return parse(name, (folder / f"{name}.rq").read_text(encoding="utf-8"), group)
        return None


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
