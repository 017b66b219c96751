"""text -> Document: the whole ingest stage as one function per input kind."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from policykg.errors import UserError
from policykg.ingest.deadlines import find_deadlines
from policykg.ingest.decode import read_text
from policykg.ingest.lines import split_lines
from policykg.ingest.metadata import build_meta, read_front_matter
from policykg.ingest.models import Document, Provision, Target, UnitMention
from policykg.ingest.normalize import normalize
from policykg.ingest.roles import (Conventions, Roles, column_roles, find_brackets, inferred_roles,
                                   label_lines, read_conventions)
from policykg.ingest.segment import Node, build_tree, flatten
from policykg.ingest.targets import find_targets
from policykg.ingest.text import Piece, quoted_spans, sentences

MAX_CHARS = 5_000_000      # a policy document is far smaller; bigger input is a mistake


def extract_file(path: str | Path, overrides: dict | None = None) -> Document:
    path = Path(path)
    fmt = _sniffed(path)
    if fmt != "txt":
        return _extract_formatted(path, fmt, overrides)
    text, encoding = read_text(path)
    raw = path.read_bytes()
    doc = extract_text(text, source=str(path), raw=raw, overrides=overrides)
    doc.meta.encoding = encoding
    return doc


def _sniffed(path: Path) -> str:
    """The format by content (HTML, DOCX, XLSX, PDF, else text); a file that cannot be opened
    goes the plain-text way, whose reader names the problem."""
    from policykg.ingest.formats import sniff_file
    try:
        return sniff_file(path)
    except OSError:
        return "txt"


def _extract_formatted(path: Path, fmt: str, overrides: dict | None) -> Document:
    from policykg.ingest.formats import read_document
    extracted = read_document(path, fmt)
    raw = path.read_bytes()
    doc = extract_text(extracted.text, source=str(path), raw=raw, overrides=overrides)
    doc.meta.encoding = extracted.encoding
    doc.meta.format = fmt
    doc.source_map = extracted.source_map
    doc.warnings = [*extracted.warnings, *doc.warnings]
    return doc


def extract_text(text: str, *, source: str | None = None, raw: bytes | None = None,
                 overrides: dict | None = None) -> Document:
    name = source or "<text>"
    if len(text) > MAX_CHARS:
        raise UserError(f"{name}: {len(text):,} characters, more than the {MAX_CHARS:,} a document may have")
    raw = raw if raw is not None else text.encode("utf-8")
    norm = normalize(text)
    lines = split_lines(norm)
    front = read_front_matter(lines, text)
    doc_id = (overrides or {}).get("id") or _doc_id(source, raw)
    meta = build_meta(doc_id, raw, text, lines, front, source, overrides)
    root = build_tree(lines, front.body_line, norm, text)
    conv = read_conventions(norm)
    provisions = []
    for node, prov in flatten(root):
        provisions += _extract(node, prov, norm, text, meta.city, conv)
    provisions.sort(key=lambda p: (p.start, -p.end))
    doc = Document(meta, text, provisions, _aliases(provisions))
    if not text.strip():
        doc.warnings.append(f"{name}: empty document")
    elif not provisions:
        doc.warnings.append(f"{name}: no recognisable structure (no numbered provisions or paragraphs)")
    return doc


def _doc_id(source: str | None, raw: bytes) -> str:
    stem = re.sub(r"[^0-9A-Za-z_-]+", "-", Path(source).stem).strip("-").lower() if source else ""
    return stem or "doc-" + hashlib.sha256(raw).hexdigest()[:12]


def _extract(node: Node, prov: Provision, norm: str, original: str, city: str | None,
             conv: Conventions) -> list[Provision]:
    if prov.kind == "table_row":
        return [_table_row(node, prov, norm, original, city, conv)]
    brackets = [b for a, e in node.own for b in find_brackets(norm, original, a, e, city, conv)]
    inside = [(b.start, b.end) for b in brackets]
    brackets += [b for a, e in node.own for b in label_lines(norm, original, a, e, city, conv, inside)]
    brackets.sort(key=lambda b: b.start)
    parts = _split_at_brackets(node.own, brackets, norm)
    out = []
    for index, (spans, part_brackets) in enumerate(parts):
        part = prov if index == 0 else Provision(
            id=f"{prov.id}-{index + 1}", label=prov.label, heading=None, start=spans[0][0],
            end=spans[-1][1], kind=prov.kind, parent=prov.parent)
        if len(parts) > 1:
            part.start, part.end = (prov.start if index == 0 else spans[0][0]), spans[-1][1]
        _fill(part, spans, part_brackets, norm, original, city, conv)
        out.append(part)
    return out


def _split_at_brackets(own, brackets, norm):
    """A numbered item whose text carries several unit brackets, each closing its own task,
    is split after each bracket (三, 三-2, 三-3)."""
    closers = [b for b in brackets if not b.inline]
    closing = [b for b in closers if norm[b.end:_own_end(own)].strip(" 。.;；\n")]
    if len(closers) < 2 or not closing:
        return [(own, brackets)]
    brackets = closers
    parts, begin = [], own[0][0]
    for bracket in brackets:
        spans = _clip(own, begin, bracket.end)
        if spans:
            parts.append((spans, [bracket]))
        begin = bracket.end
    tail = _clip(own, begin, _own_end(own))
    if tail and norm[tail[0][0]:tail[-1][1]].strip(" 。.;；\n"):
        parts[-1] = (parts[-1][0] + tail, parts[-1][1])
    return parts


def _own_end(own) -> int:
    return own[-1][1]


def _clip(spans, start, end):
    return [(max(a, start), min(b, end)) for a, b in spans if min(b, end) > max(a, start)]


def _fill(prov: Provision, spans, brackets, norm, original, city, conv) -> None:
    masked = [(b.start, b.end) for b in brackets]
    for a, e in spans:
        masked += quoted_spans(norm, a, e)
    prov.targets = find_targets(norm, original, spans, masked)
    prov.deadlines = find_deadlines(norm, original, spans, masked, _has_target(prov.targets))
    roles = Roles()
    for bracket in brackets:
        roles.extend(bracket.roles)
    if not roles:
        roles = inferred_roles(norm, original, spans, city, prov.targets)
    _apply_blankets(prov, roles, norm, original, city, conv)
    prov.lead_units, prov.responsible_units = _unique(roles.lead), _unique(roles.responsible)
    _target_context(prov, norm, original, spans)


def _has_target(targets: list[Target]):
    return lambda piece: any(piece.start <= t.start < piece.end for t in targets)


def _table_row(node: Node, prov: Provision, norm, original, city, conv) -> Provision:
    roles, refers = column_roles(norm, original, node.cells, city, conv)
    spans = node.own
    prov.targets = find_targets(norm, original, spans, [])
    deadline_spans = [f for cell in node.cells.get("deadline", []) for f in cell]
    prov.deadlines = find_deadlines(norm, original, spans + deadline_spans, [], _has_target(prov.targets))
    _apply_blankets(prov, roles, norm, original, city, conv)
    prov.lead_units, prov.responsible_units = _unique(roles.lead), _unique(roles.responsible)
    prov.refers_to = refers
    prov.cells = {role: "；".join("".join(original[a:b] for a, b in cell) for cell in cells)
                  for role, cells in node.cells.items()}
    _target_context(prov, norm, original, spans)
    return prov


def _apply_blankets(prov: Provision, roles: Roles, norm, original, city, conv) -> None:
    """…为各项任务的责任单位，以下不再列出: recorded on every later item."""
    from policykg.ingest.units import mention
    if prov.kind not in ("item", "table_row"):
        return
    for offset, role, items in conv.blanket:
        if offset <= prov.start:
            target = roles.lead if role == "lead" else roles.responsible
            for name, a, b in items:
                um = mention(name, a, b, city, original, "convention")
                if um and um.name not in {m.name for m in target}:
                    target.append(um)


def _unique(mentions: list[UnitMention]) -> list[UnitMention]:
    seen, out = set(), []
    for m in mentions:
        if m.name not in seen:
            seen.add(m.name)
            out.append(m)
    return out


def _target_context(prov: Provision, norm: str, original: str, spans) -> None:
    """Year of each target (a by-deadline of its sentence, or the provision's only one if it
    comes first) and the districts named as its bearers (巴州区、巴中经开区产值突破50亿元)."""
    by = [d for d in prov.deadlines if d.kind == "by"]
    regions = [m for m in prov.responsible_units if m.kind == "region" and m.source == "subject"]
    all_sentences = sentences(norm, spans)
    for target in prov.targets:
        sentence = next((s for s in all_sentences if s.start <= target.start < s.end), None)
        own = [d for d in by if sentence and sentence.start <= d.start < sentence.end]
        chosen = own or ([by[0]] if len(by) == 1 and by[0].start < target.start else [])
        target.year = int(chosen[0].date[:4]) if chosen else None
        clause_start = max(norm.rfind(c, 0, target.start) for c in "，,;；。\n") + 1
        bearers = [m for m in regions if clause_start <= m.start < target.end]
        if bearers:
            target.regions = [m.name for m in bearers]
            target.start = min(target.start, bearers[0].start)
            target.text = original[target.start:target.end]
            target.metric = _strip_bearers(target.metric, bearers)


def _strip_bearers(metric: str, bearers: list[UnitMention]) -> str:
    for m in bearers:
        metric = metric.removeprefix(m.surface).lstrip("、")
    return metric or "产值"


def _aliases(provisions: list[Provision]) -> dict[str, str]:
    aliases = {}
    for prov in provisions:
        for m in prov.lead_units + prov.responsible_units:
            if m.surface != m.name:
                aliases[m.surface] = m.name
    return aliases
