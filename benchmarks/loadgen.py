"""A bounded HTTP load generator (asyncio + httpx) for loopback servers: N connections each
sending the same request back to back for a fixed time. Used by tests/test_load.py and
benchmarks/bench_endpoint.py.

    python benchmarks/loadgen.py URL --query-file Q.rq [--connections 16] [--seconds 10]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import dataclass, field

import httpx


@dataclass
class LoadResult:
    seconds: float
    connections: int
    ok: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    @property
    def median(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")


async def _worker(client: httpx.AsyncClient, request: dict, until: float, result: LoadResult, check) -> None:
    while time.monotonic() < until:
        start = time.perf_counter()
        try:
            r = await client.request(**request)
            good = r.status_code == 200 and (check is None or check(r))
            reason = f"{r.status_code} {r.text[:200]}"
        except httpx.HTTPError as err:
            # httpx's transport errors often carry an empty message: name the cause too
            good, reason = False, f"{type(err).__name__}: {err} {err.__cause__ or err.__context__ or ''!r}"
        if good:
            result.ok += 1
            result.latencies.append(time.perf_counter() - start)
        else:
            result.failed += 1
            if len(result.errors) < 10:
                result.errors.append(reason)


async def _run(request: dict, connections: int, seconds: float, check) -> LoadResult:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        start = time.monotonic()
        result = LoadResult(seconds, connections)
        await asyncio.gather(*(_worker(client, request, start + seconds, result, check) for _ in range(connections)))
        result.seconds = time.monotonic() - start
    return result


def run_load(method: str, url: str, *, connections: int = 16, seconds: float = 10.0, check=None,
             **request) -> LoadResult:
    """`check(response) -> bool` decides whether a 200 counts as answered correctly."""
    return asyncio.run(_run({"method": method, "url": url, **request}, connections, seconds, check))


def sparql_request(base_query_url: str, sparql: str, *, param: str = "query") -> dict:
    """A SPARQL 1.1 protocol query by POST (form-encoded), JSON results."""
    return {"method": "POST", "url": base_query_url, "data": {param: sparql},
            "headers": {"Accept": "application/sparql-results+json"}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--query-file", required=True)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=10)
    args = ap.parse_args()
    with open(args.query_file, encoding="utf-8") as fh:
        req = sparql_request(args.url, fh.read())
    r = run_load(req.pop("method"), req.pop("url"), connections=args.connections, seconds=args.seconds, **req)
    print(f"{r.ok} ok, {r.failed} failed, {r.rps:.1f} req/s, median {r.median * 1000:.1f} ms, "
          f"p95 {r.percentile(95) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
