"""What a run adds to a warm browser's context, recorded so that the hand-back can undo it; and the
harness's own page instruments, which stay installed from a warm browser's first run on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from playwright.sync_api import BrowserContext

from clerk_harness.browser import clock, cookie_timeline, visibility


class StandingInstruments:
    """The harness's own page instruments stay installed in a warm browser from its first run on: the cookie
    recorder's and the visibility recorder's script and binding, and the clock's refusal of clerk-js's timer
    worker (which a run on real time lifts in its own pages). Each is the same code every run; each binding
    forwards to the handler of the run that holds the lease (none between runs: a report then is dropped).
    Adding and removing them every run cost about 25 ms a run (Firefox: about 50 ms for the refusal alone)."""

    SCRIPTS = frozenset({cookie_timeline.INIT_SCRIPT, visibility.EVENTS_SCRIPT, clock.REFUSE_TIMER_WORKER_SCRIPT})
    BINDINGS = frozenset({cookie_timeline.BINDING, visibility.BINDING})

    def __init__(self, context: BrowserContext) -> None:
        self._context = context
        self._scripts: set[str] = set()
        self._handlers: dict[str, Callable[..., Any]] = {}

    def add_script(self, script: str) -> None:
        if script not in self._scripts:
            self._context.add_init_script(script)
            self._scripts.add(script)

    def bind(self, name: str, callback: Callable[..., Any]) -> Callable[[], None]:
        """Route `name` to `callback` until the returned function is called."""
        if name not in self._handlers:
            self._context.expose_binding(name, lambda source, *args: self._handlers[name](source, *args))
        self._handlers[name] = callback
        return lambda: self._handlers.__setitem__(name, _dropped)


def _dropped(*_: Any) -> None:
    """A report that arrives between runs belongs to no run."""


class ScopedContext:
    """A browser context as one run sees it: what the run adds is recorded so that `undo()` removes it.
    Everything else is the context itself."""

    def __init__(self, context: BrowserContext, standing: StandingInstruments | None = None) -> None:
        self._context = context
        self._standing = standing
        self._undo: list[Callable[[], Any]] = []
        self.traced = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    @property
    def inner(self) -> BrowserContext:
        """The context itself, which outlives the run."""
        return self._context

    def __repr__(self) -> str:
        return f"<ScopedContext of {self._context!r}, {len(self._undo)} additions>"

    def add_init_script(self, script: str | None = None, *, path: Any = None) -> Any:
        if self._standing is not None and script in StandingInstruments.SCRIPTS and path is None:
            self._standing.add_script(script)
            return None
        added = self._context.add_init_script(script, path=path)
        self._undo.append(added.close)
        return added

    def expose_binding(self, name: str, callback: Callable[..., Any]) -> Any:
        if self._standing is not None and name in StandingInstruments.BINDINGS:
            self._undo.append(self._standing.bind(name, callback))
            return None
        added = self._context.expose_binding(name, callback)
        self._undo.append(added.close)
        return added

    def expose_function(self, name: str, callback: Callable[..., Any]) -> Any:
        added = self._context.expose_function(name, callback)
        self._undo.append(added.close)
        return added

    def on(self, event: Any, handler: Callable[..., Any]) -> None:
        self._context.on(event, handler)
        self._undo.append(lambda: self._context.remove_listener(event, handler))

    def route(self, url: Any, handler: Callable[..., Any], *, times: int | None = None) -> None:
        self._context.route(url, handler, times=times)
        self._undo.append(lambda: self._context.unroute(url, handler))

    @property
    def tracing(self) -> Any:
        """The context's tracing; a run that starts it is noted, so that its hand-back stops it."""
        self.traced = True
        return self._context.tracing

    def undo(self) -> None:
        """Remove what the run added, newest first."""
        while self._undo:
            self._undo.pop()()


def scoped(context: BrowserContext, standing: StandingInstruments | None = None) -> BrowserContext:
    """`context` as one run sees it (a ScopedContext, which stands in for the BrowserContext it wraps)."""
    return cast(BrowserContext, ScopedContext(context, standing))
