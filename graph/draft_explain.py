"""Explanations of findings in Chinese and English, filled from the facts with the templates
of ontology/patterns/drafts.toml [explain]. The English sentences name units, places, documents,
metrics and amounts in English (the gazetteer or the rule-based renderer, the documents' English
titles, the glossary, measures_en.tsv); the Chinese names stay in the Chinese explanation."""
from __future__ import annotations

import re

from policykg.graph.draft_features import settings

_ROLE = {"lead_units": ("牵头单位", "lead unit differs"), "responsible_units": ("责任单位", "responsible units differ")}
_FACT = {"lead_units": ("牵头单位", "lead"), "responsible_units": ("责任单位", "responsible"),
         "deadline": ("时限", "deadline"), "year": ("年份", "year"), "value": ("数值", "value"),
         "comparator": ("比较关系", "comparator"), "city": ("城市", "city")}
_AMOUNT = re.compile(r"^([\d.]+(?:–[\d.]+)?)(.*)$")


def explain(finding, entry, target=None) -> tuple[str, str]:
    t = settings()["explain"]
    meta = entry.doc.meta
    city = entry.city
    fill = {"source": f"《{meta.title or meta.id}》", "source_en": meta.title_en or meta.id,
            "corpus_id": finding.corpus_provision, "corpus_id_en": path_en(finding.corpus_provision),
            "score": f"{finding.score:.2f}",
            "city": city or "?", "city_en": _place_en(city) if city else "?"}
    key = finding.kind
    if target is not None:
        dt, ct = target
        from policykg.graph.draft_facts import show_value
        fill.update(metric=dt.metric, metric_en=_metric_en(dt.metric, city),
                    draft_value=_with_year(show_value(dt), dt.year),
                    corpus_value=_with_year(show_value(ct), ct.year),
                    draft_value_en=_year_en(_amount_en(show_value(dt)), dt.year),
                    corpus_value_en=_year_en(_amount_en(show_value(ct)), ct.year))
        key = "target_duplicate" if finding.kind == "duplicate" else key
    elif finding.kind in ("lead_conflict", "deadline_conflict"):
        diff = next(d for d in finding.differences if d["conflict"])
        role_zh, role_en = _ROLE.get(diff["fact"], ("", ""))
        fill.update(role_zh=role_zh, role_en=role_en,
                    draft_value=_show(diff["draft"], diff.get("draft_text")),
                    corpus_value=_show(diff["corpus"], diff.get("corpus_text")),
                    draft_value_en=_value_en(diff["fact"], diff["draft"], city),
                    corpus_value_en=_value_en(diff["fact"], diff["corpus"], city))
    fill.update(facts_zh=_facts(finding, entry, 0, t["none_zh"]), facts_en=_facts(finding, entry, 1, t["none_en"]))
    return t[f"{key}_zh"].format(**fill), t[f"{key}_en"].format(**fill)


def _show(value, text=None) -> str:
    shown = "、".join(value) if isinstance(value, list) else str(value)
    return f"{text}（{shown}）" if text and text != shown else shown


def _with_year(value: str, year) -> str:
    return f"{value}（{year}）" if year else value


def _year_en(value: str, year) -> str:
    return f"{value} ({year})" if year else value


# ---- English -------------------------------------------------------------------------
_NUMERAL = re.compile(r"[零〇一二三四五六七八九十百千两]+")
_LABEL_WORDS = {"附件": "Annex ", "附表": "Table ", "第": "", "条": "", "章": "", "节": "", "款": "", "项": ""}


def path_en(path: str) -> str:
    """A provision path in Arabic numerals and ASCII brackets: 二/（三）/12 -> 2/(3)/12, 附件1/6 -> Annex 1/6;
    what is neither a numeral nor a numbering word stays as printed."""
    from policykg.ingest.numbers import parse_chinese
    out = []
    for seg in path.split("/"):
        seg = re.sub(r"^第(.+)([条章节])$", lambda m: {"条": "Article ", "章": "Chapter ", "节": "Section "}[m.group(2)] + m.group(1), seg)
        for zh, en in _LABEL_WORDS.items():
            seg = seg.replace(zh, en)
        seg = _NUMERAL.sub(lambda m: str(parse_chinese(m.group(0)) or m.group(0)), seg)
        out.append(seg.replace("（", "(").replace("）", ")").replace("、", "").strip())
    return "/".join(out)


def _unit_en(name: str, city: str | None) -> str:
    from policykg.ingest.english import render_unit_name
    return render_unit_name(name, city).text


def _place_en(name: str) -> str:
    from policykg.ingest.english import place_name_en
    return place_name_en(name)


def _metric_en(metric: str, city: str | None) -> str:
    from policykg.graph.english import gloss
    return gloss(metric, city).line or "…"


def _amount_en(shown: str) -> str:
    """show_value's "200家" / "1–3亿元" in English: the number and the unit from measures_en.tsv."""
    from policykg.graph.english import measure_en
    m = _AMOUNT.match(shown)
    if not m:
        return shown
    unit = measure_en(m.group(2))
    return f"{m.group(1)} {unit}".strip() if unit is not None else f"{m.group(1)} …"


def _value_en(fact: str, value, city: str | None) -> str:
    if fact in ("lead_units", "responsible_units"):
        names = value if isinstance(value, list) else [value]
        return "; ".join(_unit_en(n, city) for n in names) or "none"
    if fact == "city":
        return _place_en(str(value))
    if fact == "value":
        return _amount_en(str(value))
    return str(value)


def _facts(finding, entry, lang: int, none: str) -> str:
    """The corpus side's facts, and what the draft says differently."""
    prov = entry.prov
    parts = []
    for fact, mentions in (("lead_units", prov.lead_units), ("responsible_units", prov.responsible_units)):
        if mentions:
            names = [m.name if lang == 0 else _unit_en(m.name, entry.city) for m in mentions]
            parts.append(f"{_FACT[fact][lang]}: {('、' if lang == 0 else '; ').join(names)}")
    for diff in finding.differences:
        word = "草案" if lang == 0 else "draft"
        shown = _show(diff["draft"]) if lang == 0 else _value_en(diff["fact"], diff["draft"], entry.city)
        parts.append(f"{_FACT.get(diff['fact'], (diff['fact'],) * 2)[lang]} ({word}: {shown})")
    return ("；" if lang == 0 else "; ").join(parts) or none
