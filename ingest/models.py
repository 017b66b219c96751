"""Typed records that flow through ingest: text -> provisions -> extractions.

Every fact carries `start`/`end`: character offsets into the decoded source text
(Python string indices), so it can always be shown where it was read.
"""
from __future__ import annotations

from dataclasses import dataclass, field, asdict
from decimal import Decimal
from typing import Literal

Role = Literal["lead", "responsible"]
DeadlineKind = Literal["by", "period", "recurring", "relative"]
Comparator = Literal[">=", ">", "=", "range", "<=", "<"]


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass
class UnitMention:
    """One government body (or collective entry) named in a provision."""
    name: str                 # canonical name for the document's city
    surface: str              # as printed (line breaks inside a table cell removed)
    start: int
    end: int
    kind: str = "unit"        # unit | region | collective
    known: bool = False       # canonical name comes from the gazetteer
    source: str = "label"     # label | column | subject | convention | charge


@dataclass
class Deadline:
    text: str
    date: str                 # ISO date, interval, or ISO duration (FORMAT.md)
    kind: DeadlineKind
    start: int
    end: int


@dataclass
class Target:
    text: str
    metric: str
    value: Decimal | tuple[Decimal, Decimal] | None
    unit: str
    comparator: Comparator
    start: int
    end: int
    year: int | None = None
    regions: list[str] = field(default_factory=list)
    warning: str | None = None


@dataclass
class Provision:
    id: str                   # numbering labels from the outermost down, joined by "/"
    label: str | None         # its own label as printed (一、 / （一） / 1． / 第一条 / ¶2 …)
    heading: str | None
    start: int
    end: int
    kind: str = "item"        # section | item | paragraph | box | table_row | preamble
    parent: str | None = None
    lead_units: list[UnitMention] = field(default_factory=list)
    responsible_units: list[UnitMention] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    refers_to: list[str] = field(default_factory=list)
    cells: dict[str, str] = field(default_factory=dict)   # table rows: column -> cell text


@dataclass
class DocumentMeta:
    id: str
    title: str | None
    city: str | None
    province: str | None
    status: str               # draft | final
    issuers: list[str] = field(default_factory=list)
    issued: str | None = None
    period: tuple[int, int] | None = None
    doc_type: str | None = None
    title_en: str | None = None
    valid_years: int | None = None     # 有效期五年 -> 5
    source: str | None = None          # the input path
    sha256: str | None = None
    encoding: str = "utf-8"
    from_manifest: bool = False
    format: str = "txt"                # txt | html | docx | pdf | xlsx (sniffed from the content)


@dataclass
class Document:
    meta: DocumentMeta
    text: str
    provisions: list[Provision]
    aliases: dict[str, str] = field(default_factory=dict)   # printed form -> canonical
    warnings: list[str] = field(default_factory=list)
    # Non-text sources: ranges of `text` and where each came from (ingest.formats.SourceRef:
    # start, end, location — HTML element path, DOCX p[i] / tbl[t]/tr[r]/tc[c], PDF page and
    # box, XLSX sheet!cell). Empty for plain text, whose offsets are the source's own.
    source_map: list = field(default_factory=list)


def to_jsonable(obj):
    """Plain JSON types for records: Decimal -> int/float exactly as written, tuples -> lists."""
    if isinstance(obj, Decimal):
        return int(obj) if obj == obj.to_integral_value() else float(str(obj))
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(x) for x in obj]
    if isinstance(obj, dict):
        return {k: to_jsonable(v) for k, v in obj.items()}
    if hasattr(obj, "__dataclass_fields__"):
        return to_jsonable(asdict(obj))
    return obj
