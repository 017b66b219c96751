"""SPARQL 1.1 Graph Store HTTP Protocol (indirect identification) at /store.

GET/HEAD read a graph, PUT replaces it, POST merges into it, DELETE drops it; the graph
is `?graph=IRI` or `?default`. Writes need the bearer token (see auth.py).
"""
from __future__ import annotations

from typing import Callable

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from policykg.api import formats
from policykg.api.auth import require_write
from policykg.api.errors import ApiError, bad_request, not_acceptable


def _target(request: Request) -> str | None:
    """The graph IRI, or None for the default graph."""
    params = request.query_params
    graphs = params.getlist("graph")
    if ("default" in params) == bool(graphs) or len(graphs) > 1:
        raise bad_request("name exactly one graph: ?graph=IRI or ?default")
    return graphs[0] if graphs else None


async def _parse_body(request: Request, graph: str | None) -> list[ox.Triple]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt = formats.PARSE_FORMATS.get(media_type)
    if fmt is None:
        raise ApiError(415, "unsupported_media_type",
                       f"graph bodies must be one of {', '.join(formats.PARSE_FORMATS)}"
                       + (f", not {media_type}" if media_type else " (no Content-Type given)"))
    body = await request.body()
    base = graph or str(request.url.replace(query=""))
    try:
        return [q.triple for q in ox.parse(body, format=fmt, base_iri=base)]
    except (SyntaxError, ValueError) as err:
        raise bad_request(f"cannot parse the {media_type} body: {err}", code="bad_rdf") from err


class GraphStoreRouter(APIRouter):
    def __init__(self, store, *, update_token: str | None = None, path: str = "/store",
                 prefixes: dict[str, str] | None = None, after_write: Callable[[], None] | None = None):
        """after_write: called (in a worker thread) after each write that succeeded."""
        super().__init__(tags=["Graph Store"])
        self.store, self.update_token, self.prefixes = store, update_token, prefixes or {}
        self.after_write = after_write
        self.add_api_route(path, self.read, methods=["GET", "HEAD"], summary="Read a graph")
        self.add_api_route(path, self.replace, methods=["PUT"], summary="Replace a graph (token)")
        self.add_api_route(path, self.merge, methods=["POST"], summary="Add triples to a graph (token)")
        self.add_api_route(path, self.drop, methods=["DELETE"], summary="Delete a graph (token)")

    async def _exists(self, graph: str | None) -> bool:
        return graph is None or graph in await run_in_threadpool(self.store.graph_names)

    async def read(self, request: Request) -> Response:
        try:
            graph = _target(request)
            fmt = formats.negotiate(request.headers.get("accept"), formats.GRAPH_FORMATS)
            if fmt is None:
                raise not_acceptable(list(formats.GRAPH_FORMATS))
            if not await self._exists(graph):
                raise ApiError(404, "no_such_graph", f"there is no graph <{graph}>")
            triples = await run_in_threadpool(self.store.get_graph, graph)
            body = b"" if request.method == "HEAD" else fmt.serialize(triples, self.prefixes)
            return Response(body, media_type=fmt.content_type, headers={"Vary": "Accept"})
        except ApiError as err:
            return err.response()

    async def replace(self, request: Request) -> Response:
        try:
            require_write(request, self.update_token)
            graph = _target(request)
            triples = await _parse_body(request, graph)
            existed = await self._exists(graph)
            if graph is None:
                await run_in_threadpool(self.store.delete_graph, None)
                await run_in_threadpool(self.store.add_to_graph, None, triples)
            else:
                await run_in_threadpool(self.store.replace_graph, graph, triples)
            await self._written()
            return Response(status_code=204 if existed else 201)
        except ApiError as err:
            return err.response()

    async def merge(self, request: Request) -> Response:
        try:
            require_write(request, self.update_token)
            graph = _target(request)
            triples = await _parse_body(request, graph)
            existed = await self._exists(graph)
            await run_in_threadpool(self.store.add_to_graph, graph, triples)
            await self._written()
            return Response(status_code=204 if existed else 201)
        except ApiError as err:
            return err.response()

    async def drop(self, request: Request) -> Response:
        try:
            require_write(request, self.update_token)
            graph = _target(request)
            if not await run_in_threadpool(self.store.delete_graph, graph) and graph is not None:
                raise ApiError(404, "no_such_graph", f"there is no graph <{graph}>")
            await self._written()
            return Response(status_code=204)
        except ApiError as err:
            return err.response()

    async def _written(self) -> None:
        if self.after_write is not None:
            await run_in_threadpool(self.after_write)
