"""Score extraction against hand annotations (../shared/gold, FORMAT.md).

For each gold provision the system provision compared with it is the innermost one whose
[start, end) holds the anchor's first character. Units are compared after mapping both
sides through the gold `aliases`; deadlines as (date, kind); targets as
(value, unit, comparator). Facts on system provisions holding no gold anchor are false
positives. Precision, recall and F1 are pooled over documents.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from policykg.errors import UserError
from policykg.ingest.models import Document, Provision
from policykg.ingest.pipeline import extract_file

ROLES = ("units", "deadlines", "targets")


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: Counter, system: Counter) -> None:
        common = sum((gold & system).values())
        self.tp += common
        self.fp += sum(system.values()) - common
        self.fn += sum(gold.values()) - common

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class DocResult:
    source: str
    scores: dict[str, Score] = field(default_factory=lambda: {r: Score() for r in ROLES})
    located: int = 0
    gold_provisions: int = 0
    misses: list[str] = field(default_factory=list)     # readable differences


def _number(value) -> object:
    if isinstance(value, (list, tuple)):
        return tuple(_number(v) for v in value)
    return Decimal(str(value)).normalize() if value is not None else None


def unit_facts(prov_id: str, lead, responsible, aliases: dict) -> Counter:
    canon = lambda name: aliases.get(name, name)
    return Counter([("lead", canon(u)) for u in lead] + [("responsible", canon(u)) for u in responsible])


def system_facts(prov: Provision, aliases: dict) -> dict[str, Counter]:
    return {
        "units": unit_facts(prov.id, [m.name for m in prov.lead_units],
                            [m.name for m in prov.responsible_units], aliases),
        "deadlines": Counter((d.date, d.kind) for d in prov.deadlines),
        "targets": Counter((_number(t.value), t.unit, t.comparator) for t in prov.targets),
    }


def gold_facts(entry: dict, aliases: dict) -> dict[str, Counter]:
    return {
        "units": unit_facts(entry["id"], entry.get("lead_units", []), entry.get("responsible_units", []), aliases),
        "deadlines": Counter((d["date"], d["kind"]) for d in entry.get("deadlines", [])),
        "targets": Counter((_number(t["value"]), t["unit"], t["comparator"]) for t in entry.get("targets", [])),
    }


def innermost(doc: Document, offset: int) -> Provision | None:
    holding = [p for p in doc.provisions if p.start <= offset < p.end]
    return min(holding, key=lambda p: (p.end - p.start, -p.start)) if holding else None


def score_document(doc: Document, gold: dict) -> DocResult:
    result = DocResult(gold["source"], gold_provisions=len(gold["provisions"]))
    aliases = gold.get("aliases", {})
    by_system: dict[int, list[dict]] = {}
    for entry in gold["provisions"]:
        offset = doc.text.find(entry["anchor"])
        prov = innermost(doc, offset) if offset >= 0 else None
        if prov is None:
            result.misses.append(f"{entry['id']}: anchor not located")
            by_system.setdefault(-1, []).append(entry)
            continue
        result.located += 1
        by_system.setdefault(id(prov), []).append(entry)
    for prov in doc.provisions:
        system = system_facts(prov, aliases)
        gold_here = [gold_facts(e, aliases) for e in by_system.get(id(prov), [])]
        for role in ROLES:
            expected = sum((g[role] for g in gold_here), Counter())
            result.scores[role].add(expected, system[role])
            _note(result, prov.id, role, expected, system[role])
    for entry in by_system.get(-1, []):
        for role, facts in gold_facts(entry, aliases).items():
            result.scores[role].add(facts, Counter())
    return result


def _note(result: DocResult, pid: str, role: str, gold: Counter, system: Counter) -> None:
    missing, extra = gold - system, system - gold
    if missing or extra:
        result.misses.append(f"{pid} {role}: missing {sorted(map(str, missing.elements()))} "
                             f"extra {sorted(map(str, extra.elements()))}")


def evaluate(gold_dir: Path, sources: Path) -> list[DocResult]:
    files = sorted(Path(gold_dir).glob("*.json"))
    if not files:
        raise UserError(f"{gold_dir}: no gold *.json files")
    results = []
    for path in files:
        gold = json.loads(path.read_text(encoding="utf-8"))
        source = Path(sources) / gold["source"]
        if not source.exists():
            raise UserError(f"{path.name}: source {source} not found (check --sources)")
        results.append(score_document(extract_file(source), gold))
    return results


def pooled(results: list[DocResult]) -> dict[str, Score]:
    total = {r: Score() for r in ROLES}
    for res in results:
        for role in ROLES:
            s = res.scores[role]
            total[role].tp += s.tp
            total[role].fp += s.fp
            total[role].fn += s.fn
    return total


def format_table(results: list[DocResult]) -> str:
    head = f"{'document':28} {'located':>9} " + " ".join(f"{r + ' P/R/F1':>22}" for r in ROLES)
    rows = [head, "-" * len(head)]
    for res in results + [None]:
        scores = pooled(results) if res is None else res.scores
        name = "ALL (pooled)" if res is None else res.source
        located = (f"{sum(r.located for r in results)}/{sum(r.gold_provisions for r in results)}"
                   if res is None else f"{res.located}/{res.gold_provisions}")
        cells = " ".join(f"{s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}  " for s in scores.values())
        rows.append(f"{name:28} {located:>9} {cells}")
    return "\n".join(rows)
