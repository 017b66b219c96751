"""Ingest throughput against the floor nobody beats (read the files, run one regex scan).

    python benchmarks/bench_ingest.py [--scales 10 1000] [--workers N] [--store]

For each scale: a seeded synthetic corpus (benchmarks/generate.py), then
  floor      read + decode + one regex pass over every text
  extract/1  the ingest stage on one core
  extract/N  the same with a process pool of N workers
  store/1    extraction + RDF + embedded store (when --store and the graph stage is installed)
Printed: characters/s, provisions/s, ratio to the floor, peak RSS; extraction quality
against the generated expectations.
"""
from __future__ import annotations

import argparse
import re
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate  # noqa: E402

SCAN = re.compile(r"(?:牵头单位|责任单位)[:：]|\d+(?:\.\d+)?(?:亿元|万元|家|个|%)|\d{4}年")


def floor(paths: list[Path]) -> tuple[int, int]:
    chars = hits = 0
    for path in paths:
        text = path.read_bytes().decode("utf-8")
        chars += len(text)
        hits += sum(1 for _ in SCAN.finditer(text))
    return chars, hits


def _extract_one(path: Path) -> int:
    from policykg.ingest.pipeline import extract_file
    return len(extract_file(path).provisions)


def extract(paths: list[Path], workers: int) -> int:
    if workers == 1:
        return sum(_extract_one(p) for p in paths)
    with ProcessPoolExecutor(workers) as pool:
        return sum(pool.map(_extract_one, paths, chunksize=max(1, len(paths) // (workers * 8))))


def store_ingest(paths: list[Path]) -> int:
    from policykg.graph.ingest import ingest_paths  # provided by the graph stage
    from policykg.graph.store import open_store
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(path=tmp)
        report = ingest_paths(store, paths)
        store.close()
    return getattr(report, "provisions", 0)


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def quality(folder: Path) -> str:
    from policykg.ingest.evaluate import evaluate, pooled
    scores = pooled(evaluate(folder / "gold", folder))
    return " ".join(f"{role} F1 {s.f1:.3f}" for role, s in scores.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[10, 1000])
    parser.add_argument("--workers", type=int, default=0, help="pool size (default: all cores)")
    parser.add_argument("--store", action="store_true", help="also time the full ingest into an embedded store")
    parser.add_argument("--quality-docs", type=int, default=50, help="documents scored against expectations")
    args = parser.parse_args()
    import os
    workers = args.workers or os.cpu_count() or 1
    print(f"| documents | step | seconds | M chars/s | provisions/s | × floor time | peak MB |")
    print(f"|---:|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for scale in args.scales:
            folder = Path(tmp) / str(scale)
            paths = generate(folder, scale)
            floor_s, (chars, _) = timed(floor, paths)
            rows = [("floor", floor_s, None)]
            one_s, provisions = timed(extract, paths, 1)
            rows.append(("extract/1", one_s, provisions))
            if workers > 1:
                many_s, _ = timed(extract, paths, workers)
                rows.append((f"extract/{workers}", many_s, provisions))
            if args.store:
                store_s, _ = timed(store_ingest, paths)
                rows.append(("store/1", store_s, provisions))
            for step, seconds, provs in rows:
                pps = f"{provs / seconds:,.0f}" if provs else ""
                print(f"| {scale:,} | {step} | {seconds:.2f} | {chars / seconds / 1e6:.2f} | {pps} | "
                      f"{seconds / floor_s:.1f} | {peak_mb():.0f} |")
            sample = folder if scale <= args.quality_docs else None
            if sample:
                print(f"|  | quality | {quality(sample)} | | | | |")


if __name__ == "__main__":
    main()
