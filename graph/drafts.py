"""Draft checker: which duties of a new draft already exist in the corpus, and which
contradict it (issue 6).

Two steps. Candidates: each clause of a draft provision queries the MinHash/LSH index of
corpus clauses. Precise: candidate pairs are scored with IDF-weighted overlap of their
shingles, and pairs judged the same task have their facts compared (units, deadline,
targets). Targets are also compared on their own, metric by metric, within the city.
Units of different cities are different bodies: another city's look-alike is at most
`similar_elsewhere`.
"""
from __future__ import annotations

import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from policykg.errors import UserError
from policykg.graph import draft_facts as facts
from policykg.graph.draft_explain import explain
from policykg.graph.draft_features import Clause, clauses, settings
from policykg.graph.draft_index import DraftIndex, Entry, assigns_tasks, build_index, candidates, checkable
from policykg.ingest.models import Document, Provision, Target

__all__ = ["Finding", "build_index", "check_draft", "corpus_index", "resolve_city"]


@dataclass
class Finding:
    kind: str
    draft_start: int
    draft_end: int
    corpus_source: str
    corpus_start: int
    corpus_end: int
    score: float
    differences: list[dict] = field(default_factory=list)
    explanation_zh: str = ""
    explanation_en: str = ""
    draft_provision: str = ""
    corpus_provision: str = ""
    corpus_document: str = ""
    corpus_city: str | None = None

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Match:
    entry: int
    score: float
    draft_clause: Clause
    corpus_clause: Clause


def resolve_city(city: str | None, index: DraftIndex) -> str:
    """巴中 and 巴中市 name the same city; an unknown city is a usage error naming the known ones."""
    if not city:
        raise UserError(f"the draft's city is unknown: give it (one of {', '.join(index.cities)})")
    for known in index.cities:
        if city in (known, known.rstrip("市")):
            return known
    return city       # a city with no documents yet: everything is elsewhere


def check_draft(draft: Document, index: DraftIndex, *, city: str | None = None) -> list[Finding]:
    city = resolve_city(city or draft.meta.city, index)
    findings: list[Finding] = []
    for prov in checkable(draft):
        findings += _check_provision(draft, prov, index, city)
    findings.sort(key=lambda f: (f.draft_start, f.kind, f.corpus_source, f.corpus_start))
    return findings


def _check_provision(draft: Document, prov: Provision, index: DraftIndex, city: str) -> list[Finding]:
    parts = clauses(draft, prov) if assigns_tasks(prov) else []
    same, elsewhere = _task_matches(draft, parts, index, city)
    out, matched = [], set()
    for match in same:
        matched.add(match.entry)
        out += _judge_task(draft, prov, match, index)
    out += _target_findings(draft, prov, index, city, matched)
    out += [_elsewhere_finding(draft, prov, m, index) for m in elsewhere]
    return out


# ---- candidates and task similarity --------------------------------------------------

def _task_matches(draft: Document, parts: list[Clause], index: DraftIndex, city: str):
    conf = settings()
    best: dict[int, Match] = {}
    for clause in parts:
        same, other = candidates(index, clause, city)
        for e, c in same + other:
            entry = index.entries[e]
            if entry.doc.meta.sha256 and entry.doc.meta.sha256 == draft.meta.sha256:
                continue      # the draft is itself a corpus document: not its own duplicate
            corpus_clause = entry.clauses[c]
            score = similarity(clause.features, corpus_clause.features, index)
            if score > (best[e].score if e in best else 0.0):
                best[e] = Match(e, score, clause, corpus_clause)
    match = conf["match"]
    same_city = [m for m in best.values() if index.entries[m.entry].city == city
                 and m.score >= match["task_threshold"]]
    elsewhere = sorted((m for m in best.values() if index.entries[m.entry].city != city
                        and m.score >= match["elsewhere_threshold"]), key=lambda m: -m.score)
    return sorted(same_city, key=lambda m: m.entry), elsewhere[: match["max_elsewhere_per_provision"]]


def similarity(a: frozenset[str], b: frozenset[str], index: DraftIndex) -> float:
    """IDF-weighted cosine of two shingle sets; 0 unless they share enough weight (counted in
    rare-shingle equivalents), so one shared word (龙头企业, 知识产权) is never a match."""
    conf = settings()["match"]
    shared = sum(index.weight(f) for f in a & b)
    if shared < conf["min_shared_rare"] * index.max_idf:
        return 0.0
    wa = sum(index.weight(f) for f in a)
    wb = sum(index.weight(f) for f in b)
    return round(shared / math.sqrt(wa * wb), 3)


# ---- judging a same-task pair ----------------------------------------------------------

def _judge_task(draft: Document, prov: Provision, match: Match, index: DraftIndex) -> list[Finding]:
    entry = index.entries[match.entry]
    units = facts.unit_differences(prov, entry.prov)
    deadline = facts.deadline_differences(
        facts.task_deadline(draft, prov, match.draft_clause),
        facts.task_deadline(entry.doc, entry.prov, match.corpus_clause))
    make = lambda kind, diffs: _finding(kind, match, entry, prov, diffs)
    out = []
    lead = [d for d in units if d["conflict"]]
    if lead:
        out.append(make("lead_conflict", units))
    if any(d["conflict"] for d in deadline):
        out.append(make("deadline_conflict", deadline))
    if not out and not _pair_target_conflict(prov, entry.prov):
        out.append(make("duplicate", units + deadline))
    return out


def _pair_target_conflict(dp: Provision, cp: Provision) -> bool:
    threshold = settings()["targets"]["metric_threshold"]
    return any(facts.comparable_targets(dt, ct) >= threshold
               and any(d["conflict"] for d in facts.target_differences(dp, dt, cp, ct) or ())
               for dt in dp.targets for ct in cp.targets)


def _finding(kind: str, match: Match, entry: Entry, prov: Provision, diffs: list[dict]) -> Finding:
    f = Finding(kind, match.draft_clause.start, match.draft_clause.end, entry.doc.meta.source or "",
                match.corpus_clause.start, match.corpus_clause.end, match.score, diffs,
                draft_provision=prov.id, corpus_provision=entry.prov.id,
                corpus_document=entry.doc.meta.id, corpus_city=entry.city)
    f.explanation_zh, f.explanation_en = explain(f, entry)
    return f


def _elsewhere_finding(draft: Document, prov: Provision, match: Match, index: DraftIndex) -> Finding:
    entry = index.entries[match.entry]
    diffs = [facts._diff("city", draft.meta.city, entry.city, False)]
    return _finding("similar_elsewhere", match, entry, prov, diffs)


# ---- targets on their own ---------------------------------------------------------------

def _target_findings(draft: Document, prov: Provision, index: DraftIndex, city: str,
                     matched: set[int]) -> list[Finding]:
    """Target conflicts with any provision of the city; a repeated target is reported only
    when the task itself was not already matched (then the duplicate says it)."""
    threshold = settings()["targets"]["metric_threshold"]
    out, repeated = [], {}
    for dt in prov.targets:
        for e, ct in index.targets.get(city, []):
            entry = index.entries[e]
            if entry.doc.meta.sha256 and entry.doc.meta.sha256 == draft.meta.sha256:
                continue
            score = facts.comparable_targets(dt, ct)
            if score < threshold:
                continue
            diffs = facts.target_differences(prov, dt, entry.prov, ct)
            if diffs is None:
                continue
            if any(d["conflict"] for d in diffs):
                out.append(_target_finding("target_conflict", prov, dt, entry, ct, score, diffs))
                matched = matched | {e}
            elif e not in matched and score > repeated.get(e, (0.0,))[0]:
                repeated[e] = (score, dt, ct, diffs)
    for e, (score, dt, ct, diffs) in repeated.items():
        if e not in matched:
            out.append(_target_finding("duplicate", prov, dt, index.entries[e], ct, score, diffs))
    return out


def _target_finding(kind, prov: Provision, dt: Target, entry: Entry, ct: Target, score: float,
                    diffs: list[dict]) -> Finding:
    diffs = [{**d, "metric": dt.metric, "corpus_metric": ct.metric} for d in diffs]
    f = Finding(kind, dt.start, dt.end, entry.doc.meta.source or "", ct.start, ct.end, round(score, 3),
                diffs, draft_provision=prov.id, corpus_provision=entry.prov.id,
                corpus_document=entry.doc.meta.id, corpus_city=entry.city)
    f.explanation_zh, f.explanation_en = explain(f, entry, target=(dt, ct))
    return f


# ---- the corpus to check against ---------------------------------------------------------

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def corpus_files(folder: str | Path | None = None) -> list[Path]:
    folder = Path(folder) if folder else BUNDLED_CORPUS
    if not folder.is_dir():
        raise UserError(f"{folder}: no such corpus folder")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".txt", ".text"))
    if not files:
        raise UserError(f"{folder}: no .txt documents to check against")
    return files


def corpus_index(folder: str | Path | None = None) -> DraftIndex:
    """The index of a corpus folder, built once per process and state of its files."""
    return index_of(corpus_key(folder))


def corpus_key(folder: str | Path | None = None) -> tuple[tuple[str, int, int], ...]:
    """What the index of a folder depends on: its files with their size and modification time.
    They stand for the content, as they do for make: hashing every file on every request took
    ~4 s at 10,000 documents, where a check takes ~1 s."""
    return tuple((_shown(p), *_stamp(p)) for p in corpus_files(folder))


def index_of(key: tuple[tuple[str, int, int], ...]) -> DraftIndex:
    return _cached_index(key)


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


@lru_cache(maxsize=4)
def _cached_index(key: tuple[tuple[str, int, int], ...]) -> DraftIndex:
    return build_index(_extract_all([Path(shown) for shown, *_ in key]))


# From this many files the corpus is extracted by a pool of processes (one per core): at
# 10,000 documents one process takes ~13 minutes before the first check can start. Spawned,
# not forked: the server asking for the index has other threads, and an open store.
PARALLEL_FROM = 64


def _extract_all(paths: list[Path]) -> list[Document]:
    from policykg.ingest.pipeline import extract_file
    workers = os.cpu_count() or 1
    if len(paths) < PARALLEL_FROM or workers < 2:
        return [extract_file(path) for path in paths]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(extract_file, paths, chunksize=16))


def _shown(path: Path) -> str:
    """Paths under the working directory are shown relative to it, the others absolute."""
    absolute = path.resolve()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)
