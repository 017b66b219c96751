"""The corpus side of the draft checker: the provisions worth checking against and two
candidate indexes over their clause shingles, then IDF weights (computed on the corpus) for
the precise step, and the targets of each city.

- Same city: an inverted index (city, shingle) -> clauses. Recall matters here (a shared
  “352” must be found even when the clauses are otherwise unlike), and the postings read
  are those of one city, so the cost follows the city's corpus, not the whole corpus.
- Other cities: MinHash/LSH, because only close look-alikes are reported there and LSH
  finds them without reading postings of every city.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from datasketch import LeanMinHash, MinHash, MinHashLSH

from policykg.graph.draft_features import Clause, clauses, settings
from policykg.ingest.models import Document, Provision, Target


@dataclass
class Entry:
    """One provision of one corpus document, as indexed."""
    doc: Document
    prov: Provision
    clauses: list[Clause]

    @property
    def city(self) -> str | None:
        return self.doc.meta.city


@dataclass
class DraftIndex:
    entries: list[Entry] = field(default_factory=list)
    clause_keys: list[tuple[int, int]] = field(default_factory=list)   # LSH key -> (entry, clause)
    idf: dict[str, float] = field(default_factory=dict)
    max_idf: float = 1.0
    targets: dict[str, list[tuple[int, Target]]] = field(default_factory=dict)   # city -> (entry, target)
    postings: dict[tuple[str, str], list[int]] = field(default_factory=dict)     # (city, shingle) -> keys
    lsh: MinHashLSH | None = None
    documents: list[Document] = field(default_factory=list)

    @property
    def cities(self) -> list[str]:
        return sorted({d.meta.city for d in self.documents if d.meta.city})

    def weight(self, feature: str) -> float:
        return self.idf.get(feature, self.max_idf)

    def same_city(self, clause: Clause, city: str) -> set[int]:
        keys: set[int] = set()
        for feature in clause.features:
            keys.update(self.postings.get((city, feature), ()))
        return keys

    def elsewhere(self, clause: Clause) -> list[int]:
        if len(clause.features) < settings()["index"]["min_clause_features"]:
            return []
        return self.lsh.query(signature(clause.features))


def checkable(doc: Document) -> list[Provision]:
    """The provisions to compare: a section with numbered children only repeats them (a
    "section" with none is a one-line item whose text was read as a heading)."""
    parents = {p.parent for p in doc.provisions}
    skip = settings()["index"]["skip_kinds"]
    return [p for p in doc.provisions if p.kind not in skip or p.id not in parents]


def assigns_tasks(prov: Provision) -> bool:
    """A preamble states a purpose (为…，制定本方案); its targets count, its wording does not."""
    return prov.kind not in settings()["index"]["no_task_kinds"]


def carries_facts(prov: Provision) -> bool:
    return any(getattr(prov, name) for name in settings()["index"]["keep_if_any"])


def build_index(documents: list[Document]) -> DraftIndex:
    conf = settings()["index"]
    index = DraftIndex(documents=list(documents))
    df: Counter[str] = Counter()
    units = 0
    memo: dict = {}         # identical texts (same sha256) are cut and shingled once
    for doc in documents:
        for prov in checkable(doc):
            key = (doc.meta.sha256, prov.id, prov.start) if doc.meta.sha256 else None
            parts = memo.get(key) if key else None
            if parts is None:
                parts = clauses(doc, prov) if assigns_tasks(prov) else []
                if key:
                    memo[key] = parts
            units += 1
            df.update(set().union(*(c.features for c in parts)) if parts else ())
            if carries_facts(prov):
                index.entries.append(Entry(doc, prov, parts))
    # log(N/df): a shingle found in a fair share of the corpus weighs next to nothing, so
    # the corpus's own boilerplate (生物医药产业 in this one) cannot make two tasks alike.
    index.idf = {f: math.log(units / n) * _boost(f) for f, n in df.items()}
    index.max_idf = math.log(max(units, 2))
    index.lsh = MinHashLSH(threshold=conf["lsh_threshold"], num_perm=conf["num_perm"])
    for e, entry in enumerate(index.entries):
        for c, clause in enumerate(entry.clauses):
            key = len(index.clause_keys)
            index.clause_keys.append((e, c))
            for feature in clause.features:
                index.postings.setdefault((entry.city or "", feature), []).append(key)
            if len(clause.features) >= conf["min_clause_features"]:
                index.lsh.insert(key, signature(clause.features), check_duplication=False)
        for target in entry.prov.targets:
            index.targets.setdefault(entry.city or "", []).append((e, target))
    return index


def _boost(feature: str) -> float:
    """Programme codes (“352”) name one thing each: one shared code is strong evidence."""
    return settings()["features"]["code_boost"] if feature.startswith("#") else 1.0


_signatures: dict[frozenset, LeanMinHash] = {}


def signature(features: frozenset[str]) -> LeanMinHash:
    """MinHash of a feature set; memoised because replicated texts repeat the same sets."""
    sig = _signatures.get(features)
    if sig is None:
        template = _template()
        mh = MinHash(num_perm=len(template.hashvalues), permutations=template.permutations,
                     scheme=template.scheme)
        mh.update_batch([f.encode("utf-8") for f in sorted(features)])
        sig = _signatures[features] = LeanMinHash(mh)
        if len(_signatures) > 200_000:        # bounded: a long-running server sees many drafts
            _signatures.clear()
    return sig


_templates: list[MinHash] = []


def _template() -> MinHash:
    """Permutations are drawn once: drawing them per MinHash costs more than hashing."""
    if not _templates:
        _templates.append(MinHash(num_perm=settings()["index"]["num_perm"]))
    return _templates[0]


def candidates(index: DraftIndex, clause: Clause, city: str) -> tuple[list, list]:
    """(entry, clause) pairs of `city`, and of other cities (capped: beyond the cap they are
    near-copies of what was kept)."""
    same = [index.clause_keys[k] for k in sorted(index.same_city(clause, city))]
    cap = settings()["index"]["max_elsewhere_candidates"]
    other = []
    for key in sorted(index.elsewhere(clause)):
        e, c = index.clause_keys[key]
        if index.entries[e].city != city:
            other.append((e, c))
            if len(other) >= cap:
                break
    return same, other
