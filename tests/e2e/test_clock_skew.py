"""The clock-skew stress proves itself from the page: a skew the page did not take is no stress, and the
page's own `Date.now()` against the server's time is the gap the verdict rests on."""

from __future__ import annotations

import pytest

from clerk_harness.oracle import evidence

pytestmark = pytest.mark.e2e


@pytest.mark.clerk_js("6.40.0")
def test_the_page_reports_the_skew_it_was_given(clerk_page):
    clerk_page.skew_the_page_clock(-30)
    assert abs(clerk_page.proof.clock_skew_seen_s + 30) < 1
    assert evidence.page_clock_skewed(clerk_page.proof) is None


@pytest.mark.clerk_js("6.40.0")
def test_a_skew_the_page_did_not_take_is_not_proven(clerk_page, monkeypatch):
    clock = clerk_page.page.context.clock
    monkeypatch.setattr(type(clock), "set_system_time", lambda self, time: None)  # the stress, not applied
    clerk_page.skew_the_page_clock(-30)
    clerk_page.let_the_skewed_clock_run(60)
    assert evidence.page_clock_skewed(clerk_page.proof) is not None
    assert not clerk_page.proof.proven
