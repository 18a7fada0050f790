"""The page-side cookie recorder, in both engines: a `document.cookie` write is recorded once, with its
stack, and the Cookie Store's echo of it is not recorded again; a change the page did not make through
`document.cookie` (a Cookie Store write, a Set-Cookie) is recorded from the Cookie Store. Reports of one
turn of the page travel together and arrive in the page's order."""

from __future__ import annotations

import pytest

from clerk_harness.browser.cookie_timeline import CookieTimeline
from clerk_harness.browser.visibility import Visibility

pytestmark = pytest.mark.e2e

WRITE_THEN_DELETE_FROM_THE_STORE = """async () => {
  const heard = (test) => new Promise((resolve) => {
    const listener = (event) => { if (test(event)) { cookieStore.removeEventListener("change", listener); resolve(); } };
    cookieStore.addEventListener("change", listener);
  });
  const abc = heard((e) => e.changed.some((c) => c.name === "__session_abc"));
  document.cookie = "__session=first; path=/";
  document.cookie = "__session_abc=first; path=/";
  await abc;
  const deleted = heard((e) => e.deleted.some((c) => c.name === "__session"));
  await cookieStore.delete("__session");
  await deleted;
  const second = heard((e) => e.changed.some((c) => c.value === "second"));
  document.cookie = "__session=second; path=/";
  await second;
}"""


@pytest.fixture(params=["chromium", "firefox"])
def browsers(request):
    """The test process's warm Chromium (the plugin's) or warm Firefox."""
    return request.getfixturevalue("clerk_warm_browser" if request.param == "chromium" else "warm_firefox")


def test_each_change_is_recorded_once_by_whoever_saw_it_first(browsers, clerk_fake):
    lease = browsers.lease()
    try:
        timeline = CookieTimeline(lease.context).install()
        lease.page.goto(clerk_fake.origin + "/__harness/health")
        lease.page.evaluate(WRITE_THEN_DELETE_FROM_THE_STORE)
        timeline.flush()
        seen = [(e.source, e.name, e.action, e.value) for e in timeline.events]
        assert seen == [
            ("document.cookie", "__session", "write", "first"),
            ("document.cookie", "__session_abc", "write", "first"),
            ("cookieStore", "__session", "remove", None),
            ("document.cookie", "__session", "write", "second"),
        ], seen
        assert timeline.events[0].detail.split(" @ ", 1)[1], "a document.cookie write carries its stack"
    finally:
        lease.close()


def test_a_tab_reports_its_window_focus_not_its_inputs(browsers, clerk_fake):
    lease = browsers.lease()
    try:
        timeline = CookieTimeline(lease.context).install()
        visibility = Visibility(
            lease.context,
            timeline,
            lease.visibility_mode,
            lease.page,
            covers_from_page=browsers.config.engine == "firefox",
        ).install()
        lease.page.goto(clerk_fake.origin + "/__harness/health")
        timeline.flush()
        loaded = len(visibility.events)  # Firefox's window hears its own focus as the page loads
        lease.page.evaluate("""() => { const input = document.createElement("input");
          document.body.append(input); input.focus(); input.blur(); }""")
        timeline.flush()
        assert visibility.events[loaded:] == [], "an input's focus and blur are not the tab's"
        visibility.hide()
        visibility.show()
        timeline.flush()
        # the tab's own changes (the cover tab's are reported among them)
        changes = [e.state for e in visibility.events[loaded:] if e.type == "visibilitychange"]
        assert changes[0] == "hidden" and "visible" in changes[1:], visibility.events
    finally:
        lease.close()
