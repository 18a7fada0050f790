"""Waiting on the server's event loop for something another thread makes true.

A held request or a journal wait must not occupy one of the thread pool's workers (there are 40, and
every sync route needs one): it waits here instead, on an asyncio event that `wake_all()` sets from any
thread, and it gives up as soon as its client goes away.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any


class AsyncWaiters:
    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._waiting: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    def __repr__(self) -> str:
        return f"<AsyncWaiters {len(self._waiting)} waiting>"

    def wait_for_count(self, count: int, timeout: float) -> bool:
        """Block (a thread, not the loop) until exactly `count` wait here; False after `timeout`."""
        with self._lock:
            return self._lock.wait_for(lambda: len(self._waiting) == count, timeout)

    def wake_all(self) -> None:
        with self._lock:
            waiting = list(self._waiting)
        for loop, event in waiting:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that loop has closed: nobody is waiting there any more
                pass

    async def wait(self, done: Callable[[], bool], timeout: float, gone: Callable[[], Awaitable[object]]) -> bool:
        """Wait until `done()` holds (True), `timeout` seconds pass or `gone()` completes (False)."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        entry = (loop, event)
        with self._lock:
            self._waiting.append(entry)
            self._lock.notify_all()
        client_gone = asyncio.ensure_future(gone())
        deadline = loop.time() + timeout
        try:
            while not done():
                remaining = deadline - loop.time()
                if remaining <= 0 or client_gone.done():
                    return False
                woken = asyncio.ensure_future(event.wait())
                await asyncio.wait({woken, client_gone}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
                woken.cancel()
                event.clear()
            return True
        finally:
            client_gone.cancel()
            with self._lock:
                self._waiting.remove(entry)
                self._lock.notify_all()


async def until_disconnected(receive: Callable[[], Awaitable[Any]]) -> None:
    """Return once the ASGI client has disconnected (the request body must have been read already)."""
    while (await receive())["type"] != "http.disconnect":
        pass
