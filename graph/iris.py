"""IRI template (ELI-like), the same input always giving the same IRI.

    document   {BASE}eli/{city}/{year}/{type}/{doc-id}
    provision  {document}/{seg}/{seg}…          numbering labels from the outermost down
    task etc.  {provision}#task  #lead-1  #responsible-2  #implied-lead-1  #deadline-1  #target-1
    text span  {document}/zh/txt#char={start},{end}            (RFC 5147 fragment)
    unit       {BASE}id/unit/{city}/{canonical name}
    region     {BASE}id/region/{province-or-city}[/{city}][/{district}]

Chinese segments are percent-encoded UTF-8 (RFC 3987 -> 3986), so IRIs are plain URIs
that any store accepts; `/` inside a label is encoded too, keeping one segment per label.
"""
from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote

from policykg.graph.namespaces import ELI_BASE, ID_BASE

# ELI resource types in English where the Chinese type is common; others stay Chinese.
DOC_TYPES = {
    "规划": "plan", "行动方案": "action-plan", "实施方案": "implementation-plan", "方案": "plan",
    "措施": "measures", "若干措施": "measures", "意见": "opinions", "实施意见": "opinions",
    "通知": "notice", "办法": "measures", "管理办法": "regulation", "细则": "rules",
    "条例": "regulation", "决定": "decision", "政策": "policy",
}


@lru_cache(maxsize=65536)         # unit and place names repeat in every provision
def segment(text: str) -> str:
    return quote(text.strip(), safe="-._~")


def document_iri(doc_id: str, city: str | None, year: int | None, doc_type: str | None) -> str:
    type_part = DOC_TYPES.get(doc_type or "", doc_type or "document")
    parts = [city or "unknown-city", str(year) if year else "undated", type_part, doc_id]
    return ELI_BASE + "/".join(segment(p) for p in parts)


def provision_iri(document: str, provision_id: str) -> str:
    return document + "/" + "/".join(segment(p) for p in provision_id.split("/"))


def span_iri(document: str, start: int, end: int) -> str:
    return f"{document}/zh/txt#char={start},{end}"


def unit_iri(city: str | None, name: str) -> str:
    return ID_BASE + "unit/" + segment(city or "unknown-city") + "/" + segment(name)


def region_iri(*path: str) -> str:
    return ID_BASE + "region/" + "/".join(segment(p) for p in path if p)


def document_year(issued: str | None, period, doc_id: str) -> int | None:
    """Issue year, else first year covered, else a year written in the id (bazhong-2022-…)."""
    if issued and re.match(r"\d{4}", issued):
        return int(issued[:4])
    if period:
        return int(period[0])
    found = re.search(r"(?<!\d)(19|20)\d{2}(?!\d)", doc_id)
    return int(found.group(0)) if found else None
