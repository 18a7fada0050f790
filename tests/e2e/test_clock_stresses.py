"""The clock stresses prove themselves: a skew the page did not take is no stress, and the page's own
`Date.now()` against the server's time is the gap the verdict rests on; a sleep too short to expire the
token is no sleep, and a night's sleep wakes to a burst with a token request."""

from __future__ import annotations

import pytest

from clerk_harness.oracle import evidence

pytestmark = pytest.mark.e2e


@pytest.mark.clerk_js("6.40.0")
def test_a_skew_the_page_did_not_take_is_not_proven(clerk_page, monkeypatch):
    clock = clerk_page.page.context.clock
    monkeypatch.setattr(type(clock), "set_system_time", lambda self, time: None)  # the stress, not applied
    clerk_page.skew_the_page_clock(-30)
    clerk_page.let_the_skewed_clock_run(60)
    assert evidence.page_clock_skewed(clerk_page.proof) is not None
    assert not clerk_page.proof.proven


@pytest.mark.clerk_js("6.40.0")
def test_a_night_wakes_to_a_burst_and_a_nap_proves_nothing(clerk_page):
    clerk_page.sleep_and_wake(0.01)  # the stress, not applied: 36 s, the token still fresh
    assert evidence.slept_an_hour_or_more(clerk_page.proof) is not None and not clerk_page.proof.proven
    clerk_page.sleep_and_wake(8)
    assert clerk_page.proof.proven, clerk_page.proof.problems()
    assert any("/tokens -> 200" in request for request in clerk_page.proof.wake_burst)


@pytest.mark.clerk_js("6.40.0")
@pytest.mark.clerk_session_minter
def test_a_touch_answered_fresh_proves_no_stale_token_and_an_older_one_is_carried_forward(clerk_page, clerk_fake):
    """The stale-token stress: with the fake's lag set back to 0 (the stress not applied) the touch carries no
    older token and the proof says so; with it, 6.40.0 writes the 43 s older token to __session (and then
    refreshes it on that token's own schedule: no loss)."""
    clerk_page.touches_answer_with_older_tokens(43)
    clerk_fake.touch_token_lag_s = 0  # the stress, not applied
    clerk_page.let_the_session_be_touched()
    clerk_page.keep_the_tab_open(5)
    assert evidence.touch_answered_stale(clerk_page.proof) is not None and not clerk_page.proof.proven
    assert clerk_page.proof.stale_token_written is False
    clerk_page.touches_answer_with_older_tokens(43)
    clerk_page.let_the_session_be_touched()
    clerk_page.keep_the_tab_open(60)
    assert clerk_page.proof.proven and clerk_page.proof.stale_token_written, clerk_page.proof.describe()
    assert clerk_page.seen.expired_cookie is None
