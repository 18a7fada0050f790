"""Network control for a whole browser context.

- offline: `context.set_offline` — `navigator.onLine` false, every request fails, in pages and workers;
- FAPI down: the Frontend API's requests are aborted by a route while the browser believes it is
  online (`navigator.onLine` true), as when only Clerk's API is unreachable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Request

from clerk_harness.oracle.run_log import RunLog


def is_frontend_api(url: str) -> bool:
    """A request to the fake Frontend API: behind the same-origin proxy (`/__clerk/...`), or at the
    publishable key's own host (the production topology)."""
    from clerk_harness_fake.settings import FAPI_HOST, FAPI_PREFIX

    parts = urlsplit(url)
    return parts.path.startswith(FAPI_PREFIX + "/") or parts.hostname == FAPI_HOST


@dataclass(frozen=True)
class FailedRequest:
    t: float
    method: str
    url: str
    failure: str
    while_offline: bool


@dataclass(repr=False)
class Network:
    context: BrowserContext
    log: RunLog
    is_offline: bool = False
    periods: list[tuple[float, float | None]] = field(default_factory=list)  # offline (start, end)
    failed: list[FailedRequest] = field(default_factory=list)
    before_change: list[Callable[[bool], None]] = field(default_factory=list)  # called with the new offline state
    api_down_matcher: Callable[[str], bool] | None = None

    def __repr__(self) -> str:
        return f"<Network {'offline' if self.is_offline else 'online'}>"

    def __post_init__(self) -> None:
        self.context.on("requestfailed", self._on_failed)

    def _on_failed(self, request: Request) -> None:
        self.failed.append(
            FailedRequest(self.log.now(), request.method, request.url, request.failure or "", self.is_offline)
        )

    def offline(self) -> None:
        """Cut the whole context off: every page and worker sees `onLine == false`, fetches fail."""
        self._outage_starts("offline")
        self.context.set_offline(True)

    def online(self) -> None:
        self._outage_ends("online")
        self.context.set_offline(False)

    def api_down(self, matches: Callable[[str], bool] = is_frontend_api) -> None:
        """The Frontend API fails (requests aborted) while the browser believes it is online. WebKit has no
        routes: its forwarder fails the Frontend API's requests there (the proxy topology's, by path)."""
        if hasattr(self.context, "block"):
            from clerk_harness_fake.settings import FAPI_HOST, FAPI_PREFIX

            self._outage_starts("FAPI down (connections cut; navigator.onLine stays true)")
            self.context.block(FAPI_PREFIX + "/", host=FAPI_HOST)  # type: ignore[attr-defined]  # a WebKitContext
            self.api_down_matcher = matches
            return
        self._outage_starts("FAPI down (route abort; navigator.onLine stays true)")
        self.context.route(matches, lambda route: route.abort("internetdisconnected"))
        self.api_down_matcher = matches

    def api_up(self) -> None:
        self._outage_ends("FAPI up")
        if self.api_down_matcher and hasattr(self.context, "block"):
            self.context.block(None)  # type: ignore[attr-defined]  # a WebKitContext
            self.api_down_matcher = None
        elif self.api_down_matcher:
            self.context.unroute(self.api_down_matcher)
            self.api_down_matcher = None

    def _outage_starts(self, label: str) -> None:
        for listener in self.before_change:
            listener(True)
        self.is_offline = True  # for the proof: requests fail as if offline, whichever kind
        self.periods.append((self.log.now(), None))
        self.log.mark(label)

    def _outage_ends(self, label: str) -> None:
        for listener in self.before_change:
            listener(False)
        self.is_offline = False
        if self.periods and self.periods[-1][1] is None:
            self.periods[-1] = (self.periods[-1][0], self.log.now())
        self.log.mark(label)

    def failed_while_offline(self, url_part: str = "") -> list[FailedRequest]:
        return [f for f in self.failed if f.while_offline and url_part in f.url]
