"""Document metadata: from the corpus manifest when the file is listed, else read from
the text itself (title line, city in the title, 征求意见稿, a printed date), else given."""
from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from policykg.ingest.gazetteer import load_gazetteer
from policykg.ingest.lines import Line
from policykg.ingest.models import DocumentMeta
from policykg.ingest.numbers import parse_number
from policykg.ingest.patterns import load_patterns

MANIFEST = Path(__file__).resolve().parent.parent / "corpus" / "manifest.toml"
_ISSUER_SUFFIX = re.compile(r"(办公室|委员会|人民政府|政府|委|局|厅|部)$")
_CITY_IN_TEXT = re.compile(r"([\u4e00-\u9fff]{2,3}市)")


@dataclass
class FrontMatter:
    title: str | None = None
    issuers: list[str] = field(default_factory=list)
    status: str = "final"
    issued: str | None = None
    body_line: int = 0            # index of the first line of the body


@lru_cache(maxsize=4)
def _manifest_docs(path: Path = MANIFEST) -> tuple[dict, ...]:
    if not path.exists():
        return ()
    with path.open("rb") as fh:
        return tuple(tomllib.load(fh).get("document", []))


def manifest_entry(raw: bytes) -> dict | None:
    digest = hashlib.sha256(raw).hexdigest()
    return next((d for d in _manifest_docs() if d["sha256"] == digest), None)


def manifest_by_title(title: str | None, city: str | None) -> dict | None:
    """A corpus document in another format (DOCX, HTML, PDF of the same text): same printed
    title and city, so the same document — and the same IRIs — as its .txt."""
    if not title:
        return None
    squashed = _squash(title)
    return next((d for d in _manifest_docs() if _squash(d["title"]) == squashed
                 and (city is None or d["city"] == city)), None)


def read_front_matter(lines: list[Line], original: str) -> FrontMatter:
    """Title, issuers, status and date of the header; `lines` are normalised, and what is
    returned as text is sliced from `original` so it reads exactly as printed."""
    pats = load_patterns("structure")["front_matter"]
    front = _cover_notice(lines, pats, original) or _plain_header(lines, pats, original)
    head = " ".join(l.stripped for l in lines[: front.body_line + 3])
    front.status = "draft" if any(w in head for w in pats["status_draft"]) else "final"
    front.issued = front.issued or _signature_date(lines, pats)
    return front


def _cover_notice(lines: list[Line], pats: dict, original: str) -> FrontMatter | None:
    """关于印发《X》的通知 … 现将《X》印发给你们 … then X again as the real title line."""
    head = [l for l in lines[:40] if not l.is_blank]
    if not any(pats["cover_notice"] in l.stripped for l in head[:6]):
        return None
    for index, line in enumerate(lines[:60]):
        match = re.search(pats["quoted_title"], line.text)
        if not match:
            continue
        title = original[line.start + match.start(1): line.start + match.end(1)]
        for later in range(index + 1, min(len(lines), index + 40)):
            if _squash(lines[later].text) == _squash(title):
                issued = _first_date(lines[:later], pats)
                issuers = _issuer_names(_slice(original, head[0]))
                return FrontMatter(title=title, issuers=issuers, issued=issued, body_line=later + 1)
    return None


def _plain_header(lines: list[Line], pats: dict, original: str) -> FrontMatter:
    front = FrontMatter()
    index = 0
    for index, line in enumerate(lines[:12]):
        text = line.stripped
        if line.is_blank:
            continue
        if "。" in text or _looks_numbered(line) or line.text.count("\t") >= 2:
            break
        if any(w in text for w in pats["status_draft"]) and len(text) < 20:
            continue
        if text.endswith((":", "：")):
            continue                       # addressees: 各县（区）人民政府，……：
        if front.title is None and not front.issuers and _issuer_names(text) and "关于" not in text:
            front.issuers = _issuer_names(_slice(original, line))
            continue
        if front.title is None and len(text) <= 80:
            front.title = _slice(original, line)
            continue
        break
    else:
        index = min(len(lines), 12)
    front.body_line = index
    return front


def _slice(original: str, line: Line) -> str:
    return original[line.content_start:line.content_end]


def _looks_numbered(line: Line) -> bool:
    from policykg.ingest.segment import match_label
    label = match_label(line, line.text)
    return label is not None


def _issuer_names(text: str) -> list[str]:
    """A header line of issuing bodies: 中共巴中市委办公室  巴中市人民政府办公室."""
    parts = [p for p in re.split(r"\s+", text.strip()) if p]
    if parts and len(text) <= 60 and all(_ISSUER_SUFFIX.search(p) for p in parts):
        return parts
    return []


def _first_date(lines: list[Line], pats: dict) -> str | None:
    for line in lines:
        match = re.fullmatch(pats["date"], line.stripped)
        if match:
            return _iso(*match.groups())
    return None


def _signature_date(lines: list[Line], pats: dict) -> str | None:
    """A date alone on a line near the end (the signature block)."""
    tail = [l for l in lines if not l.is_blank][-8:]
    return _first_date(tail, pats)


def _iso(year: str, month: str, day: str) -> str:
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def guess_city(title: str | None, issuers: list[str], text: str) -> str | None:
    """The city named in the title or by the issuers, else the one the text names most.

    Short forms (巴中) count only where a name begins (title start, 中共巴中市委): inside a
    word they are something else (秦巴中药材)."""
    gaz = load_gazetteer()
    for source in [title or "", *issuers]:
        for city in gaz.cities():
            if city.name in source or any(
                    source.removeprefix("关于").removeprefix("中共").startswith(form) for form in city.aliases):
                return city.name
    if title:
        match = _CITY_IN_TEXT.match(title.removeprefix("关于"))
        if match:
            return match.group(1)
    return _most_mentioned_city(text)


def _most_mentioned_city(text: str) -> str | None:
    gaz = load_gazetteer()
    counts: dict[str, int] = {}
    for city in gaz.cities():
        counts[city.name] = counts.get(city.name, 0) + text.count(city.name)
    for entry in gaz.units:
        if entry.type in ("district", "county", "county_city") and len(entry.name) >= 2:
            counts[entry.city] = counts.get(entry.city, 0) + text.count(entry.name)
    best = max(counts.items(), key=lambda kv: kv[1], default=(None, 0))
    return best[0] if best[1] > 0 else None


def _named_province(text: str) -> str | None:
    """For a city the gazetteer lacks: the province the text names most (山东省委 …)."""
    counts = {p.name: text.count(p.name) for p in load_gazetteer().places if p.type == "province"}
    best = max(counts, key=counts.get, default=None)
    return best if best and counts[best] else None


def read_period(title: str | None, body: str) -> tuple[int, int] | None:
    pats = load_patterns("structure")["front_matter"]
    for source in (title or "",):
        match = re.search(pats["year_range"], source)
        if match:
            return int(match.group(1)), int(match.group(2))
        plan = re.search(pats["five_year_plan"], source)
        if plan:
            start = five_year_plan_start(int(parse_number(plan.group(1))) + 10)
            return start, start + 4
    unquoted = re.sub(r"《[^》]*》", "", body)
    match = re.search(pats["year_range"], unquoted)
    return (int(match.group(1)), int(match.group(2))) if match else None


def five_year_plan_start(n: int) -> int:
    """First year of the n-th Five-Year Plan (十四五 -> 2021); valid from the 4th plan on."""
    return 1956 + 5 * (n - 1)


def read_validity(body: str) -> int | None:
    match = re.search(load_patterns("structure")["front_matter"]["validity"], body)
    value = parse_number(match.group(1)) if match else None
    return int(value) if value is not None else None


def doc_type_of(title: str | None) -> str | None:
    if not title:
        return None
    types = load_patterns("structure")["front_matter"]["doc_types"]
    found = [t for t in types if t in title]
    # The type word ends the title; of words ending at the same place the longest wins.
    return max(found, key=lambda t: (title.rfind(t) + len(t), len(t))) if found else None


def build_meta(doc_id: str, raw: bytes, text: str, lines: list[Line], front: FrontMatter,
               source: str | None, overrides: dict | None = None) -> DocumentMeta:
    entry = manifest_entry(raw)
    if entry:
        return _meta_from_manifest(entry, raw, source)
    title = front.title
    city = guess_city(title, front.issuers, text)
    entry = manifest_by_title(title, city)
    if entry:
        meta = _meta_from_manifest(entry, raw, source)
        meta.sha256 = hashlib.sha256(raw).hexdigest()      # provenance: this file, not the .txt
        return meta
    meta = DocumentMeta(
        id=doc_id, title=title, city=city, province=load_gazetteer().province_of(city) or _named_province(text),
        status=front.status, issuers=front.issuers, issued=front.issued,
        period=read_period(title, text), doc_type=doc_type_of(title),
        valid_years=read_validity(text), source=source,
        sha256=hashlib.sha256(raw).hexdigest())
    for key, value in (overrides or {}).items():
        if value is not None:
            setattr(meta, key, value)
    return meta


def _meta_from_manifest(entry: dict, raw: bytes, source: str | None) -> DocumentMeta:
    period = tuple(entry["period"]) if entry.get("period") else None
    text = raw.decode("utf-8", errors="replace")
    return DocumentMeta(
        id=entry["id"], title=entry["title"], city=entry["city"], province=entry["province"],
        status=entry["status"], issuers=list(entry.get("issuers", [])),
        issued=entry.get("issued") or None, period=period, doc_type=entry.get("type"),
        title_en=entry.get("title_en"), valid_years=read_validity(text), source=source,
        sha256=entry["sha256"], from_manifest=True)
