"""The catalogue's stories on the second engine: a stock Firefox ESR over WebDriver BiDi.

Each run reads as its Chromium twin does; what must hold is the same verdict with the same evidence: a
loss is a removal of `__session` seen in the page, a survival shows the refresh that failed, and the app
page was really hidden (trusted events through a real tab), not told so.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from clerk_harness.matrix.runner import run_scenario
from clerk_harness.reports.text import render
from clerk_harness.stories.scenario import Scenario
from clerk_harness.stories.scenarios import get_scenario

pytestmark = pytest.mark.e2e


@pytest.fixture
def run_in_firefox(playwright, firefox_config, clerk_fake, warm_firefox):
    def run(scenario_id: str, version: str):
        outcome = run_scenario(playwright, firefox_config, clerk_fake, scenario_id, version, browsers=warm_firefox)
        assert outcome.engine == "firefox" and outcome.profile == "realistic"  # checked at the session's start
        expected = get_scenario(scenario_id).expected(version, engine="firefox")
        assert outcome.verdict == expected, render(outcome, expected)
        return outcome

    return run


def test_offline_reload_loses_the_cookie_on_6_0_0_in_firefox(run_in_firefox):
    outcome = run_in_firefox("offline-reload", "6.0.0")
    assert outcome.removals[0].source == "document.cookie", render(outcome)
    # the write with its stack, and the jar (the Cookie Store: test_cookie_recorder.py)
    assert {"document.cookie", "snapshot"} <= {r.source for r in outcome.removals}, outcome.removals
    assert outcome.observations.server_auth_after_reload == "signed_out"


def test_offline_visibility_keeps_the_cookie_on_6_40_0_through_a_real_tab_switch(run_in_firefox):
    outcome = run_in_firefox("offline-visibility", "6.40.0")
    assert outcome.proof is not None and outcome.proof.proven and outcome.proof.attempts, render(outcome)
    assert outcome.visibility_mode == "real"
    assert "--- hidden\n" in outcome.timeline + "\n" and "(synthetic)" not in outcome.timeline, outcome.timeline
    assert outcome.observations.user_at_end


def test_a_real_sign_out_in_firefox_is_a_removal(run_in_firefox):
    outcome = run_in_firefox("signout-control", "6.40.0")
    assert outcome.removals, render(outcome)


def test_the_realistic_profile_is_what_keeps_a_stock_firefox_from_misjudging(
    playwright, firefox_config, clerk_fake, warm_firefox
):
    """Only the API is down; Firefox is online. Firefox says `navigator.webdriver = true` under remote control:
    with the realistic profile's getter clerk-js 6.0.0 keeps the session, without it clerk-js believes it
    is offline and loses it (the `webdriver` profile, on purpose). A profile is a context's in Firefox: both
    runs lease the warm browser."""
    verdicts = {}
    for profile in ("realistic", "webdriver"):
        config = replace(firefox_config, browser=replace(firefox_config.browser, profile=profile))
        outcome = run_scenario(playwright, config, clerk_fake, "api-down", "6.0.0", browsers=warm_firefox)
        verdicts[profile] = outcome.verdict
        assert outcome.verdict == get_scenario("api-down").expected("6.0.0", profile, "firefox"), render(outcome)
    assert verdicts == {"realistic": "survived", "webdriver": "lost"}


def test_a_page_restored_from_the_back_forward_cache_gets_a_focus_in_firefox(run_in_firefox):
    """Where Chromium (focus emulated) loses on 6.0.0, Firefox restores the page with a trusted `focus`, on
    which clerk-js touches the session: kept, and the touch is the proof."""
    outcome = run_in_firefox("bfcache-restore", "6.0.0")
    assert outcome.proof is not None and outcome.proof.restored_from_bfcache, render(outcome)
    assert any(request.endswith("/touch -> 200") for request in outcome.proof.after_return), render(outcome)


def leave_while_a_token_request_is_in_flight(story) -> None:
    """The bfcache-restore story, but as the user first leaves, the app's token request is still in flight."""
    story.serve_pages_the_browser_may_keep()
    story.sign_in()
    held = story.hold_the_next_token_request()
    story.session.app.start_get_token(clear_cache=True)
    held.wait_until_held(1, timeout=10)
    story.leave_and_come_back()
    story.let_clerk_js_notice()


def leave_while_clerk_js_holds_a_lock(story) -> None:
    """... and as the user leaves, the page holds a Web Lock for a moment, as clerk-js's poller does."""
    story.serve_pages_the_browser_may_keep()
    story.sign_in()
    story.page.evaluate(
        "navigator.locks.request('clerk.lock.refreshSessionToken', () => new Promise((r) => setTimeout(r, 300)))"
        ".then(() => { window.__harnessLockGone = true; }); 0"
    )
    story.leave_and_come_back()
    story.let_clerk_js_notice()


def test_a_page_firefox_did_not_keep_without_a_reason_is_left_again_and_the_proof_counts_it(
    playwright, firefox_config, clerk_fake, warm_firefox
):
    """Firefox keeps no page with a request in flight, and does not say why: the user leaves once more."""
    story = Scenario(
        "bfcache-in-flight", "leave while a request is in flight", "test", "", leave_while_a_token_request_is_in_flight
    )
    outcome = run_scenario(playwright, firefox_config, clerk_fake, story, "6.40.0", browsers=warm_firefox)
    assert outcome.verdict == "survived" and outcome.proof is not None, render(outcome)
    assert outcome.proof.bfcache_tries == 2 and outcome.proof.restored_from_bfcache, render(outcome)
    assert "(at try 2: the browser loaded the page anew before)" in outcome.proof.describe(), render(outcome)
    assert outcome.timeline.count("loaded anew") == 1, outcome.timeline


def test_a_lock_held_as_the_user_leaves_is_let_go_first_and_the_page_is_kept(
    playwright, firefox_config, clerk_fake, warm_firefox
):
    story = Scenario("bfcache-lock", "leave while a lock is held", "test", "", leave_while_clerk_js_holds_a_lock)
    outcome = run_scenario(playwright, firefox_config, clerk_fake, story, "6.40.0", browsers=warm_firefox)
    assert outcome.verdict == "survived" and outcome.proof is not None, render(outcome)
    assert outcome.proof.bfcache_tries == 1 and outcome.proof.restored_from_bfcache, render(outcome)


def test_a_window_left_visible_without_the_focus_keeps_the_session_on_6_40_0(run_in_firefox):
    """focus-multi-tab: real window focus, which Firefox gives headless. The first window said it was
    visible without the focus, heard a trusted blur and, when the user came back, a trusted focus; clerk-js
    asked for tokens meanwhile. A guard: no release loses here (clerk/javascript#9215, #8921)."""
    outcome = run_in_firefox("focus-multi-tab", "6.40.0")
    proof = outcome.proof
    assert proof is not None and proof.proven and proof.kind == "focus", render(outcome)
    assert proof.unfocused_while_visible and {"blur", "focus"} <= set(proof.focus_events), proof
    assert proof.token_requests_unfocused, proof
    assert outcome.observations.user_after_reload and outcome.observations.api_after_online in (None, 200)
