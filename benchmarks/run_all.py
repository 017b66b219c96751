"""Every benchmark, one command, markdown tables on stdout.

    python benchmarks/run_all.py [--quick] [--scales 10 1000 10000] [--work DIR]

--quick stops at 1,000 documents. Each scale runs in its own processes (so peak memory is
per scale): bench_ingest.py (keeps the ingested store), bench_queries.py and
bench_endpoint.py on that store; then bench_drafts.py. The machine is printed first.
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) / 1024 / 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GB RAM, Python {platform.python_version()}, {platform.system()}"


def run(script: str, *args: str) -> None:
    subprocess.run([sys.executable, str(HERE / script), *args], check=True)
    sys.stdout.flush()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="stop at 1,000 documents")
    ap.add_argument("--scales", type=int, nargs="+")
    ap.add_argument("--work", type=Path, help="where corpora and stores go (default: a temporary folder)")
    ap.add_argument("--stage-docs", default="20")
    ap.add_argument("--seconds", default="10", help="load duration per server")
    ap.add_argument("--ingest-up-to", type=int, default=1000,
                    help="largest scale ingested into a store (queries and endpoint run on those only)")
    args = ap.parse_args()
    scales = args.scales or ([10, 1000] if args.quick else [10, 1000, 10000])
    print(f"Machine: {machine()}\n", flush=True)
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        work = Path(tmp)
        print("## Ingest\n", flush=True)
        for i, scale in enumerate(scales):
            run("bench_ingest.py", "--scales", str(scale), "--corpus", str(work / f"corpus-{scale}"),
                "--keep", str(work / f"store-{scale}"), "--stage-docs", args.stage_docs,
                "--ingest-up-to", str(args.ingest_up_to), *(["--no-header"] if i else []))
        stored = [s for s in scales if s <= args.ingest_up_to]
        print("\n## Named queries: embedded store vs rdflib\n", flush=True)
        for i, scale in enumerate(stored):
            run("bench_queries.py", "--store", str(work / f"store-{scale}"), "--documents", str(scale),
                *(["--no-header"] if i else []))
        print("\n## Endpoint under load: policykg serve vs oxigraph serve\n", flush=True)
        for i, scale in enumerate(stored):
            run("bench_endpoint.py", "--store", str(work / f"store-{scale}"), "--documents", str(scale),
                "--seconds", args.seconds, *(["--no-header"] if i else []))
    print("\n## Draft check\n\n```", flush=True)
    run("bench_drafts.py", "--scales", *[str(s) for s in scales if s >= 1000] or ["1000"])
    print("```", flush=True)


if __name__ == "__main__":
    main()
