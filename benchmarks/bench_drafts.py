"""How the draft check grows with the corpus: a ~5,000-character 巴中 draft checked against the
bundled corpus replicated to 1,000 and 10,000 documents.

Replicas are the corpus documents under perturbed ids and city names (巴中市 -> 巴中市#17 …):
to the checker they are other cities' documents, near-copies of the real ones, which is the
worst case for the look-alike search (every match has thousands of twins). The draft's own
city keeps its three real documents at every scale.

    python benchmarks/bench_drafts.py [--scales 1000 10000] [--repeat 3]
    python benchmarks/bench_drafts.py --folder CORPUS_DIR   # first use of a folder: one process vs the pool
"""
from __future__ import annotations

import argparse
import copy
import os
import statistics
import time
from pathlib import Path

from policykg.graph.drafts import build_index, check_draft
from policykg.ingest.pipeline import extract_file, extract_text

ROOT = Path(__file__).resolve().parent.parent
DRAFT_CHARS = 5_000


def corpus() -> list:
    return [extract_file(p) for p in sorted((ROOT / "corpus").glob("*.txt"))]


def replicate(docs: list, total: int) -> list:
    """The real documents plus perturbed copies up to `total` documents."""
    out = list(docs)
    i = 0
    while len(out) < total:
        original = docs[i % len(docs)]
        replica = copy.copy(original)
        replica.meta = copy.copy(original.meta)
        replica.meta.id = f"{original.meta.id}-r{i}"
        replica.meta.city = f"{original.meta.city}#{i}"
        replica.meta.source = f"replica/{i}/{Path(original.meta.source).name}"
        out.append(replica)
        i += 1
    return out


def draft_text() -> str:
    """The planted 巴中 fixtures, then items of the 巴中 opinions, cut to ~5,000 characters."""
    parts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests/data/drafts").glob("bazhong-*.txt"))]
    opinions = (ROOT / "corpus/bazhong-tcm-integration-opinions-draft.txt").read_text(encoding="utf-8")
    body = opinions[opinions.index("二、推进措施"):]
    text = "\n".join(parts) + "\n" + body
    return text[:DRAFT_CHARS]


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def cold_start(folder: Path) -> None:
    """What a server's first draft check waits for on a corpus folder: extract every file and
    build the index, in this process and with the pool (graph/drafts.PARALLEL_FROM)."""
    from policykg.graph import drafts
    files = drafts.corpus_files(folder)
    chars = sum(len(p.read_text(encoding="utf-8")) for p in files)
    print(f"{len(files):,} files, {chars / 1e6:.1f} M characters, {os.cpu_count()} cores")
    print(f"{'extraction':>12} {'first index s':>14} {'x one process':>14}")
    base = None
    for label, threshold in (("one process", len(files) + 1), ("pool", drafts.PARALLEL_FROM)):
        drafts.PARALLEL_FROM = threshold
        drafts._cached_index.cache_clear()
        start = time.perf_counter()
        drafts.corpus_index(folder)
        seconds = time.perf_counter() - start
        base = base or seconds
        print(f"{label:>12} {seconds:>14.1f} {seconds / base:>13.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=int, nargs="+", default=[1_000, 10_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--folder", type=Path, help="time the first index of this corpus folder instead")
    args = ap.parse_args()
    if args.folder:
        return cold_start(args.folder)
    docs = corpus()
    text = draft_text()
    draft = extract_text(text, source="bench-draft.txt", overrides={"city": "巴中市"})
    print(f"draft: {len(text):,} characters, {len(draft.provisions)} provisions")
    print(f"{'documents':>10} {'entries':>9} {'build s':>9} {'check ms':>9} {'findings':>9} {'x smallest':>11}")
    base = None
    for scale in [len(docs)] + args.scales:
        start = time.perf_counter()
        index = build_index(replicate(docs, scale))
        build = time.perf_counter() - start
        check_draft(draft, index)                       # warm the signature cache once
        seconds, findings = timed(lambda: check_draft(draft, index), args.repeat)
        base = base or seconds
        print(f"{scale:>10,} {len(index.entries):>9,} {build:>9.1f} {seconds * 1000:>9.1f} "
              f"{len(findings):>9} {seconds / base:>10.2f}x")


if __name__ == "__main__":
    main()
