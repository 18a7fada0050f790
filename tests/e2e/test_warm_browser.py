"""Runs take turns in one warm browser (clerk_harness.browser.warm): Chromium's default context, a Firefox
context per profile. What one run leaves must never reach the next, and the next still gets real
visibility and a clock on the fake's time."""

from __future__ import annotations

from functools import partial

import httpx
import pytest

from clerk_harness.browser.clock import RealTimeClock, VirtualClock
from clerk_harness.browser.cookie_timeline import CookieTimeline
from clerk_harness.browser.page_binding import CLEARING_PATH
from clerk_harness.browser.visibility import Visibility, is_spare_cover
from clerk_harness.browser.warm import WarmBrowser
from clerk_harness.oracle.run_log import RunLog
from clerk_harness_fake import pages

pytestmark = pytest.mark.e2e

LEAVE_STATE_BEHIND = """async (withWorker) => {
  document.cookie = "left=over; path=/";
  localStorage.setItem("left", "over");
  sessionStorage.setItem("left", "over");
  await new Promise((resolve, reject) => {
    const open = indexedDB.open("left", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("s");
    open.onsuccess = () => { const tx = open.result.transaction("s", "readwrite");
      tx.objectStore("s").put("over", "k"); tx.oncomplete = () => { open.result.close(); resolve(); }; };
    open.onerror = () => reject(open.error);
  });
  const cache = await caches.open("left");
  await cache.put("/left", new Response("over"));
  // (Firefox does not fetch a service worker's script through Playwright's routes: Chromium only)
  return !withWorker || !!(await navigator.serviceWorker.register("/left-sw.js"));
}"""

WHAT_IS_LEFT = """async () => ({
  cookie: document.cookie,
  local: localStorage.getItem("left"),
  session: sessionStorage.getItem("left"),
  databases: (await indexedDB.databases()).map((d) => d.name),
  caches: await caches.keys(),
  workers: (await navigator.serviceWorker.getRegistrations()).length,
})"""

# A tab of the first run listens on a BroadcastChannel and would call the fake when it hears anything.
LISTEN_ON_CHANNEL = """() => { const channel = new BroadcastChannel("left");
  channel.onmessage = () => fetch("/api/me?heard=leftover"); window.__channel = channel; }"""


@pytest.fixture(params=["chromium", "firefox", "firefox-fake-page"])
def warm(request, clerk_fake):
    """The plugin's warm Chromium, or a warm Firefox, which clears an origin's storage from a clearing page
    the harness answers itself, or that the fake serves when the harness knows it does (as every run's
    session tells it)."""
    if request.param == "chromium":
        yield request.getfixturevalue("clerk_warm_browser")
        return
    browsers = request.getfixturevalue("warm_firefox")
    known = set(browsers.answer_clearing)  # what earlier runs in this process told it
    browsers.answer_clearing.clear()
    if request.param == "firefox-fake-page":
        browsers.answer_clearing.add(clerk_fake.origin)
    yield browsers
    browsers.answer_clearing.clear()
    browsers.answer_clearing.update(known)


def test_the_fake_serves_the_clearing_page_the_harness_goes_to(clerk_fake):
    assert CLEARING_PATH == pages.CLEARING_PATH
    answer = httpx.get(clerk_fake.origin + CLEARING_PATH)
    assert answer.status_code == 200 and "<script" not in answer.text


def test_nothing_of_one_run_reaches_the_next(warm, clerk_fake):
    clerk_warm_browser = warm
    first = clerk_warm_browser.lease()
    try:
        first.context.route(
            "**/left-sw.js",
            lambda route: route.fulfill(
                body="self.addEventListener('fetch', () => {});", content_type="text/javascript"
            ),
        )
        first.page.goto(clerk_fake.origin + "/__harness/health")
        with_worker = warm.config.engine == "chromium"
        assert first.page.evaluate(LEAVE_STATE_BEHIND, with_worker)
        left = first.page.evaluate(WHAT_IS_LEFT)
        assert left["local"] == "over" and left["caches"] == ["left"] and left["workers"] == int(with_worker), left
        assert left["databases"] == ["left"] and left["session"] == "over", left
        listener = first.context.new_page()
        listener.goto(clerk_fake.origin + "/__harness/health")
        listener.evaluate(LISTEN_ON_CHANNEL)
        first.context.set_offline(True)
    finally:
        first.close()

    second = clerk_warm_browser.lease()
    try:
        # the listener's tab is gone; only a blank cover tab that hid an earlier run's page may stay
        others = [page for page in second.context.pages if page is not second.page]
        blank = "about:blank" if warm.config.engine == "chromium" else clerk_fake.origin + CLEARING_PATH
        assert second.page.url == blank and all(is_spare_cover(page) for page in others), others
        assert len(others) <= 1, others
        second.page.goto(clerk_fake.origin + "/__harness/health")
        assert second.page.evaluate(WHAT_IS_LEFT) == {
            "cookie": "",
            "local": None,
            "session": None,
            "databases": [],
            "caches": [],
            "workers": 0,
        }
        assert second.page.evaluate("navigator.onLine")
        assert second.context.cookies() == []
        journal_mark = clerk_fake.journal.last_seq
        second.page.evaluate("new BroadcastChannel('left').postMessage('anyone?')")
        second.page.evaluate("fetch('/api/me?heard=nothing')")  # a request after the message
        # fetch() settles on the headers; the journal records the request once its answer is sent.
        clerk_fake.journal.wait_for(lambda e: e.query.get("heard") == "nothing", since=journal_mark)
        heard = [e.query.get("heard") for e in clerk_fake.journal.entries(journal_mark)]
        assert heard == ["nothing"], heard
    finally:
        second.close()


def test_the_hand_back_reports_to_no_run(warm_firefox, clerk_fake):
    """A warm Firefox clears cookies with its tab on the clearing page, whose scripts see the removals: the
    next run's timeline must not get them (it once recorded `__session` removed as it began)."""
    first = warm_firefox.lease()
    try:
        timeline = CookieTimeline(first.context).install()
        first.page.goto(clerk_fake.origin + "/__harness/health")
        first.page.evaluate("document.cookie = '__session=left; path=/'")
        timeline.flush()
        assert [e.action for e in timeline.events if e.name == "__session"], timeline.events  # it listens
    finally:
        first.close()
    second = warm_firefox.lease()
    try:
        later = CookieTimeline(second.context).install()
        assert second.page.url == clerk_fake.origin + CLEARING_PATH
        second.page.goto(clerk_fake.origin + "/__harness/health")
        later.flush()
        assert later.events == [], later.events
    finally:
        second.close()


def test_a_later_run_still_gets_trusted_visibility_and_the_fake_time(warm, clerk_fake, clerk_config):
    clerk_warm_browser = warm
    earlier: list[tuple[Visibility, int]] = []
    for run in range(2):
        lease = clerk_warm_browser.lease()
        try:
            timeline = CookieTimeline(lease.context).install()
            visibility = Visibility(
                lease.context,
                timeline,
                lease.visibility_mode,
                lease.page,
                covers_from_page=warm.config.engine == "firefox",
            ).install()
            lease.page.goto(clerk_fake.origin + "/__harness/health")
            visibility.hide()
            visibility.show()
            changes = {(e.state, e.trusted) for e in visibility.events if e.type == "visibilitychange"}
            assert {("hidden", True), ("visible", True)} <= changes, (run, visibility.events)
            assert any(e.type == "blur" and e.trusted for e in visibility.events), run
            # The recorders' scripts stay installed between runs; their reports go to this run's only.
            assert all(len(before.events) == count for before, count in earlier), (
                "a later run reported to an earlier one"
            )
            earlier.append((visibility, len(visibility.events)))
        finally:
            lease.close()
    assert clerk_warm_browser.launches >= 1


def test_the_browser_runs_no_omnibox_popups(clerk_warm_browser):
    """Chromium preloads its omnibox popups as WebUI pages at every start (0.7 s of CPU, in a renderer of
    their own); the harness's flags turn them off."""
    lease = clerk_warm_browser.lease()
    try:
        cdp = lease.browser.new_browser_cdp_session()
        targets = cdp.send("Target.getTargets")["targetInfos"]
        cdp.detach()
    finally:
        lease.close()
    assert [t["url"] for t in targets if t["url"].startswith("chrome://") or t["type"] == "browser_ui"] == []
    assert any(t["type"] == "page" for t in targets), targets  # the listing is real: the lease's own tab


def test_a_firefox_context_leased_again_has_the_focus_back(warm_firefox, clerk_fake):
    """Each profile has a warm context (a window) of its own in Firefox; a page of a window left in the
    background gets no trusted focus, which a page restored from the back-forward cache needs."""
    for profile in ("realistic", "webdriver", "realistic"):
        lease = warm_firefox.lease(profile)
        try:
            lease.page.goto(clerk_fake.origin + "/elsewhere")
            assert lease.page.evaluate("document.hasFocus()"), profile
        finally:
            lease.close()


def test_a_new_browsers_first_tab_has_the_focus(playwright, clerk_config):
    """A freshly launched Chromium's first tab has no focus until it is brought to the front: the first run
    of each browser hid its page without a `blur`, and clerk-js 6.x writes `__session` only from a focused
    page (or the active context). Every lease hands out a focused tab, the first one too."""
    browsers = WarmBrowser(playwright, clerk_config.browser)
    try:
        lease = browsers.lease()
        try:
            assert lease.page.evaluate("document.hasFocus()")
        finally:
            lease.close()
    finally:
        browsers.close()
    assert browsers.launches == 1


TIMER_WORKER = """() => { const url = URL.createObjectURL(new Blob([""], { type: "text/javascript" }));
  try { new Worker(url, { name: "clerk-timers" }).terminate(); return "made"; }
  catch (e) { return e.name; } }"""


@pytest.mark.parametrize("engine", ["chromium", "firefox"])
def test_clerk_js_gets_its_timer_worker_exactly_on_real_time(engine, request, clerk_fake):
    """The refusal of clerk-js's timer worker stays installed in a warm browser: a later run on real time
    (the poller's, or an app's) still gets its worker, and a virtual run after it is refused again."""
    warm = request.getfixturevalue("clerk_warm_browser" if engine == "chromium" else "warm_firefox")
    made = []
    for clock in (VirtualClock, partial(VirtualClock, poller="real"), RealTimeClock, VirtualClock):
        lease = warm.lease()
        try:
            clock(lease.context, clerk_fake.clock, RunLog()).install()
            lease.page.goto(clerk_fake.origin + "/__harness/health")
            made.append(lease.page.evaluate(TIMER_WORKER))
        finally:
            lease.close()
    assert made == ["SecurityError", "made", "made", "SecurityError"], made
