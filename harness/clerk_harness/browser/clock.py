"""A stepped virtual clock shared by the page and the fake backend.

Playwright's clock fakes `Date`, timers and `performance.now` in every page of the context (not in
workers); the fake backend's clock is moved by the same amount, so token `iat`/`exp` and server-side
verification agree with the page. Time is advanced in short steps, each one a round trip to the page
(`fast_forward` returns once the page's due timers ran), so that promise chains and failed fetches
settle between timers (docs/speed.md says what else was tried).

clerk-js runs its session poller (5 s) on timers of a Web Worker named "clerk-timers", which no page
clock reaches. With the poller on the virtual clock (the default), that one worker is refused (its
constructor throws, as where a worker cannot be created): clerk-js (5.0.0 to 6.40.0 at least) catches the
error and falls back to the page's own timers, which the virtual clock drives. (A CSP does not do it in
Chromium: the worker is created and then fails, and clerk-js would keep the dead worker.) `pollerClock: "real"` keeps the
worker, and the poller then ticks in real time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from playwright.sync_api import BrowserContext, Page, Request

from clerk_harness.oracle.run_log import RunLog
from clerk_harness_fake.clock import ServerClock

TIMER_WORKER = "clerk-timers"
SETTLE_WITHIN_S = 1.0  # how long a step waits for the requests its timers sent
POLLER_PERIOD_S = 5  # clerk-js's session poller
REFUSE_TIMER_WORKER_SCRIPT = """
(() => {
  const NativeWorker = window.Worker;
  if (!NativeWorker || NativeWorker.__harnessRefusesTimers) return;
  const Worker = function Worker(url, options) {
    if (!new.target) return NativeWorker(url, options);
    if (options && options.name === "%(name)s" && !window.__harnessTimersOnWorker)
      throw new DOMException("the harness runs clerk-js's timers on the page clock", "SecurityError");
    return Reflect.construct(NativeWorker, [url, options], new.target);
  };
  Worker.prototype = NativeWorker.prototype;
  Worker.__harnessRefusesTimers = true;
  window.Worker = Worker;
})();
""" % {"name": TIMER_WORKER}
# A run whose clerk-js timers run on their worker (the poller in real time, or an app on real time) says so
# in its pages: a warm browser keeps the refusal above installed between runs (see scoped_context).
ALLOW_TIMER_WORKER_SCRIPT = "window.__harnessTimersOnWorker = true;"


@dataclass(repr=False)
class VirtualClock:
    context: BrowserContext
    server: ServerClock
    log: RunLog
    poller: str = "virtual"  # or "real": clerk-js's session poller on its Web Worker, in real time
    advanced_s: float = 0.0
    mode: str = "virtual"
    restored: Page | None = None  # a page restored from the back-forward cache, driven directly (see below)
    settles_requests: bool = False  # each step ends once the requests its timers sent were answered (Chromium, WebKit)
    _pending: set = field(default_factory=set)

    def __repr__(self) -> str:
        return f"<VirtualClock advanced {self.advanced_s:g}s, poller {self.poller}>"

    def follow_restored_page(self, page: Page) -> None:
        """From now on drive `page`, restored from the back-forward cache, through its own clock object:
        Playwright's context clock lost track of it in Firefox (its calls then wait forever). (Its time was
        set as it came back: see clerk_harness.stories.bfcache.)"""
        self.restored = page

    def install(self) -> None:
        """Before the first navigation: the page clock starts at the server's time and flows naturally."""
        self.context.add_init_script(REFUSE_TIMER_WORKER_SCRIPT)
        if self.poller != "virtual":
            self.context.add_init_script(ALLOW_TIMER_WORKER_SCRIPT)
        self.context.clock.install(time=self.server.now())
        if self.settles_requests and not hasattr(self.context, "wait_for_network_idle"):
            self.context.on("request", self._sent)
            self.context.on("requestfinished", self._ended)
            self.context.on("requestfailed", self._ended)

    def now(self) -> float:
        return self.server.now()

    def advance(
        self,
        page: Page,
        seconds: float,
        *,
        step_s: float = 1.0,
        until: Callable[[], bool] | None = None,
        quiet_until: float | None = None,
    ) -> float:
        """Move virtual time forward by up to `seconds`; stop early once `until()` holds. Returns seconds moved.

        Up to `quiet_until` (a virtual time before which nothing but clerk-js's 5 s poller is due, and its
        ticks find the cached token fresh and do nothing) time moves in one jump: the page's clock runs each
        due timer once, at the end, as after a laptop sleeps. Fine steps start exactly there."""
        moved = 0.0
        while moved < seconds - 1e-9:
            quiet_left = quiet_until - self.now() if quiet_until is not None else 0.0
            step = quiet_left if quiet_left > step_s else step_s
            step = min(step, seconds - moved)
            self._fast_forward(int(step * 1000), page)  # a round trip: it returns once the timers ran
            self.server.advance(step)
            moved += step
            if until is not None and until():
                break
        self.advanced_s += moved
        self.log.mark(f"clock +{moved:g}s")
        return moved

    def _fast_forward(self, ms: int, page: Page) -> None:
        before = set(self._pending)
        self._forward(ms)
        if self.settles_requests:
            self._settle(page, before)

    def _sent(self, request: Request) -> None:  # Playwright wraps a handler: a set's own method is none it takes
        self._pending.add(request)

    def _ended(self, request: Request) -> None:
        self._pending.discard(request)

    def _settle(self, page: Page, before: set) -> None:
        """The requests the step's timers sent have been answered (or failed), or 1 s has passed (one held
        on purpose): a step is seconds of the page's time, and a request to loopback takes milliseconds, so
        a token refresh must not land a step late. Playwright hands over a request's events during a call.
        WebKit's program follows its context's loads itself (and those a whole wait outlived are held on
        purpose): one call."""
        if hasattr(self.context, "wait_for_network_idle"):  # a WebKitContext (clerk_harness.browser.webkit)
            self.context.wait_for_network_idle(int(SETTLE_WITHIN_S * 1000))  # type: ignore[attr-defined]
            return
        deadline = time.monotonic() + SETTLE_WITHIN_S
        try:
            page.evaluate("0")  # the step's request events arrive meanwhile
        except Exception:  # noqa: BLE001 - the page is navigating: its requests are the navigation's
            return
        while self._pending - before and time.monotonic() < deadline:
            page.wait_for_timeout(5)  # sleep-ok: the shortest call that lets Playwright deliver the events

    def _forward(self, ms: int) -> None:
        if self.restored is None:
            self.context.clock.fast_forward(ms)
        else:
            self.restored.evaluate("(ms) => globalThis.__pwClock.controller.fastForward(ms)", ms)


@dataclass(repr=False)
class RealTimeClock:
    """For a user's own app: its server checks tokens against its own real clock, which the harness cannot
    move (a virtual jump would make fresh tokens look issued in the future). Time really passes, so runs
    use a short token lifetime; `advance` waits up to `seconds` of real time, ending as soon as `until()`
    holds. Results say `clock: real` so that nobody mistakes one mode for the other."""

    context: BrowserContext
    server: ServerClock
    log: RunLog
    poller: str = "real"
    advanced_s: float = 0.0
    mode: str = "real"
    POLL_S = 0.1

    def __repr__(self) -> str:
        return f"<RealTimeClock waited {self.advanced_s:.1f}s>"

    def install(self) -> None:
        """Pages keep the real clock, and clerk-js its timer worker."""
        self.context.add_init_script(ALLOW_TIMER_WORKER_SCRIPT)

    def follow_restored_page(self, page: Page) -> None:
        """A restored page reads the real clock: nothing to do."""

    def now(self) -> float:
        return self.server.now()

    def advance(
        self,
        page: Page,
        seconds: float,
        *,
        step_s: float = 1.0,
        until: Callable[[], bool] | None = None,
        quiet_until: float | None = None,
    ) -> float:
        started = time.monotonic()
        while time.monotonic() - started < seconds and not (until is not None and until()):
            page.wait_for_timeout(self.POLL_S * 1000)  # sleep-ok: real time must pass; the story's condition is polled
        moved = time.monotonic() - started
        self.advanced_s += moved
        self.log.mark(f"real time +{moved:.1f}s")
        return moved


Clock = VirtualClock | RealTimeClock  # what a run's session holds: the virtual clock, or real time for an app
