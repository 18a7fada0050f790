"""The request journal: every request the fake backend answered, in order, waitable."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from clerk_harness_fake.waiters import AsyncWaiters


@dataclass(frozen=True)
class JournalEntry:
    seq: int
    at: float  # wall-clock seconds since the epoch when the answer started (or the request ended unanswered)
    method: str  # effective method (after clerk-js's `_method` override)
    path: str
    query: dict[str, str]
    status: int
    duration_ms: float  # from the request's arrival to `at`
    note: str = ""
    fault_id: int | None = None  # the fault rule that answered this request, if one did

    @property
    def faulted(self) -> bool:
        return self.fault_id is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def matches(
        self, method: str | None = None, path: str | re.Pattern[str] | None = None, status: int | None = None
    ) -> bool:
        if method is not None and self.method != method.upper():
            return False
        if status is not None and self.status != status:
            return False
        if path is None:
            return True
        if isinstance(path, re.Pattern):
            return path.search(self.path) is not None
        return self.path == path


MAX_ENTRIES = 10_000  # the oldest entries go first; `dropped` says how many went
MAX_QUERY_VALUE = 512  # characters of each query value kept (a query string may be 8 KB)


@dataclass
class RequestJournal:
    _entries: list[JournalEntry] = field(default_factory=list)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _async_waiters: AsyncWaiters = field(default_factory=AsyncWaiters)
    _last_seq: int = 0
    dropped: int = 0  # entries let go to keep the journal bounded

    def record(
        self,
        *,
        method: str,
        path: str,
        query: dict[str, str],
        status: int,
        started: float,
        note: str = "",
        fault_id: int | None = None,
    ) -> JournalEntry:
        query = {name[:MAX_QUERY_VALUE]: value[:MAX_QUERY_VALUE] for name, value in list(query.items())[:50]}
        with self._cond:
            self._last_seq += 1
            entry = JournalEntry(
                self._last_seq,
                time.time(),
                method,
                path,
                query,
                status,
                round((time.time() - started) * 1000, 2),
                note,
                fault_id,
            )
            self._entries.append(entry)
            if len(self._entries) > MAX_ENTRIES:
                excess = len(self._entries) - MAX_ENTRIES
                del self._entries[:excess]
                self.dropped += excess
            self._cond.notify_all()
        self._async_waiters.wake_all()
        return entry

    def entries(self, since: int = 0) -> list[JournalEntry]:
        with self._cond:
            return [e for e in self._entries if e.seq > since]

    @property
    def last_seq(self) -> int:
        with self._cond:
            return self._last_seq

    def clear(self) -> None:
        with self._cond:
            self._entries.clear()
            self._last_seq, self.dropped = 0, 0

    async def wait_for_async(
        self,
        predicate: Callable[[JournalEntry], bool],
        *,
        count: int = 1,
        since: int = 0,
        timeout: float = 10.0,
        gone: Callable[[], Awaitable[object]],
    ) -> list[JournalEntry]:
        """As `wait_for`, on the event loop (no thread held); also gives up when `gone()` completes."""
        hits = lambda: [e for e in self.entries(since) if predicate(e)]
        if not await self._async_waiters.wait(lambda: len(hits()) >= count, timeout, gone):
            raise TimeoutError(f"waited {timeout:.1f}s for {count} matching request(s), saw {len(hits())}")
        return hits()

    def wait_for(
        self, predicate: Callable[[JournalEntry], bool], *, count: int = 1, since: int = 0, timeout: float = 10.0
    ) -> list[JournalEntry]:
        """Block until `count` entries after `since` satisfy `predicate`; raise TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                hits = [e for e in self._entries if e.seq > since and predicate(e)]
                if len(hits) >= count:
                    return hits
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"waited {timeout:.1f}s for {count} matching request(s), saw {len(hits)}")
                self._cond.wait(remaining)
