"""Explanations of findings in Chinese and English, filled from the facts with the templates
of ontology/patterns/drafts.toml [explain]."""
from __future__ import annotations

from policykg.graph.draft_features import settings

_ROLE = {"lead_units": ("牵头单位", "lead unit differs"), "responsible_units": ("责任单位", "responsible units differ")}
_FACT = {"lead_units": ("牵头单位", "lead"), "responsible_units": ("责任单位", "responsible"),
         "deadline": ("时限", "deadline"), "year": ("年份", "year"), "value": ("数值", "value"),
         "comparator": ("比较关系", "comparator"), "city": ("城市", "city")}


def explain(finding, entry, target=None) -> tuple[str, str]:
    t = settings()["explain"]
    meta = entry.doc.meta
    fill = {"source": f"《{meta.title or meta.id}》", "source_en": meta.title_en or meta.id,
            "corpus_id": finding.corpus_provision, "score": f"{finding.score:.2f}",
            "city": entry.city or "?"}
    key = finding.kind
    if target is not None:
        dt, ct = target
        from policykg.graph.draft_facts import show_value
        fill.update(metric=dt.metric, draft_value=_with_year(show_value(dt), dt.year),
                    corpus_value=_with_year(show_value(ct), ct.year))
        key = "target_duplicate" if finding.kind == "duplicate" else key
    elif finding.kind in ("lead_conflict", "deadline_conflict"):
        diff = next(d for d in finding.differences if d["conflict"])
        role_zh, role_en = _ROLE.get(diff["fact"], ("", ""))
        fill.update(role_zh=role_zh, role_en=role_en,
                    draft_value=_show(diff["draft"], diff.get("draft_text")),
                    corpus_value=_show(diff["corpus"], diff.get("corpus_text")))
    fill.update(facts_zh=_facts(finding, entry, 0, t["none_zh"]), facts_en=_facts(finding, entry, 1, t["none_en"]))
    return t[f"{key}_zh"].format(**fill), t[f"{key}_en"].format(**fill)


def _show(value, text=None) -> str:
    shown = "、".join(value) if isinstance(value, list) else str(value)
    return f"{text}（{shown}）" if text and text != shown else shown


def _with_year(value: str, year) -> str:
    return f"{value}（{year}）" if year else value


def _facts(finding, entry, lang: int, none: str) -> str:
    """The corpus side's facts, and what the draft says differently."""
    prov = entry.prov
    parts = []
    for fact, mentions in (("lead_units", prov.lead_units), ("responsible_units", prov.responsible_units)):
        if mentions:
            parts.append(f"{_FACT[fact][lang]}: {'、'.join(m.name for m in mentions)}")
    for diff in finding.differences:
        word = "草案" if lang == 0 else "draft"
        parts.append(f"{_FACT.get(diff['fact'], (diff['fact'],) * 2)[lang]} ({word}: {_show(diff['draft'])})")
    return ("；" if lang == 0 else "; ").join(parts) or none
