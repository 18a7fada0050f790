"""Fault injection on the fake FAPI, read like an expectation: which route, what answer, how many times.

    rule = clerk.faults.on("POST", "/v1/client/sessions/*/tokens", times=1).error(429, retry_after=2)
    latch = clerk.faults.on("POST", "/v1/client/sessions/*/tokens").hang(then="drop")
    ...; latch.release()

Patterns are matched against the path below the FAPI prefix; `*` stands for one path segment. A pattern
that starts with the Backend API's prefix (`/__clerk_api/v1/...`) is matched against the Backend API that
SDK servers call instead (e.g. the handshake payload). Every request a rule hits is noted in the request
journal next to it.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from clerk_harness_fake.settings import BAPI_PREFIX, FAPI_PREFIX
from clerk_harness_fake.waiters import AsyncWaiters

Action = Literal["error", "empty_token", "wrapped_token", "latency", "hang", "drop"]
ERROR_STATUSES = (401, 403, 404, 422, 429, 500, 502, 503)
ERROR_CODES = {
    401: "authentication_invalid",
    403: "authorization_invalid",
    404: "resource_not_found",
    422: "form_param_format_invalid",
    429: "too_many_requests",
    500: "internal_clerk_error",
    502: "bad_gateway",
    503: "service_unavailable",
}


MAX_PATTERN = 512  # characters: longer patterns are refused before any regex work


MAX_SEGMENTS = 64  # a request path with more segments than this matches no pattern (no FAPI route has them)


@dataclass(frozen=True)
class PathPattern:
    """A Frontend API path pattern: `*` is one (non-empty) path segment, `**` any number of segments (none
    included), anywhere in the pattern; the `/__clerk` prefix is implied. Matching walks the segments once
    for each pattern position (a set of positions, as a finite automaton does): time grows with pattern
    length times path length, never combinatorially as a backtracking regex of many `**` did."""

    parts: tuple[str, ...]
    prefix: str = FAPI_PREFIX  # or BAPI_PREFIX: the Backend API

    def match(self, path: str) -> bool:
        if path != self.prefix and not path.startswith(self.prefix + "/"):
            return False
        segments = path[len(self.prefix) :].split("/")[1:]
        if len(segments) > MAX_SEGMENTS:
            return False
        positions = self._closure({0})
        for segment in segments:
            positions = self._closure(
                {i + 1 for i in positions if i < len(self.parts) and self._takes(i, segment)}
                | {i for i in positions if i < len(self.parts) and self.parts[i] == "**"}
            )
            if not positions:
                return False
        return len(self.parts) in positions

    def _takes(self, index: int, segment: str) -> bool:
        part = self.parts[index]
        return part == "**" or (part == "*" and segment != "") or part == segment

    def _closure(self, positions: set[int]) -> set[int]:
        """A `**` may match no segment: a position on one also stands past it."""
        done = set(positions)
        for i in sorted(positions):
            while i < len(self.parts) and self.parts[i] == "**":
                i += 1
                done.add(i)
        return done


def compile_pattern(pattern: str) -> PathPattern:
    """The pattern checked (it starts with `/`, at most MAX_PATTERN characters) and parsed; runs of `**`
    are one `**` (they match the same paths)."""
    if not pattern.startswith("/"):
        raise ValueError(f"path pattern {pattern[:40]!r} must start with '/'")
    if len(pattern) > MAX_PATTERN:
        raise ValueError(f"path pattern is {len(pattern)} characters long; at most {MAX_PATTERN}")
    prefix = BAPI_PREFIX if pattern.startswith(BAPI_PREFIX + "/") else FAPI_PREFIX
    if pattern.startswith(prefix + "/"):
        pattern = pattern[len(prefix) :]
    parts: list[str] = []
    for part in pattern.split("/")[1:]:
        if not (part == "**" and parts and parts[-1] == "**"):
            parts.append(part)
    return PathPattern(tuple(parts), prefix)


@dataclass
class Latch:
    """Holds matching requests until released; then they are answered normally or dropped.

    Held requests wait on the server's event loop, not in its thread pool: any number of them leave every
    other route answering, and `release()` (from any thread) wakes them at once."""

    then: Literal["answer", "drop"] = "answer"
    _released: threading.Event = field(default_factory=threading.Event)
    _arrived: threading.Condition = field(default_factory=threading.Condition)
    _waiters: AsyncWaiters = field(default_factory=AsyncWaiters)
    held: int = 0

    def release(self, then: Literal["answer", "drop"] | None = None) -> None:
        if then is not None:
            self.then = then
        self._released.set()
        self._waiters.wake_all()

    async def wait_released_async(self, timeout: float, gone: Callable[[], Awaitable[object]]) -> bool:
        """True once released; False when `timeout` passed or `gone()` finished first (the client left)."""
        return await self._waiters.wait(lambda: self.released, timeout, gone)

    @property
    def released(self) -> bool:
        return self._released.is_set()

    def wait_released(self, timeout: float) -> bool:
        return self._released.wait(timeout)

    def note_arrival(self) -> None:
        with self._arrived:
            self.held += 1
            self._arrived.notify_all()

    def wait_until_held(self, count: int = 1, timeout: float = 10.0) -> None:
        """Block until `count` requests are being held (or raise TimeoutError)."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: self.held >= count, timeout):
                raise TimeoutError(f"waited {timeout:.1f}s for {count} held request(s), {self.held} arrived")


@dataclass
class FaultRule:
    id: int
    method: str | None
    pattern: str
    times: int | None  # None: until cleared
    action: Action | None = None
    status: int | None = None
    code: str | None = None
    retry_after: int | None = None
    delay_s: float = 0.0
    latch: Latch | None = None
    hits: int = 0
    _regex: PathPattern | None = None

    def __post_init__(self) -> None:
        self._regex = compile_pattern(self.pattern)
        if self.method:
            self.method = self.method.upper()

    # --- what the matching requests get ---------------------------------------------------------
    def error(self, status: int, *, code: str | None = None, retry_after: int | None = None) -> FaultRule:
        if status not in ERROR_STATUSES:
            raise ValueError(f"status must be one of {ERROR_STATUSES}")
        self.action, self.status, self.code, self.retry_after = (
            "error",
            status,
            code or ERROR_CODES[status],
            retry_after,
        )
        return self

    def empty_token(self) -> FaultRule:
        self.action = "empty_token"
        return self

    def wrapped_token(self) -> FaultRule:
        self.action = "wrapped_token"
        return self

    def latency(self, seconds: float) -> FaultRule:
        if not 0 < seconds <= 120:
            raise ValueError("latency must be between 0 and 120 seconds")
        self.action, self.delay_s = "latency", seconds
        return self

    def hang(self, then: Literal["answer", "drop"] = "answer") -> Latch:
        self.action, self.latch = "hang", Latch(then)
        return self.latch

    def drop(self) -> FaultRule:
        self.action = "drop"
        return self

    # --- bookkeeping ----------------------------------------------------------------------------
    def matches(self, method: str, path: str) -> bool:
        assert self._regex is not None
        return (self.method is None or self.method == method) and bool(self._regex.match(path))

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def describe(self) -> str:
        what = {
            "error": f"{self.status} {self.code}" + (f" Retry-After {self.retry_after}" if self.retry_after else ""),
            "latency": f"latency {self.delay_s:g}s",
            "hang": f"hang then {self.latch.then if self.latch else '?'}",
        }
        return f"fault #{self.id} {what.get(self.action or '', self.action)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "method": self.method,
            "path": self.pattern,
            "action": self.action,
            "status": self.status,
            "code": self.code,
            "retry_after": self.retry_after,
            "delay_s": self.delay_s,
            "times": self.times,
            "hits": self.hits,
            "then": self.latch.then if self.latch else None,
            "released": self.latch.released if self.latch else None,
        }


class FaultBook:
    """The active fault rules, first match wins; exhausted rules stay listed for reporting."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._next_id = 1

    def on(self, method: str | None, pattern: str, *, times: int | None = None) -> FaultRule:
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None: until cleared)")
        with self._lock:
            rule = FaultRule(self._next_id, method, pattern, times)
            self._next_id += 1
            self._rules.append(rule)
            return rule

    def take(self, method: str, path: str) -> FaultRule | None:
        """The rule for this request, counting the hit; None when no active rule matches. Patterns are
        matched on a snapshot of the rules, outside the lock; only the count is taken under it."""
        for rule in self.rules():
            if rule.action is not None and rule.matches(method, path):
                with self._lock:
                    if rule in self._rules and not rule.exhausted:
                        rule.hits += 1
                        return rule
        return None

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def get(self, rule_id: int) -> FaultRule | None:
        return next((r for r in self.rules() if r.id == rule_id), None)

    def remove(self, rule_id: int) -> bool:
        with self._lock:
            rule = next((r for r in self._rules if r.id == rule_id), None)
            if rule is None:
                return False
            self._rules.remove(rule)
        if rule.latch is not None:
            rule.latch.release()
        return True

    def clear(self) -> None:
        with self._lock:
            rules, self._rules = self._rules, []
        for rule in rules:
            if rule.latch is not None:
                rule.latch.release()

    def unmet(self) -> list[FaultRule]:
        """Rules with a count that were not hit that many times: an expectation the run never met."""
        return [r for r in self.rules() if r.times is not None and r.hits < r.times]
