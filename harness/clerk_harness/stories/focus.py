"""Real window focus: the app's window stays visible while the user works in a second window of the app
(clerk/javascript#9215, the focused-tab bias of 6.25.9; #8921, the `clerk_active_context` cookie).

In 6.x, `updateSessionCookie` writes `__session` from a page only while it has the focus, is a visible
cross-origin iframe, or holds the active context; a tab in the background has no focus, but neither has
a window left visible beside the one the user works in. Playwright's own Chromium keeps every page
focused, and headless Chromium gives every window the focus (it has no window manager): the story runs
in a headed Chromium (under Xvfb where there is no display: `WarmBrowser.for_real_focus`), whose windows
take the focus from each other as Firefox's do even headless, and WebKit's do on its own display. A second
window in front takes it, and the first stays visible with `document.hasFocus()` false.

The proof is what the first window says of itself: visible without the focus, with a trusted `blur`; a
token request while it had none; and a trusted `focus` when the user comes back to it.
"""

from __future__ import annotations

from typing import Any

from clerk_harness.oracle.proof_keeper import TOKEN_ROUTE
from clerk_harness.stories.skew import watch_for_expired_tokens
from clerk_harness.stories.story_parts import StoryParts as Story

SETTLES_WITHIN_MS = 2_000
# The window's own focus and blur since the last read (an input's do not count), and where it stands now.
FOCUS_STATE = """() => {
  if (!window.__harnessFocus) {
    window.__harnessFocus = [];
    for (const type of ["focus", "blur"]) {
      window.addEventListener(type, (e) => { if (e.target === window) window.__harnessFocus.push([type, e.isTrusted]); }, true);
    }
  }
  return { focused: document.hasFocus(), state: document.visibilityState, events: window.__harnessFocus.splice(0) };
}"""


def work_in_another_window(story: Story, virtual_s: float) -> None:
    """The user opens the app in a second window and works there for `virtual_s` of virtual time (reading
    `__session` every poller period, as `watch_for_expired_tokens` does); the first window stays visible
    beside it, without the focus. Then the user clicks back into the first window."""
    session, proof = story.session, story.keeper.proof
    page = story.page
    page.bring_to_front()  # the user is in this window when the second opens (an app's sign-in may have left it)
    _settle(page, "document.hasFocus()")
    page.evaluate(FOCUS_STATE)  # listening from now on
    window = session.app.on(_new_window(session.browser))
    window.open()
    window.page.bring_to_front()
    story.other_tabs.append(window)
    _settle(page, "!document.hasFocus()")
    left = page.evaluate(FOCUS_STATE)
    proof.unfocused_while_visible = not left["focused"] and left["state"] == "visible"
    proof.focus_events = _trusted(left["events"])
    story.log.mark(f"a second window in front: the first {left['state']}, focus {left['focused']}")
    if left["focused"]:  # no real window focus here: the stress cannot happen, and the proof says so
        return
    journal = session.backend.journal
    since = journal.last_seq
    # Two-second steps: a step runs each due timer once, at its end, and a token refresh due early in a
    # five-second step came up to 5 s late (some 5.x releases then looked lost in Chromium; not with 1 or 2 s).
    watch_for_expired_tokens(story, virtual_s, "while its window had no focus", step_s=2.0)
    proof.token_requests_unfocused = sum(1 for e in journal.entries(since) if TOKEN_ROUTE in e.path)
    still = page.evaluate(FOCUS_STATE)
    proof.unfocused_while_visible = proof.unfocused_while_visible and not still["focused"]
    page.bring_to_front()
    _settle(page, "document.hasFocus() && window.__harnessFocus.some(([type]) => type === 'focus')")
    back = page.evaluate(FOCUS_STATE)
    proof.focus_events += _trusted(still["events"] + back["events"])
    story.log.mark(
        f"back in the first window: focus {back['focused']} "
        f"({proof.token_requests_unfocused} token request(s) while it had none)"
    )


def _settle(page: Any, condition: str) -> None:
    """The window manager tells each window on its own: wait (bounded) until the page says `condition`.
    If it never does, the proof says what was missing."""
    try:
        page.wait_for_function(condition, polling=50, timeout=SETTLES_WITHIN_MS)
    except Exception:  # noqa: BLE001 - a timeout: the proof reads the page's state as it stands
        pass


def _new_window(browser: Any) -> Any:
    """A page in a window of its own: Firefox opens each new page so; Chromium opens a tab unless asked, and so
    does the harness's WebKit (a page of its own window, beside the first, on WebKit's display)."""
    if browser.engine == "firefox":
        return browser.context.new_page()
    if browser.engine == "webkit":
        return browser.context.new_page(own_window=True)
    cdp = browser.browser.new_browser_cdp_session()
    try:
        with browser.context.expect_page() as opened:
            cdp.send("Target.createTarget", {"url": "about:blank", "newWindow": True})
    finally:
        cdp.detach()
    return opened.value


def _trusted(events: list[Any]) -> list[str]:
    return [type_ for type_, trusted in events if trusted]
