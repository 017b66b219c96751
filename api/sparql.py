"""SPARQL 1.1 Protocol at /sparql over a Store, as a mountable APIRouter.

Query: GET ?query=, POST form-encoded, POST application/sparql-query; dataset from
default-graph-uri / named-graph-uri (repeatable). Update: POST form `update=` or POST
application/sparql-update, with using-graph-uri / using-named-graph-uri, and only with
the bearer token. GET without an operation answers the Service Description.

Limits (documented in the API's OpenAPI text and the README of the web page):
  * time limit  -> 503 {"error": "query_timeout"}; the query is abandoned, others go on;
  * result size -> 400 {"error": "result_too_large"}: rows (SELECT) or triples
    (CONSTRUCT/DESCRIBE) beyond max_rows; add LIMIT or narrow the pattern.
Store calls run in the threadpool, so one slow query never blocks the event loop.
"""
from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from policykg.api import formats, service
from policykg.api.auth import require_write
from policykg.api.errors import ApiError, bad_request, not_acceptable
from policykg.api.sparql_text import DatasetConflict, add_using, query_dataset, with_base

from policykg.graph.store import QueryError, QueryTimeout, ResultTooLarge

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
DATASET_PARAMS = ("default-graph-uri", "named-graph-uri")
USING_PARAMS = ("using-graph-uri", "using-named-graph-uri")
HTML = formats.Format("text/html", lambda *_: b"")   # negotiation marker for the redirect


@dataclass
class Limits:
    query_timeout: float = 10.0      # seconds
    max_rows: int = 10_000
    # Extra seconds the API waits for a store that overran its own time limit before it
    # answers 503 itself (a store that cannot cancel a query must not hold the client).
    grace: float = 2.0


@dataclass
class Operation:
    kind: str                        # "query" | "update"
    text: str
    params: dict[str, list[str]] = field(default_factory=dict)

    def values(self, name: str) -> list[str]:
        return self.params.get(name, [])


def _media_type(request: Request) -> tuple[str, dict[str, str]]:
    raw = request.headers.get("content-type", "")
    main, *rest = raw.split(";")
    params = {}
    for p in rest:
        k, _, v = p.partition("=")
        params[k.strip().lower()] = v.strip().strip('"').lower()
    return main.strip().lower(), params


def _decode(body: bytes, charset: str | None) -> str:
    # The protocol mandates UTF-8 for direct POST bodies; a request declaring anything else
    # is refused rather than guessed at (W3C bad_query_non_utf8 / bad_update_non_utf8).
    if charset and charset not in ("utf-8", "utf8"):
        raise ApiError(415, "unsupported_charset", f"bodies must be UTF-8, not {charset}")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise bad_request(f"body is not valid UTF-8: {err}") from err


async def read_operation(request: Request) -> Operation | None:
    """The one query or update in a request, with its protocol parameters; None if there is none."""
    fields = list(request.query_params.multi_items())
    if request.method == "POST":
        media_type, ct_params = _media_type(request)
        body = await request.body()
        if media_type == FORM:
            fields += parse_qsl(_decode(body, ct_params.get("charset")), keep_blank_values=True)
        elif media_type in (QUERY_TYPE, UPDATE_TYPE):
            if any(k in ("query", "update") for k, _ in fields):
                raise bad_request("the operation is in the body; the URL must not carry query= or update=")
            fields.append(("query" if media_type == QUERY_TYPE else "update",
                           _decode(body, ct_params.get("charset"))))
        elif media_type or body:
            raise ApiError(415, "unsupported_media_type",
                           f"POST bodies must be {FORM}, {QUERY_TYPE} or {UPDATE_TYPE}"
                           + (f", not {media_type}" if media_type else " (no Content-Type given)"))
    params: dict[str, list[str]] = {}
    for k, v in fields:
        params.setdefault(k, []).append(v)
    ops = [(kind, text) for kind in ("query", "update") for text in params.get(kind, [])]
    if not ops:
        return None
    if len(ops) > 1:
        raise bad_request("a request carries exactly one query or one update, not "
                          + " and ".join(f"{len(params.get(k, []))} {k}" for k in ("query", "update")))
    kind, text = ops[0]
    if not text.strip():
        raise bad_request(f"the {kind} is empty")
    wrong = USING_PARAMS if kind == "query" else DATASET_PARAMS
    if extra := [p for p in wrong if p in params]:
        raise bad_request(f"{', '.join(extra)} do not apply to a {kind}")
    return Operation(kind, text, params)


def endpoint_iri(request: Request) -> str:
    return str(request.url.replace(query="", fragment=""))


class SparqlRouter(APIRouter):
    def __init__(self, store, *, update_token: str | None = None, limits: Limits | None = None,
                 path: str = "/sparql", prefixes: dict[str, str] | None = None, html_page: str | None = "/",
                 after_write: Callable[[], None] | None = None):
        """after_write: called (in a worker thread) after each update that succeeded."""
        super().__init__(tags=["SPARQL"])
        self.store, self.update_token, self.after_write = store, update_token, after_write
        self.limits = limits or Limits()
        self.prefixes = prefixes or {}
        self.html_page = html_page
        for p in (path, path.rstrip("/") + "/"):   # clients differ on the trailing slash
            self.add_api_route(p, self.get, methods=["GET"], include_in_schema=p == path,
                               summary="SPARQL query (GET ?query=) or the service description")
            self.add_api_route(p, self.post, methods=["POST"], include_in_schema=p == path,
                               summary="SPARQL query or update (form-encoded or direct body)")

    async def get(self, request: Request) -> Response:
        try:
            if "update" in request.query_params:
                raise bad_request("SPARQL Update is only accepted by POST", code="update_needs_post")
            op = await read_operation(request)
            if op is None:
                if any(k in request.query_params for k in DATASET_PARAMS):
                    raise bad_request("default-graph-uri/named-graph-uri given without a query")
                return await self.describe_service(request)
            return await self.run_query(request, op)
        except ApiError as err:
            return err.response()

    async def post(self, request: Request) -> Response:
        try:
            op = await read_operation(request)
            if op is None:
                raise bad_request("POST needs a query or an update (form field query= or update=, "
                                  f"or a {QUERY_TYPE} / {UPDATE_TYPE} body)")
            if op.kind == "update":
                return await self.run_update(request, op)
            return await self.run_query(request, op)
        except ApiError as err:
            return err.response()

    async def run_query(self, request: Request, op: Operation) -> Response:
        accept = request.headers.get("accept")
        tables = formats.RESULT_TABLES
        # Refuse before running anything when no kind of result could be served at all.
        if all(formats.negotiate(accept, t) is None for t in tables.values()):
            raise not_acceptable(formats.offered(*tables.values()))
        base = endpoint_iri(request)
        dataset = {}
        if op.values("default-graph-uri") or op.values("named-graph-uri"):
            # The protocol's dataset replaces the query's FROM/FROM NAMED entirely (§2.1.4).
            dataset = {"default_graph": op.values("default-graph-uri"),
                       "named_graphs": op.values("named-graph-uri")}
        elif own := query_dataset(op.text, base):
            dataset = {"default_graph": own[0], "named_graphs": own[1]}
        render = functools.partial(formats.render_result, accept=accept, prefixes=self.prefixes,
                                   max_rows=self.limits.max_rows)
        rendered = await self._call(self.store.query, with_base(op.text, base), timeout=self.limits.query_timeout,
                                    max_rows=self.limits.max_rows, render=render, **dataset)
        if rendered.content_type is None:
            raise not_acceptable(list(rendered.offered))
        return Response(rendered.body, media_type=rendered.content_type, headers={"Vary": "Accept"})

    async def run_update(self, request: Request, op: Operation) -> Response:
        require_write(request, self.update_token)
        try:
            text = add_using(op.text, op.values("using-graph-uri"), op.values("using-named-graph-uri"))
        except DatasetConflict as err:
            raise bad_request(str(err), code="dataset_conflict") from err
        # Updates get no time limit: abandoning one mid-way would not undo it.
        await self._call(self.store.update, with_base(text, endpoint_iri(request)), timed=False)
        if self.after_write is not None:
            await run_in_threadpool(self.after_write)
        return Response(status_code=204)

    async def _call(self, fn, *args, timed: bool = True, **kwargs):
        try:
            job = run_in_threadpool(fn, *args, **kwargs)
            if not timed:
                return await job
            return await asyncio.wait_for(job, self.limits.query_timeout + self.limits.grace)
        except (asyncio.TimeoutError, QueryTimeout) as err:
            raise ApiError(503, "query_timeout",
                           f"the query ran past the {self.limits.query_timeout:g} s time limit and was "
                           "stopped; narrow the pattern or add LIMIT", {"Retry-After": "1"}) from err
        except ResultTooLarge as err:
            raise self._too_large() from err
        except QueryError as err:
            raise bad_request(str(err), code="bad_query") from err
        except SyntaxError as err:   # a bare pyoxigraph store raises the parser's SyntaxError
            raise bad_request(str(err), code="bad_query") from err

    def _too_large(self) -> ApiError:
        return ApiError(400, "result_too_large",
                        f"the result has more than {self.limits.max_rows} rows/triples; add LIMIT "
                        "(and OFFSET to page) or narrow the pattern")

    async def describe_service(self, request: Request) -> Response:
        accept = request.headers.get("accept")
        # A browser on the bare endpoint wants the query editor, not Turtle.
        if self.html_page and formats.negotiate(accept, {**formats.GRAPH_FORMATS, "text/html": HTML}) is HTML:
            return RedirectResponse(self.html_page, status_code=303)
        fmt = formats.negotiate(accept, formats.GRAPH_FORMATS)
        if fmt is None:
            raise not_acceptable(list(formats.GRAPH_FORMATS))
        names = await run_in_threadpool(self.store.graph_names)
        triples = service.description(endpoint_iri(request), names, writable=bool(self.update_token))
        body = fmt.serialize(triples, {**service.PREFIXES, **self.prefixes})
        return Response(body, media_type=fmt.content_type, headers={"Vary": "Accept"})
