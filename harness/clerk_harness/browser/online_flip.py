"""A page-level hook that pins the instant the browser comes back online, for the residual race of #7912.

The race needs `navigator.onLine` to be false when clerk-js's fetch layer catches a failed token
request (so it answers with an empty token instead of throwing) and true a moment later, when a
concurrent focus refresh checks it (so that empty token is returned as `null` and written, removing
`__session`). Both reads happen in one chain of microtasks: no real network flip can be timed between
them. Armed, the hook lets the first `onLine` read after a failed token fetch see the real value
(offline) and reports online from then on, as if connectivity returned at that instant. The browser
is really offline until then and is switched online for real right after.
"""

from __future__ import annotations

from playwright.sync_api import Page

INIT_SCRIPT = """
(() => {
  if (window.__harnessOnlineFlip) return;
  const realOnLine = Object.getOwnPropertyDescriptor(Navigator.prototype, "onLine").get;
  let mode = "off";  // off -> armed -> failed (next read is real) -> online (reads say true)
  const reads = [];
  window.__harnessOnlineFlip = {
    arm() { mode = "armed"; reads.length = 0; },
    disarm() { mode = "off"; },
    get mode() { return mode; },
    get reads() { return reads.slice(); },
  };
  Object.defineProperty(Navigator.prototype, "onLine", { configurable: true, get() {
    const value = realOnLine.call(this);
    if (mode === "off" || mode === "armed") return value;
    const answer = mode === "online" ? true : value;
    if (mode === "failed") mode = "online";
    reads.push(answer);
    return answer;
  }});
  const realFetch = window.fetch;
  window.fetch = function (input) {
    const pending = realFetch.apply(this, arguments);
    const url = String((input && input.url) || input);
    if (url.includes("/tokens")) pending.catch(() => { if (mode === "armed") mode = "failed"; });
    return pending;
  };
})();
"""


def arm(page: Page) -> None:
    page.evaluate("window.__harnessOnlineFlip.arm()")


def flipped(page: Page) -> bool:
    """The page has read `onLine` since the failure and been told it is online again."""
    return True in page.evaluate("window.__harnessOnlineFlip.reads")


def disarm(page: Page) -> list[bool]:
    """Stop pinning; returns the `onLine` answers given while the flip was in force."""
    reads = page.evaluate("window.__harnessOnlineFlip.reads")
    page.evaluate("window.__harnessOnlineFlip.disarm()")
    return reads
