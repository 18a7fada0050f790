"""The back-forward cache stress proves itself: a page served `no-store` is loaded anew, not restored,
and the story says why (Chromium's own reason) instead of judging; a restored page is the same document,
its clock set where the machine's is, and clerk-js in it refreshes the expired token."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


@pytest.mark.clerk_js("6.40.0")
def test_a_page_the_browser_may_not_keep_is_not_restored_and_proves_nothing(clerk_story):
    clerk_story.leave_and_come_back()  # the stress, not applied: the built-in page is served no-store
    assert clerk_story.proof.restored_from_bfcache is False
    problem = clerk_story.proof.problems()[0]
    assert problem.startswith("the browser loaded the page anew instead of restoring it from the back-forward cache")
    assert "MainResourceHasCacheControlNoStore" in problem, problem  # Chromium's own reason


@pytest.mark.clerk_js("6.40.0")
def test_a_restored_page_keeps_its_state_and_is_on_the_machines_time(clerk_story):
    clerk_story.serve_pages_the_browser_may_keep()
    clerk_story.sign_in()
    clerk_story.page.evaluate("window.__leftBehind = 'still here'")
    clerk_story.leave_and_come_back()
    assert clerk_story.page.evaluate("window.__leftBehind") == "still here"  # the same document, not a reload
    gap = clerk_story.page.evaluate("Date.now() / 1000") - clerk_story.session.clock.now()
    assert abs(gap) < 2, f"the restored page's clock is {gap:+.1f}s off the machine's"
    clerk_story.let_clerk_js_notice()
    assert clerk_story.proof.proven, clerk_story.proof.problems()
    assert clerk_story.proof.away_s > 60 and clerk_story.proof.token_expired_while_away
