"""The precise step: given two provisions assigning the same task, do their facts agree?

Each comparison returns a list of differences, dicts naming the fact, both values and
whether the difference is a conflict; the checker turns conflicts into findings.
"""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from policykg.graph.draft_features import Clause, settings
from policykg.ingest.models import Deadline, Document, Provision, Target
from policykg.ingest.text import sentences


# ---- units ---------------------------------------------------------------------------

def _names(mentions) -> list[str]:
    ignore = settings()["units"]["ignore_kinds"]
    return sorted({m.name for m in mentions if m.kind not in ignore})


def _overlap(a: list[str], b: list[str]) -> float:
    return len(set(a) & set(b)) / min(len(a), len(b))


def unit_differences(draft: Provision, corpus: Provision) -> list[dict]:
    """Leads conflict when both name leads that barely overlap; with no lead on either side
    the responsible sets are compared instead. A side naming nobody agrees with anything."""
    conf = settings()["units"]
    dl, cl = _names(draft.lead_units), _names(corpus.lead_units)
    dr, cr = _names(draft.responsible_units), _names(corpus.responsible_units)
    out = []
    if dl and cl and dl != cl:
        out.append(_diff("lead_units", dl, cl, _overlap(dl, cl) < conf["lead_min_overlap"]))
    if dr and cr and dr != cr:
        conflict = not dl and not cl and _overlap(dr, cr) < conf["responsible_min_overlap"]
        out.append(_diff("responsible_units", dr, cr, conflict))
    return out


def _diff(fact: str, draft, corpus, conflict: bool, **extra) -> dict:
    return {"fact": fact, "draft": draft, "corpus": corpus, "conflict": conflict, **extra}


# ---- deadlines -----------------------------------------------------------------------

def task_deadline(doc: Document, prov: Provision, clause: Clause) -> Deadline | None:
    """The deadline of the matched task: one in its sentence, else the provision's only one."""
    timed = [d for d in prov.deadlines if d.kind in ("by", "period", "recurring")]
    norm_spans = [(prov.start, prov.end)]
    own = next((s for s in sentences(doc.text, norm_spans) if s.start <= clause.start < s.end), None)
    inside = [d for d in timed if own and own.start <= d.start < own.end]
    if inside:
        return inside[0]
    return timed[0] if len(timed) == 1 else None


def end_year(deadline: Deadline) -> int | None:
    if deadline.kind == "recurring":
        return None
    text = deadline.date.split("/")[-1]
    return int(text[:4]) if text[:4].isdigit() else None


def deadline_differences(draft: Deadline | None, corpus: Deadline | None) -> list[dict]:
    if draft is None or corpus is None:
        return []
    if draft.kind == "recurring" or corpus.kind == "recurring":
        conflict = draft.kind == corpus.kind and draft.date != corpus.date
        same = draft.date == corpus.date
    else:
        dy, cy = end_year(draft), end_year(corpus)
        same = dy == cy
        conflict = dy is not None and cy is not None and abs(dy - cy) > settings()["deadlines"]["year_tolerance"]
    if same:
        return []
    return [_diff("deadline", draft.date, corpus.date, conflict, draft_text=draft.text, corpus_text=corpus.text)]


# ---- targets -------------------------------------------------------------------------

def target_year(prov: Provision, target: Target) -> int | None:
    """The target's own year, else the end of the provision's period (十四五期间 -> 2025)."""
    if target.year:
        return target.year
    periods = [d for d in prov.deadlines if d.kind == "period"]
    return end_year(periods[0]) if len(periods) == 1 else None


def metric_similarity(a: str, b: str) -> float:
    if _level(a) and _level(b) and _level(a) != _level(b):
        return 0.0
    x, y = _bigrams(a), _bigrams(b)
    least = settings()["targets"]["min_metric_bigrams"]
    if len(x) < least or len(y) < least:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


@lru_cache(maxsize=4096)
def _bigrams(metric: str) -> frozenset[str]:
    for word in sorted(settings()["targets"]["metric_stopwords"], key=len, reverse=True):
        metric = metric.replace(word, " ")
    out = set()
    for piece in metric.split():
        out |= {piece[i:i + 2] for i in range(len(piece) - 1)}
    return frozenset(out)


def _level(metric: str) -> str | None:
    levels = sorted(settings()["targets"]["levels"], key=len, reverse=True)
    return next((lv for lv in levels if lv in metric), None)


def same_unit(a: str, b: str) -> bool:
    return a == b or any(a in g and b in g for g in settings()["targets"]["unit_groups"])


def _interval(value) -> tuple[Decimal, Decimal] | None:
    if value is None:
        return None
    return value if isinstance(value, tuple) else (value, value)


def target_differences(dp: Provision, dt: Target, cp: Provision, ct: Target) -> list[dict] | None:
    """Same metric already established; the differing facts and whether they conflict, or
    None when the two are steps of one trajectory (60亿元 in 2022, 200亿元 in 2025)."""
    conf = settings()["targets"]
    dv, cv = _interval(dt.value), _interval(ct.value)
    if dv is None or cv is None:
        return None
    dy, cy = target_year(dp, dt), target_year(cp, ct)
    out = []
    values_agree = dv[0] <= cv[1] and cv[0] <= dv[1]
    if dy and cy and dy != cy:
        milestone = not values_agree and conf["milestones_are_compatible"]
        out.append(_diff("year", dy, cy, values_agree))
        if milestone:
            return None
    if dv != cv:
        out.append(_diff("value", show_value(dt), show_value(ct), not values_agree))
    if not any(dt.comparator in g and ct.comparator in g for g in conf["comparator_groups"]):
        out.append(_diff("comparator", dt.comparator, ct.comparator, True))
    return out


def comparable_targets(dt: Target, ct: Target) -> float:
    """Metric similarity when the two targets could count the same thing, else 0."""
    if not same_unit(dt.unit, ct.unit) or sorted(dt.regions) != sorted(ct.regions):
        return 0.0
    return metric_similarity(dt.metric, ct.metric)


def show_value(t: Target) -> str:
    from policykg.ingest.models import to_jsonable
    value = t.value
    if isinstance(value, tuple):
        return f"{to_jsonable(value[0])}–{to_jsonable(value[1])}{t.unit}"
    return f"{to_jsonable(value)}{t.unit}"
