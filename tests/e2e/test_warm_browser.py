"""Runs take turns in one warm Chromium (harness/browser/warm.py). What one run leaves must never reach
the next, and the next still gets real visibility and a clock on the fake's time."""

from __future__ import annotations

import pytest

from clerk_harness.oracle.cookie_timeline import CookieTimeline
from clerk_harness.browser.visibility import Visibility

pytestmark = pytest.mark.e2e

LEAVE_STATE_BEHIND = """async () => {
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
  const registration = await navigator.serviceWorker.register("/left-sw.js");
  return !!registration;
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


def test_nothing_of_one_run_reaches_the_next(clerk_warm_browser, clerk_fake):
    first = clerk_warm_browser.lease()
    try:
        first.context.route("**/left-sw.js", lambda route: route.fulfill(
            body="self.addEventListener('fetch', () => {});", content_type="text/javascript"))
        first.page.goto(clerk_fake.origin + "/__harness/health")
        assert first.page.evaluate(LEAVE_STATE_BEHIND)
        left = first.page.evaluate(WHAT_IS_LEFT)
        assert left["local"] == "over" and left["caches"] == ["left"] and left["workers"] == 1, left
        listener = first.context.new_page()
        listener.goto(clerk_fake.origin + "/__harness/health")
        listener.evaluate(LISTEN_ON_CHANNEL)
        first.context.set_offline(True)
    finally:
        first.close()

    second = clerk_warm_browser.lease()
    try:
        assert len(second.context.pages) == 1 and second.page.url == "about:blank"
        second.page.goto(clerk_fake.origin + "/__harness/health")
        assert second.page.evaluate(WHAT_IS_LEFT) == {"cookie": "", "local": None, "session": None,
                                                      "databases": [], "caches": [], "workers": 0}
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


def test_a_later_run_still_gets_trusted_visibility_and_the_fake_time(clerk_warm_browser, clerk_fake, clerk_config):
    earlier: list[tuple[Visibility, int]] = []
    for run in range(2):
        lease = clerk_warm_browser.lease()
        try:
            timeline = CookieTimeline(lease.context).install()
            visibility = Visibility(lease.context, timeline, lease.visibility_mode, lease.page).install()
            lease.page.goto(clerk_fake.origin + "/__harness/health")
            visibility.hide()
            visibility.show()
            changes = {(e.state, e.trusted) for e in visibility.events if e.type == "visibilitychange"}
            assert {("hidden", True), ("visible", True)} <= changes, (run, visibility.events)
            assert any(e.type == "blur" and e.trusted for e in visibility.events), run
            # The recorders' scripts stay installed between runs; their reports go to this run's only.
            assert all(len(before.events) == count for before, count in earlier), "a later run reported to an earlier one"
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
