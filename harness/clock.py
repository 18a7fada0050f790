"""A stepped virtual clock shared by the page and the fake backend.

Playwright's clock fakes `Date`, timers and `performance.now` in every page of the context (not in
workers); the fake backend's clock is moved by the same amount, so token `iat`/`exp` and server-side
verification agree with the page. Time is advanced in short steps with a round trip to the page after
each one, so that promise chains and failed fetches settle between timers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from playwright.sync_api import BrowserContext, Page

from fake_backend.clock import ServerClock
from harness.cookie_timeline import CookieTimeline


@dataclass(repr=False)
class VirtualClock:
    context: BrowserContext
    server: ServerClock
    timeline: CookieTimeline
    advanced_s: float = 0.0
    mode: str = "virtual"

    def __repr__(self) -> str:
        return f"<VirtualClock advanced {self.advanced_s:g}s>"

    def install(self) -> None:
        """Before the first navigation: the page clock starts at the server's time and flows naturally."""
        self.context.clock.install(time=self.server.now())

    def now(self) -> float:
        return self.server.now()

    def advance(self, page: Page, seconds: float, *, step_s: float = 1.0,
                until: Callable[[], bool] | None = None) -> float:
        """Move virtual time forward by up to `seconds`; stop early once `until()` holds. Returns seconds moved."""
        moved = 0.0
        while moved < seconds - 1e-9:
            step = min(step_s, seconds - moved)
            self.context.clock.fast_forward(int(step * 1000))
            self.server.advance(step)
            moved += step
            page.evaluate("() => new Promise((resolve) => queueMicrotask(resolve))")
            if until is not None and until():
                break
        self.advanced_s += moved
        self.timeline.mark(f"clock +{moved:g}s")
        return moved


@dataclass(repr=False)
class RealTimeClock:
    """For a user's own app: its server checks tokens against its own real clock, which the harness cannot
    move (a virtual jump would make fresh tokens look issued in the future). Time really passes, so runs
    use a short token lifetime; `advance` waits up to `seconds` of real time, ending as soon as `until()`
    holds. Results say `clock: real` so that nobody mistakes one mode for the other."""

    context: BrowserContext
    server: ServerClock
    timeline: CookieTimeline
    advanced_s: float = 0.0
    mode: str = "real"
    POLL_S = 0.1

    def __repr__(self) -> str:
        return f"<RealTimeClock waited {self.advanced_s:.1f}s>"

    def install(self) -> None:
        """Nothing to install: pages keep the real clock."""

    def now(self) -> float:
        return self.server.now()

    def advance(self, page: Page, seconds: float, *, step_s: float = 1.0,
                until: Callable[[], bool] | None = None) -> float:
        started = time.monotonic()
        while time.monotonic() - started < seconds and not (until is not None and until()):
            page.wait_for_timeout(self.POLL_S * 1000)  # sleep-ok: real time must pass; the story's condition is polled
        moved = time.monotonic() - started
        self.advanced_s += moved
        self.timeline.mark(f"real time +{moved:.1f}s")
        return moved
