"""Hiding and showing the app page.

"real": in the default context of a CDP-connected Chromium, bringing another page to the front hides
ours for real (trusted `blur` + `visibilitychange`), and bringing ours back shows it (`focus` +
`visibilitychange`). "synthetic": where focus emulation keeps every page visible (a normal Playwright
context), an init script overrides `document.visibilityState`/`hidden` and dispatches untrusted events.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from clerk_harness.browser.cookie_timeline import CookieTimeline
from clerk_harness.browser.page_binding import each, reporter_js
from clerk_harness.errors import HarnessError
from clerk_harness.oracle.run_log import RunLog

BINDING = "__harnessPageEvent"
FLUSH = "__harnessFlushPageEvents"
COVERED_WITHIN_MS = 5_000
EVENTS_SCRIPT = """
(() => {
  if (window.__harnessPageEvents) return;
  window.__harnessPageEvents = true;
%(reporter)s  const send = (type, event) => report({ type, trusted: event.isTrusted, state: document.visibilityState });
  // On the window, not the document: a tab opened on a URL keeps the window of its first, blank document
  // (same origin), whose document is replaced; the event reaches the window on its way to the document.
  window.addEventListener("visibilitychange", (e) => send("visibilitychange", e), true);
  // The window's own focus and blur: an input's, which a capturing listener hears too, is not the tab's.
  window.addEventListener("focus", (e) => { if (e.target === window) send("focus", e); }, true);
  window.addEventListener("blur", (e) => { if (e.target === window) send("blur", e); }, true);
  window.addEventListener("online", (e) => send("online", e), true);
  window.addEventListener("offline", (e) => send("offline", e), true);
})();
""" % {"reporter": reporter_js(BINDING, FLUSH)}

# Resolves once the page is in `state` (at once if it already is): no polling, which a hidden page's
# throttled timers would slow down.
BECOMES = """(state) => document.visibilityState === state || new Promise((resolve) => {
  const check = () => { if (document.visibilityState === state) {
    document.removeEventListener("visibilitychange", check); resolve(true); } };
  document.addEventListener("visibilitychange", check);
})"""

SYNTHETIC_SCRIPT = """
(() => {
  let state = "visible";
  Object.defineProperty(Document.prototype, "visibilityState", { configurable: true, get: () => state });
  Object.defineProperty(Document.prototype, "hidden", { configurable: true, get: () => state === "hidden" });
  window.__harnessSetVisibility = (next) => {
    state = next;
    document.dispatchEvent(new Event("visibilitychange"));
    window.dispatchEvent(new Event(next === "hidden" ? "blur" : "focus"));
  };
})();
"""


# The blank tabs opened to hide an app page. The warm browser keeps one across runs (a new tab costs about
# 70 ms in Chromium): the next run that hides its page brings it to the front again.
_COVERS: weakref.WeakSet[Page] = weakref.WeakSet()


def is_spare_cover(page: Page) -> bool:
    """A cover tab that is still blank (never navigated), so another run may use it."""
    return page in _COVERS and not page.is_closed() and page.url == "about:blank"


@dataclass(frozen=True)
class PageEvent:
    t: float
    type: str
    trusted: bool
    state: str


@dataclass(repr=False)
class Visibility:
    context: BrowserContext
    timeline: CookieTimeline
    mode: str  # "real" or "synthetic"
    page: Page | None = None  # the app page, hidden and shown when no other page is named
    # Firefox: a page from `context.new_page()` opens in a window of its own and hides nothing; a page the
    # app page opens is a tab of its window, and hides it (see clerk_harness.browser.firefox).
    covers_from_page: bool = False
    # WebKit: no tab covers another (WebKitGTK has windows, no tabs); the app page's window is minimised.
    minimizes: bool = False
    events: list[PageEvent] = field(default_factory=list)
    periods: list[tuple[float, float | None]] = field(default_factory=list)  # hidden (start, end)
    _cover: Page | None = None

    @property
    def log(self) -> RunLog:
        """The run's time and steps (its marks)."""
        return self.timeline.log

    def __repr__(self) -> str:
        return f"<Visibility {self.mode}, {len(self.events)} events>"

    def install(self) -> Visibility:
        self.timeline.also_flush[FLUSH] = self._on_event  # its marks then flush these reports too, in the same call
        self.context.expose_binding(BINDING, each(self._on_event))
        self.context.add_init_script(EVENTS_SCRIPT)
        if self.mode == "synthetic":
            self.context.add_init_script(SYNTHETIC_SCRIPT)
        return self

    def _on_event(self, source: Any, event: dict[str, Any]) -> None:
        if self._cover is not None and isinstance(source, dict) and source.get("page") is self._cover:
            return  # the blank tab that covers the app page is no tab of the app
        self.events.append(PageEvent(self.log.now(), event["type"], bool(event["trusted"]), event["state"]))

    @property
    def synthetic(self) -> bool:
        return self.mode == "synthetic"

    def hide(self, page: Page | None = None) -> None:
        """Hide the page: another tab comes to the front (real), or the override says hidden (synthetic)."""
        self._switch(page or self.page, "hidden")

    def show(self, page: Page | None = None, *, covering: Sequence[Page] = ()) -> None:
        """Show the page. The pages it is `covering` (tabs that were in front) are then in the background:
        checked (real), or made so (synthetic)."""
        self._switch(page or self.page, "visible", covering)

    def _open_cover(self, page: Page) -> Page:
        """A blank tab to bring to the front over `page`: a spare one the warm browser kept, else a new one."""
        spare = next((other for other in self.context.pages if other is not page and is_spare_cover(other)), None)
        if spare is not None:
            return spare
        if not self.covers_from_page:
            cover = self.context.new_page()
        else:
            with self.context.expect_page() as opened:
                page.evaluate("window.open('about:blank', '_blank', 'noopener')")
            cover = opened.value
        _COVERS.add(cover)
        return cover

    def _switch(self, page: Page | None, state: str, covering: Sequence[Page] = ()) -> None:
        assert page is not None, f"no page to make {state}"
        if self.synthetic:
            page.evaluate(f"window.__harnessSetVisibility('{state}')")
        elif state == "visible":
            page.bring_to_front()
        elif self.minimizes:
            page.minimize()  # type: ignore[attr-defined]  # clerk_harness.browser.webkit.pages.WebKitPage
        else:
            if self._cover is None or self._cover.is_closed():
                self._cover = self._open_cover(page)
            self._cover.bring_to_front()
        page.evaluate(BECOMES, state)
        for behind in covering:
            if self.synthetic:
                behind.evaluate("window.__harnessSetVisibility('hidden')")
            elif behind.evaluate("document.visibilityState") != "hidden":
                try:  # the browser tells each tab on its own: this one may hear of it a moment later
                    behind.wait_for_function(
                        "document.visibilityState === 'hidden'", polling=50, timeout=COVERED_WITHIN_MS
                    )
                except PlaywrightTimeoutError:
                    raise HarnessError(
                        f"a tab stayed visible {COVERED_WITHIN_MS} ms after another came to the front ({behind.url})"
                    ) from None
        now = self.log.now()
        if state == "hidden":
            self.periods.append((now, None))
        elif self.periods and self.periods[-1][1] is None:
            self.periods[-1] = (self.periods[-1][0], now)
        self.log.mark(state + (" (synthetic)" if self.synthetic else ""))
