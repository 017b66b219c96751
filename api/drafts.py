"""HTTP face of the draft checker: `POST /drafts/check` (JSON text or a file upload) returns
what `policykg check-draft --json` prints; `GET /drafts` is the page where a drafter pastes a
draft and sees its findings beside the matched corpus text.

Self-contained: `app.include_router(router)`. The corpus index is built on first use, in a
thread of its own (a request waits BUILD_PATIENCE seconds for it, then gets 503 with
Retry-After), kept for the life of the process and built again when a corpus file changes;
POLICYKG_DRAFT_CORPUS names another corpus folder.
"""
from __future__ import annotations

import concurrent.futures
import os
import threading
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from policykg.api.background import run_in_thread, wait_or_503
from policykg.errors import UserError

MAX_BYTES = 1_000_000          # a draft is tens of kilobytes; a megabyte is a wrong file
STATIC = Path(__file__).resolve().parent / "static"

router = APIRouter(tags=["drafts"])


# A check waits this long for the corpus index being built, then is answered 503 with
# Retry-After (extracting and indexing 10,000 documents takes minutes; an HTTP client that
# waited would time out, and each waiting request used to build an index of its own).
BUILD_PATIENCE = 5.0
RETRY_AFTER = 10


class IndexBuild:
    """The draft index of the corpus folder, built in a thread of its own and shared by every
    request; built again when a file of the folder changes (size or modification time)."""

    def __init__(self):
        self._guard = threading.Lock()
        self._key, self._build = None, None

    async def get(self):
        from policykg.graph.drafts import corpus_key
        try:
            key = await run_in_threadpool(corpus_key, os.environ.get("POLICYKG_DRAFT_CORPUS") or None)
        except UserError as err:
            raise HTTPException(503, f"draft corpus: {err}") from err
        # a corpus file that cannot be read fails the build: the server's fault, not the draft's
        return await wait_or_503(self._begin(key), patience=BUILD_PATIENCE, retry_after=RETRY_AFTER,
                                 busy="the draft checker's corpus index is being built; try again shortly",
                                 failed="draft corpus")

    def _begin(self, key) -> concurrent.futures.Future:
        from policykg.graph.drafts import index_of
        with self._guard:
            build = self._build
            if build is None or self._key != key or (build.done() and build.exception() is not None):
                self._build, self._key = run_in_thread(lambda: index_of(key), "draft-index"), key
            return self._build


_index_build = IndexBuild()


@router.get("/drafts", include_in_schema=False)
def page() -> FileResponse:
    return FileResponse(STATIC / "drafts.html", media_type="text/html; charset=utf-8")


@router.get("/drafts/static/{name}", include_in_schema=False)
def asset(name: str) -> FileResponse:
    path = (STATIC / "drafts" / name).resolve()
    if path.parent != (STATIC / "drafts").resolve() or not path.is_file():
        raise HTTPException(404, f"{name}: no such file")
    return FileResponse(path)


@router.get("/drafts/cities")
async def cities() -> dict:
    index = await _index_build.get()
    return {"cities": index.cities}


@router.get("/drafts/source")
async def source(path: str) -> dict:
    """The text of one corpus document (only those indexed), for showing a match in place."""
    index = await _index_build.get()
    doc = next((d for d in index.documents if d.meta.source == path), None)
    if doc is None:
        raise HTTPException(404, f"path: {path} is not a corpus document")
    return {"source": path, "title": doc.meta.title, "city": doc.meta.city, "text": doc.text}


@router.post("/drafts/check")
async def check(request: Request) -> JSONResponse:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BYTES + 4096:
        return _too_large(int(declared))
    kind = request.headers.get("content-type", "")
    if kind.startswith("multipart/form-data"):
        name, text, city = await _from_upload(request)
    elif kind.startswith("application/json"):
        name, text, city = await _from_json(request)
    else:
        raise HTTPException(415, "send application/json {\"text\": …, \"city\": …} or a multipart file upload")
    if len(text.encode("utf-8")) > MAX_BYTES:
        return _too_large(len(text.encode("utf-8")))
    index = await _index_build.get()
    try:
        result = await run_in_threadpool(_check, index, name, text, city)
    except UserError as err:
        raise HTTPException(422, f"city: {err}" if "city" in str(err) else f"text: {err}")
    return JSONResponse(result)


def _check(index, name: str, text: str, city: str | None) -> dict:
    from policykg.graph.draft_cli import check_json
    from policykg.graph.drafts import check_draft
    from policykg.ingest.pipeline import extract_text
    draft = extract_text(text, source=name, overrides={"city": city} if city else None)
    return check_json(name, check_draft(draft, index, city=city))


async def _from_json(request: Request) -> tuple[str, str, str | None]:
    try:
        body = await request.json()
    except ValueError:
        raise HTTPException(422, "body: not valid JSON")
    if not isinstance(body, dict):
        raise HTTPException(422, "body: expected a JSON object {\"text\": …, \"city\": …}")
    text, city = body.get("text"), body.get("city")
    if not isinstance(text, str) or not text.strip():
        raise HTTPException(422, "text: required, the draft as a non-empty string")
    if city is not None and not isinstance(city, str):
        raise HTTPException(422, "city: must be a string such as 巴中市")
    return str(body.get("name") or "<draft>"), text, city or None


async def _from_upload(request: Request) -> tuple[str, str, str | None]:
    from policykg.ingest.decode import decode_bytes
    form = await request.form()
    upload, city = form.get("file"), form.get("city")
    if upload is None or isinstance(upload, str):
        raise HTTPException(422, "file: required, the draft as an uploaded file")
    raw = await upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise HTTPException(413, f"file: more than the {MAX_BYTES:,} bytes a draft may have")
    name = upload.filename or "<upload>"
    try:
        text, _ = decode_bytes(raw, name)
    except UserError as err:
        raise HTTPException(422, f"file: {err}")
    if not text.strip():
        raise HTTPException(422, "file: the uploaded draft is empty")
    return name, text, (city if isinstance(city, str) and city else None)


def _too_large(size: int) -> JSONResponse:
    return JSONResponse({"detail": f"draft: {size:,} bytes, more than the {MAX_BYTES:,} a draft may have"},
                        status_code=413)
