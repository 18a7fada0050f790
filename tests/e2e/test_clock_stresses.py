"""The clock stresses prove themselves: a skew the page did not take is no stress, and the page's own
`Date.now()` against the server's time is the gap the verdict rests on; a sleep too short to expire the
token is no sleep, and a night's sleep wakes to a burst with a token request."""

from __future__ import annotations

import pytest

from clerk_harness.oracle import evidence

pytestmark = pytest.mark.e2e


@pytest.mark.clerk_js("6.40.0")
def test_a_skew_the_page_did_not_take_is_not_proven(clerk_story, monkeypatch):
    clock = clerk_story.page.context.clock
    monkeypatch.setattr(type(clock), "set_system_time", lambda self, time: None)  # the stress, not applied
    clerk_story.skew_the_page_clock(-30)
    clerk_story.let_the_skewed_clock_run(60)
    assert evidence.page_clock_skewed(clerk_story.proof) is not None
    assert not clerk_story.proof.proven


@pytest.mark.clerk_js("6.40.0")
def test_a_night_wakes_to_a_burst_and_a_nap_proves_nothing(clerk_story):
    clerk_story.sleep_and_wake(0.01)  # the stress, not applied: 36 s, the token still fresh
    assert evidence.slept_an_hour_or_more(clerk_story.proof) is not None and not clerk_story.proof.proven
    clerk_story.sleep_and_wake(8)
    assert clerk_story.proof.proven, clerk_story.proof.problems()
    assert any("/tokens -> 200" in request for request in clerk_story.proof.wake_burst)


@pytest.mark.clerk_js("6.40.0")
@pytest.mark.clerk_session_minter
def test_a_touch_answered_fresh_proves_no_stale_token_and_an_older_one_is_carried_forward(clerk_story, clerk_fake):
    """The stale-token stress: with the fake's lag set back to 0 (the stress not applied) the touch carries no
    older token and the proof says so; with it, 6.40.0 writes the 43 s older token to __session (and then
    refreshes it on that token's own schedule: no loss)."""
    clerk_story.touches_answer_with_older_tokens(43)
    clerk_fake.touch_token_lag_s = 0  # the stress, not applied
    clerk_story.let_the_session_be_touched()
    clerk_story.keep_the_tab_open(5)
    assert evidence.touch_answered_stale(clerk_story.proof) is not None and not clerk_story.proof.proven
    assert clerk_story.proof.stale_token_written is False
    clerk_story.touches_answer_with_older_tokens(43)
    clerk_story.let_the_session_be_touched()
    clerk_story.keep_the_tab_open(60)
    assert clerk_story.proof.proven and clerk_story.proof.stale_token_written, clerk_story.proof.describe()
    assert clerk_story.seen.expired_cookie is None
