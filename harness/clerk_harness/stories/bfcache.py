"""The back-forward cache: the user leaves the app for another page, stays away until the token in
`__session` has expired, and comes back with Back. The browser restores the page as it was left, and
clerk-js has no `pageshow` handler: nothing refreshes the token before the app's first calls, until its
session poller notices on a later tick.

Only a page the browser may keep is restored: a single-page app's `index.html` (`Cache-Control: no-cache`)
is, a page served `no-store` is not (Chromium). The built-in page is served the first way for this story
and loaded again; a user's app serves its pages its own way, and where the browser does not keep them
the proof says so, with Chromium's reasons.

The proof: `pageshow` with `persisted` true in the page that was left, the token in `__session` expired
while away, and a token request after the return (clerk-js alive, refreshing on its own), so a kept
session is a refreshed one. On the virtual clock the kept page's clock stood still while it was away
(Playwright's clock moves only the pages that are open); as it comes back it is set to the server's time,
where the machine's own clock would be.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from clerk_harness.browser.clock import POLLER_PERIOD_S
from clerk_harness.errors import HarnessError
from clerk_harness.oracle.evidence import TokenWindow
from clerk_harness.oracle.proof_keeper import TOKEN_ROUTE
from clerk_harness.stories.story_parts import StoryParts as Story
from clerk_harness_fake.tokens import CLOCK_SKEW_S

AWAY_AFTER_EXPIRY_S = 60  # how long past the token's expiry the user stays away (virtual time)
# Against a user's app time really passes: away just past the backend SDKs' leeway after the expiry.
AWAY_AFTER_EXPIRY_REAL_S = CLOCK_SKEW_S + 2
LOOK_S = 1  # the user looks at the page for this long before their first click
MAX_TRIES = 2  # leaving and coming back, where a page the browser may keep was loaded anew without a reason
LOCKS_WAIT_MS = 5_000  # clerk-js's poller lets its lock go within milliseconds (it gives up asking after 5 s)
RELEASE_LOCKS = """(() => {
  window.__harnessLocksFree = false;
  const settle = async () => {
    for (;;) {
      const { held, pending } = await navigator.locks.query();
      const names = [...new Set([...held, ...pending].map((lock) => lock.name))];
      if (!names.length) return;
      await Promise.all(names.map((name) => navigator.locks.request(name, () => {})));
    }
  };
  if (!navigator.locks) window.__harnessLocksFree = true;
  else settle().catch(() => {}).then(() => { window.__harnessLocksFree = true; });  // a page without locks: free
})()"""
CLOCK_ON_RETURN = "__harnessClockOnReturn"  # a localStorage key: the virtual time the page comes back at
# In the page before it is left: record `pageshow`, and on the first event of its return (before clerk-js
# hears of it) set its clock to the time the harness left in localStorage, where the machine's clock is.
WATCH_THE_RETURN = """(() => {
  window.__harnessPageshows = [];
  window.addEventListener("pageshow", (event) => window.__harnessPageshows.push(event.persisted), true);
  const catchUp = () => {
    const due = localStorage.getItem("%(key)s");
    if (due === null || !globalThis.__pwClock) return;
    localStorage.removeItem("%(key)s");
    globalThis.__pwClock.controller.setSystemTime(Number(due));
  };
  for (const type of ["pageshow", "visibilitychange", "focus"]) window.addEventListener(type, catchUp, true);
})()""" % {"key": CLOCK_ON_RETURN}


def serve_pages_the_browser_may_keep(story: Story) -> None:
    """The built-in page is served as a single-page app's is (`no-cache`), and loaded again that way; a
    user's app serves its pages as it does."""
    if story.session.clock.mode != "virtual":
        story.log.mark("the app serves its pages its own way (a page served no-store is never kept)")
        return
    story.session.backend.app_pages_cacheable = True
    story.session.app.open()
    story.log.mark("the app's page is one the browser may keep (Cache-Control: no-cache)")


def leave_and_come_back(story: Story) -> None:
    """The user goes to another page until the token in `__session` has expired, then presses Back. The
    built-in page is one the browser may keep: where it was loaded anew all the same and the browser gave no
    reason (Firefox gives none), the user leaves once more, and the proof counts the tries."""
    proof = story.keeper.proof
    for tries in range(1, MAX_TRIES + 1):
        proof.bfcache_tries = tries
        _leave_until_expired_and_press_back(story)
        if proof.restored_from_bfcache or proof.bfcache_blocked_by or story.session.clock.mode != "virtual":
            break
    story.session.clock.advance(story.page, LOOK_S)


def _leave_until_expired_and_press_back(story: Story) -> None:
    session, page, proof = story.session, story.page, story.keeper.proof
    cookie = story.timeline.snapshot().get("__session")
    if not cookie:
        raise HarnessError("sign in before leaving the app: there is no __session token to expire")
    token = TokenWindow.of(cookie)
    _let_clerk_js_release_its_locks(page)
    page.evaluate(WATCH_THE_RETURN)
    left_at = session.clock.now()
    virtual = session.clock.mode == "virtual"  # the built-in page: its own origin serves the other page
    page.goto(f"{session.app.origin if virtual else session.backend.origin}/elsewhere")
    story.log.mark("left the app for another page")
    away = token.expires_at + (AWAY_AFTER_EXPIRY_S if virtual else AWAY_AFTER_EXPIRY_REAL_S) - session.clock.now()
    session.clock.advance(page, away, quiet_until=session.clock.now() + away)
    if virtual:
        page.evaluate(
            "([key, ms]) => localStorage.setItem(key, String(ms))", [CLOCK_ON_RETURN, int(session.clock.now() * 1000)]
        )
    not_restored = _watch_why_not_restored(page)
    proof.returned_seq = session.backend.journal.last_seq
    page.evaluate("setTimeout(() => history.back())")  # Back (Playwright's go_back waits forever in Firefox)
    page.wait_for_function(
        "location.pathname !== '/elsewhere' && document.readyState === 'complete'", polling=100, timeout=10_000
    )
    proof.away_s = round(session.clock.now() - left_at, 1)
    proof.token_expired_while_away = session.clock.now() > token.expires_at >= left_at  # fresh as the user left
    proof.restored_from_bfcache = bool(page.evaluate("(window.__harnessPageshows || []).includes(true)"))
    if not proof.restored_from_bfcache:
        proof.bfcache_blocked_by = list(not_restored)
        session.app.wait_loaded()
    else:
        session.clock.follow_restored_page(page)
    story.log.mark(
        f"back after {proof.away_s:g}s away: "
        f"{'restored from the back-forward cache' if proof.restored_from_bfcache else 'loaded anew'}"
    )


def _let_clerk_js_release_its_locks(page: Any) -> None:
    """A page that holds a Web Lock is never kept (Firefox): clerk-js's session poller holds one while it
    ticks. Before the user leaves, each lock held is asked for (granted once clerk-js lets it go) until none
    is held; a lock never let go is the proof's to report (the page is loaded anew)."""
    page.evaluate(RELEASE_LOCKS)
    try:
        page.wait_for_function("window.__harnessLocksFree === true", polling=20, timeout=LOCKS_WAIT_MS)
    except PlaywrightTimeoutError:
        pass


def let_clerk_js_notice(story: Story) -> None:
    """Up to two session-poller periods after the return, until clerk-js asks for a token or touches the
    session (whose answer carries a fresh token): its proof of life."""
    session, proof, journal = story.session, story.keeper.proof, story.session.backend.journal
    if proof.returned_seq is None:
        raise HarnessError("leave the app and come back before waiting for clerk-js to notice")
    if not proof.restored_from_bfcache:
        return  # a page loaded anew proves nothing here: the proof says so
    since = proof.returned_seq

    def refreshed() -> bool:
        return any(TOKEN_ROUTE in entry.path or entry.path.endswith("/touch") for entry in journal.entries(since))

    session.clock.advance(story.page, 2 * POLLER_PERIOD_S + 1, until=refreshed)
    proof.after_return = [
        f"{e.method} {e.path.split('/v1', 1)[-1]} -> {e.status}" for e in journal.entries(since) if "/v1/" in e.path
    ]
    story.log.mark(f"a token request or touch after the return: {refreshed()}")


def _watch_why_not_restored(page: Any) -> list[str]:
    """Chromium says why it did not restore a page (`Page.backForwardCacheNotUsed`); other engines do not."""
    reasons: list[str] = []
    try:
        cdp = page.context.new_cdp_session(page)
        cdp.send("Page.enable")
    except Exception:  # noqa: BLE001 - not a Chromium: the proof says only that the page was loaded anew
        return reasons
    cdp.on(
        "Page.backForwardCacheNotUsed",
        lambda event: reasons.extend(item["reason"] for item in event.get("notRestoredExplanations", [])),
    )
    return reasons
