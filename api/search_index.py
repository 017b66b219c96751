"""The search index of one store: built from the search_*.rq templates and the documents' source
text (re-read like /api/provisions does), at the server's start (`SearchIndex.start()`) or the
first search, and again whenever a document changes. The build is one pass over the store in a
background thread (1,000 documents, 19.5 M quads: ~25-70 s on a 2-core host); meanwhile a
search is answered 503 with Retry-After, and after a change the old index answers until the new
one is ready. api/search.py holds the index itself and what a query means."""
from __future__ import annotations

import concurrent.futures
import gc
import os
import re
import threading
import time

from fastapi import HTTPException

from policykg.api.background import run_in_thread, wait_or_503
from policykg.api.search import Index, Provision, Unit
from policykg.graph import iris
from policykg.graph.namespaces import PKG
from policykg.graph.store import QueryError
from policykg.ingest.topics import TOPIC_BASE, topic_labels

REFRESH_SECONDS = 5.0
BUILD_PATIENCE = 5.0           # seconds a search waits for an index being built, then 503 Retry-After
BUILD_QUERIES_AT_ONCE = 2       # 1,000 documents on 2 cores: build 45 s -> ~30 s
BUILD_QUERY_TIMEOUT = 600.0    # per template query of a build (1,000 documents: ~30 s each, more on a busy host)
# The index lives in memory: ~5 KB a provision (1,000 synthetic documents: 192,000 provisions,
# 0.94 GB, built in 77 s), and its one-pass build queries hash whole predicates in their query
# process (at 10,000 documents, 1.9 M provisions, one held 13 GB and the machine ran short).
# Past this many provisions the server keeps its memory and answers search 503 saying why;
# POLICYKG_SEARCH_MAX_PROVISIONS raises (or lowers) the limit where the memory is there.
MAX_PROVISIONS = 500_000
MAX_PROVISIONS_ENV = "POLICYKG_SEARCH_MAX_PROVISIONS"


class SearchTooLarge(Exception):
    """The store holds more provisions than the in-memory search index is allowed."""


class SearchIndex:
    """The index of one store, built on first use and rebuilt when the documents change
    (checked at most every REFRESH_SECONDS).

    The build runs in a thread of its own: a search waits for it at most BUILD_PATIENCE seconds
    (a small store is indexed by then), else it is answered 503 with Retry-After while the build
    goes on (1,000 documents: about a minute). Once there is an index, searches answer from it at
    once: the check for changed documents (and a rebuild if they did) runs in that thread too, so
    a change shows from the first search after it is indexed. `start()` begins the first build
    without waiting (at startup)."""

    def __init__(self, browser):
        self.b = browser
        self._index: Index | None = None
        self._checked = 0.0
        self._guard = threading.Lock()
        self._build: concurrent.futures.Future | None = None
        self._began = 0.0
        self.last_build_seconds: float | None = None

    def start(self) -> concurrent.futures.Future:
        """Begin building (or re-checking) the index in the background; no-op while one runs."""
        return self._begin(None)

    async def get(self) -> Index:
        index = self._index
        if index is not None:
            if time.monotonic() - self._checked >= REFRESH_SECONDS:
                self._checked = time.monotonic()
                self._begin(None)        # check (rebuild if changed) in the background; answer now
            return index
        try:
            return await wait_or_503(self._begin(None), patience=BUILD_PATIENCE, retry_after=self._retry_after(),
                                     busy="search index is being built; try again shortly",
                                     failed="search index", failures=(QueryError,))
        except SearchTooLarge as err:          # no Retry-After: waiting does not mend it
            raise HTTPException(503, str(err)) from err

    def _retry_after(self) -> int:
        """Seconds until the build is likely done (the last build's time, else a minute), 2..30."""
        remaining = (self.last_build_seconds or 60.0) - (time.monotonic() - self._began)
        return int(min(30.0, max(2.0, remaining)))

    def _begin(self, fingerprint) -> concurrent.futures.Future:
        with self._guard:
            if self._build is None or self._build.done():
                self._build = run_in_thread(lambda: self._run(fingerprint), "search-index")
                self._began = time.monotonic()
            return self._build

    def _run(self, fingerprint) -> Index:
        began = time.monotonic()
        if fingerprint is None:
            fingerprint = self.fingerprint()
            if self._index is not None and self._index.fingerprint == fingerprint:
                self._checked = time.monotonic()
                return self._index                  # nothing changed: no rebuild
        self._check_size(fingerprint)
        index = self.build(fingerprint)
        # A million long-lived objects: out of the cyclic GC's way, or each full collection
        # (set off by the Hits a broad search makes) walks them all (~1.5 s at 1,000 documents).
        from policykg.ingest.nlp import tokens
        tokens("检索")                  # jieba loads its dictionary now, not in the first search (~1 s)
        gc.collect()
        gc.freeze()
        self.last_build_seconds = time.monotonic() - began
        self._index, self._checked = index, time.monotonic()
        return index

    def _check_size(self, fingerprint) -> None:
        """SearchTooLarge (and no old index answering instead) past the provisions allowed."""
        limit = int(os.environ.get(MAX_PROVISIONS_ENV) or MAX_PROVISIONS)
        provisions = sum(int(count) for _, count, _ in fingerprint[0])
        if provisions > limit:
            self._index = None
            raise SearchTooLarge(
                f"search is off for this store: it holds {provisions:,} provisions, more than the {limit:,} the "
                f"in-memory search index may hold (~5 KB of memory each; {MAX_PROVISIONS_ENV} changes the limit). "
                "The browse API, the named questions and /sparql are not affected.")

    # ------------------------------------------------------------------ reading the store
    def fingerprint(self):
        """What changes when a document is added, replaced or deleted: each document's graph with
        its own counts (graph/derived.py writes pkg:provisionCount and pkg:tripleCount on the
        document, in its graph), and the graph names. One row per document, nothing over the
        provisions themselves (1,000 documents: ~0.1 s)."""
        from policykg.graph.namespaces import prefix_block
        # No time limit: the embedded store then answers in this process instead of forking a
        # query process from the server (~0.3 s more on the next search, with a 2 GB index to
        # copy on write); this runs in the index's thread, and it is one row per document.
        rows = self._rows(prefix_block() + "SELECT ?doc ?provisions ?triples WHERE { "
                          "?doc pkg:provisionCount ?provisions . OPTIONAL { ?doc pkg:tripleCount ?triples } }",
                          timeout=None)
        documents = sorted((r["doc"], r["provisions"], r.get("triples") or 0) for r in rows)
        return (tuple(documents), tuple(sorted(self.b.store.graph_names())))

    def _rows(self, text: str, timeout: float = BUILD_QUERY_TIMEOUT) -> list[dict]:
        from policykg.api.reader import plain
        outcome = self.b.store.query(text, timeout=timeout, max_rows=None)
        return [{k: plain(v) for k, v in row.items()} for row in outcome.rows]

    def build(self, fingerprint) -> Index:
        """The index from the search_* templates: documents, provisions, then their topics,
        bearers and metrics (keyed by document id and pkg:order), units; then the source texts."""
        from policykg.api.reader import template
        # Two queries at a time (each in its own query process, or request to the server): the
        # two long ones, provisions and bearers, overlap; the rows are read in this order.
        with concurrent.futures.ThreadPoolExecutor(BUILD_QUERIES_AT_ONCE, thread_name_prefix="search-query") as pool:
            pending = {name: pool.submit(self._rows, template(f"search_{name}"))
                       for name in ("provisions", "bearers", "documents", "topics", "metrics", "units")}
            return self._assemble(fingerprint, {name: pending[name].result for name in pending})

    def _assemble(self, fingerprint, rows) -> Index:
        docs = {}
        for x in rows["documents"]():
            d = docs.setdefault(x["id"], {})          # one row per manifestation: the one with a file
            for k, v in x.items():
                d.setdefault(k, v)
        provisions: dict[tuple[str, int], Provision] = {}
        for x in rows["provisions"]():
            d = docs.get(x["id"])
            if d is None:
                continue
            for path, order, start, end, heading, gloss_en, summary_en in _records(x["provisions"], 7):
                parent_path = path.rsplit("/", 1)[0] if "/" in path else None
                provisions[(x["id"], int(order))] = Provision(
                    iri=iris.provision_iri(d["doc"], path), doc=x["id"], path=path, order=int(order),
                    heading=heading, start=int(start), end=int(end),
                    parent=iris.provision_iri(d["doc"], parent_path) if parent_path else d["doc"],
                    city_zh=d.get("city_zh"), city_en=d.get("city_en"), title_zh=d.get("title_zh"),
                    title_en=d.get("title_en"), summary_en=summary_en, gloss_en=gloss_en)
        rank = {cid: n for n, cid in enumerate(topic_labels())}
        for x in rows["topics"]():
            for order, topic in _records(x["topics"], 2):
                p = provisions.get((x["id"], int(order)))
                cid = topic.removeprefix(TOPIC_BASE)
                if p is not None and cid not in p.topics:
                    p.topics.append(cid)
        for x in rows["bearers"]():
            seen = set()
            for record in _records(x["bearers"], 4):
                p = provisions.get((x["id"], int(record[0])))
                if p is None or (p.iri, record) in seen:
                    continue
                seen.add((p.iri, record))
                _, role, basis, span = record
                start, _, end = (span or "").partition(",")
                mentioned = start.isdigit() and end.isdigit()
                p.bearers.append({"unit": x["unit"], "role": _local(role), "basis": _local(basis),
                                  "mention_start": int(start) if mentioned else None,
                                  "mention_end": int(end) if mentioned else None})
        for x in rows["metrics"]():
            for order, metric, metric_en in _records(x["metrics"], 3):
                p = provisions.get((x["id"], int(order)))
                if p is not None:
                    p.metrics.append((metric, metric_en))
        for p in provisions.values():      # a fixed order (the store's rows come in any order)
            p.topics.sort(key=lambda c: (rank.get(c, len(rank)), c))
            p.bearers.sort(key=lambda b: (b["mention_start"] is None, b["mention_start"] or 0, b["unit"], b["role"], b["basis"]))
            p.metrics.sort(key=lambda m: (m[0], m[1] or ""))
        units: dict[str, Unit] = {}
        for x in rows["units"]():
            u = units.setdefault(x["unit"], Unit(x["unit"], x.get("name_zh"), x.get("name_en"), x.get("city_zh"),
                                                 x.get("city_en"), x.get("origin")))
            if x.get("alt"):
                u.forms.add(x["alt"])
        self._texts(provisions.values(), docs)
        return Index(sorted(provisions.values(), key=lambda p: (p.doc, p.order)), dict(sorted(units.items())), fingerprint)

    def _texts(self, provisions, docs: dict[str, dict]) -> None:
        texts: dict[str, str | None] = {}
        children: dict[str, list[Provision]] = {}
        for p in provisions:
            children.setdefault(p.parent, []).append(p)
            if p.doc not in texts:
                d = docs[p.doc]
                texts[p.doc] = self.b.texts.text(d["file"], d.get("sha"), d.get("chars")) if d.get("file") else None
        for p in provisions:
            full = texts.get(p.doc)
            if not full:
                p.own = re.sub(r"\s+", "", p.heading or "")
                continue
            p.text = full[p.start:p.end]
            pieces, at = [], p.start
            for c in sorted(children.get(p.iri, []), key=lambda c: c.start):
                if c.start >= at:
                    pieces.append(full[at:c.start])
                    at = max(at, c.end)
            pieces.append(full[at:p.end] if at < p.end else "")
            p.own = re.sub(r"\s+", "", "".join(pieces))


def _records(text: str, width: int):
    """The records of a search_* template's GROUP_CONCAT: U+001E between records, U+001F between
    fields, U+0015 for an unbound value (None)."""
    for record in text.split("\x1e") if text else ():
        fields = record.split("\x1f")
        if len(fields) == width:
            yield tuple(None if f == "\x15" else f for f in fields)


def _local(name: str | None) -> str | None:
    return name.removeprefix(PKG) if name else name

