"""Ingest throughput against the floor nobody beats (read the files, run one regex scan).

    python benchmarks/bench_ingest.py [--scales 10 1000] [--workers N] [--keep DIR] [--stage-docs 20]
                                      [--steps extract ingest ingest/1]

For each scale: a seeded synthetic corpus (benchmarks/generate.py), then
  floor        read + decode + one regex pass over every text
  extract/1    the ingest stage (text -> provisions) on one core
  extract/N    the same with a process pool of N workers
  ingest/1     extract + RDF + SHACL gate + embedded store, one process (graph.load.ingest,
               what `policykg ingest` does)
  ingest/N     the same with N workers (extract, RDF, SHACL) and this process the single writer
  stage:*      where one process's time goes, per stage, over the first --stage-docs documents
  store floor  `oxigraph load` (Oxigraph's own loader, Rust, no Python) of those documents'
               quads as one N-Quads file: the least any ingest into this store can take
Printed: characters/s, provisions/s, time as a multiple of the floor, peak RSS of the
process so far (run one scale per process for a per-scale peak: benchmarks/run_all.py does).
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
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


def store_ingest(paths: list[Path], workers: int = 1, shacl: bool = True, keep: Path | None = None) -> int:
    """The graph stage's ingest into a fresh embedded store on disk; checks every file went in."""
    from policykg.graph.load import ingest
    from policykg.graph.store import open_store
    tmp = tempfile.mkdtemp(prefix="bench-store-", dir=keep.parent if keep else None)
    try:
        store = open_store(path=tmp)
        summary = ingest(store, paths, shacl=shacl, jobs=workers)
        graphs = len(store.graph_names())
        store.close()
        if summary.failed or graphs != len(paths) + 1:     # + the ontology graph
            raise SystemExit(f"ingest lost documents: {summary.failed[:3]}, {graphs} graphs")
        if keep:
            shutil.rmtree(keep, ignore_errors=True)
            os.replace(tmp, keep)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary.provisions


def stages(paths: list[Path]) -> dict[str, float]:
    """Seconds per stage of one process's ingest: extract, RDF mapping, SHACL gate, store write;
    and the store floor: Oxigraph's own loader given the same quads as a file."""
    from policykg.graph.load import to_nquads
    from policykg.graph.mapping import document_graph_iri, document_to_triples
    from policykg.graph.store import open_store
    from policykg.graph.validate import validate
    from policykg.ingest.pipeline import extract_file
    from servers import oxigraph_bulk_load
    spent = dict.fromkeys(("extract", "RDF mapping", "SHACL gate", "store write"), 0.0)
    with tempfile.TemporaryDirectory(prefix="bench-stages-") as tmp:
        store = open_store(path=f"{tmp}/store")
        nquads = Path(tmp, "all.nq")
        with nquads.open("wb") as out:
            for path in paths:
                s, doc = timed(extract_file, path)
                spent["extract"] += s
                s, triples = timed(document_to_triples, doc)
                spent["RDF mapping"] += s
                spent["SHACL gate"] += timed(validate, triples)[0]
                spent["store write"] += timed(store.replace_graph, document_graph_iri(doc), triples)[0]
                out.write(to_nquads(document_graph_iri(doc), triples))
        store.close()
        spent["store floor: oxigraph load, same quads"] = timed(oxigraph_bulk_load, Path(tmp, "floor"), [nquads])[0]
    return spent


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def quality(folder: Path) -> str:
    from policykg.ingest.evaluate import evaluate, pooled
    scores = pooled(evaluate(folder / "gold", folder))
    return " ".join(f"{role} F1 {s.f1:.3f}" for role, s in scores.items())


HEADER = ("| documents | step | seconds | M chars/s | provisions/s | × floor time | peak MB |\n"
          "|---:|---|---:|---:|---:|---:|---:|")


def bench_scale(scale: int, workers: int, folder: Path, keep: Path | None, stage_docs: int,
                quality_docs: int, ingest_up_to: int, steps: set[str] = frozenset({"extract", "ingest", "ingest/1"})) -> None:
    paths = sorted(folder.glob("*.txt")) or generate(folder, scale)
    floor_s, (chars, _) = timed(floor, paths)
    rows = [("floor", floor_s, None, chars)]
    if "extract" in steps:
        one_s, provisions = timed(extract, paths, 1)
        rows.append(("extract/1", one_s, provisions, chars))
        if workers > 1:
            rows.append((f"extract/{workers}", timed(extract, paths, workers)[0], provisions, chars))
    if scale <= ingest_up_to and "ingest" in steps:
        if workers == 1 or "ingest/1" in steps:
            s, provisions = timed(store_ingest, paths, 1, True, keep=keep if workers == 1 else None)
            rows.append(("ingest/1", s, provisions, chars))
        if workers > 1:
            s, provisions = timed(store_ingest, paths, workers, True, keep=keep)
            rows.append((f"ingest/{workers}", s, provisions, chars))
    if stage_docs:
        sample = paths[:stage_docs]
        sample_chars = sum(len(p.read_text("utf-8")) for p in sample)
        sample_floor = timed(floor, sample)[0]
        for step, seconds in stages(sample).items():
            rows.append((f"stage: {step} ({len(sample)} docs)", seconds, None, sample_chars, sample_floor))
    for step, seconds, provs, n_chars, *own_floor in rows:
        base = own_floor[0] if own_floor else floor_s
        pps = f"{provs / seconds:,.0f}" if provs else ""
        print(f"| {scale:,} | {step} | {seconds:.2f} | {n_chars / seconds / 1e6:.3f} | {pps} | "
              f"{seconds / base:,.0f} | {peak_mb():.0f} |", flush=True)
    if scale <= quality_docs:
        print(f"| {scale:,} | quality vs generated | {quality(folder)} | | | | |", flush=True)
    if scale > ingest_up_to:
        print(f"| {scale:,} | ingest | not run above {ingest_up_to:,} documents (--ingest-up-to): "
              "the store takes ~5 MB a document on disk | | | | |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[10, 1000])
    parser.add_argument("--workers", type=int, default=0, help="pool size (default: all cores)")
    parser.add_argument("--corpus", type=Path, help="folder holding (or to hold) the generated corpus of one scale")
    parser.add_argument("--keep", type=Path, help="keep the last ingested store here (one scale only)")
    parser.add_argument("--stage-docs", type=int, default=20, help="documents timed stage by stage")
    parser.add_argument("--quality-docs", type=int, default=50, help="score extraction up to this scale")
    parser.add_argument("--ingest-up-to", type=int, default=1000, help="largest scale ingested into a store")
    parser.add_argument("--steps", nargs="+", default=["extract", "ingest", "ingest/1"],
                        help="extract (1 and N workers), ingest (N workers; 1 when --workers 1), ingest/1 (also one process)")
    parser.add_argument("--no-header", action="store_true")
    args = parser.parse_args()
    workers = args.workers or os.cpu_count() or 1
    if not args.no_header:
        print(HEADER)
    with tempfile.TemporaryDirectory() as tmp:
        for scale in args.scales:
            folder = args.corpus or Path(tmp) / str(scale)
            bench_scale(scale, workers, folder, args.keep, min(args.stage_docs, scale), args.quality_docs,
                        args.ingest_up_to, set(args.steps))


if __name__ == "__main__":
    main()
