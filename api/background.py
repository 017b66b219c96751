"""Builds that take longer than an HTTP client waits (the search index, the draft checker's
corpus index, the corpus tallies after a raw write): each runs in a thread of its own, one at
a time, and a request waits for it a little (`patience`), then is answered 503 with
Retry-After while the build goes on. Callers decide when a build is due; this module only runs
it and waits for it."""
from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Callable, TypeVar

from fastapi import HTTPException

T = TypeVar("T")


def run_in_thread(work: Callable[[], T], name: str) -> concurrent.futures.Future[T]:
    """`work()` in a daemon thread; its result, or what it raised, in the returned future."""
    future: concurrent.futures.Future = concurrent.futures.Future()

    def run() -> None:
        future.set_running_or_notify_cancel()
        try:
            future.set_result(work())
        except BaseException as err:  # noqa: BLE001 - whoever waits on the future gets it
            future.set_exception(err)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future


async def wait_or_503(build: concurrent.futures.Future[T], *, patience: float, busy: str, retry_after: int,
                      failed: str, failures: tuple[type[BaseException], ...] = (Exception,)) -> T:
    """The build's result if it comes within `patience` seconds; else 503 with Retry-After and
    the `busy` message. A build that raised one of `failures` is a 503 "{failed}: {error}": the
    server's data cannot be read, which no change to the request mends."""
    try:
        return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(build)), patience)
    except asyncio.TimeoutError:
        raise HTTPException(503, busy, headers={"Retry-After": str(retry_after)}) from None
    except failures as err:
        raise HTTPException(503, f"{failed}: {err}", headers={"Retry-After": "30"}) from err
