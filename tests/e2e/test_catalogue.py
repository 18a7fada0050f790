"""Every catalogue scenario gives its known verdict on every version of the matrix, strictly both ways.

A version inside a scenario's known-loss range must lose (if it survives: fixed upstream, or is the
harness blind?); outside it, a loss fails the test. Never skipped.
"""

from __future__ import annotations

import pytest

from clerk_harness.reports.text import render
from clerk_harness.stories.scenarios import CATALOGUE, get_scenario

pytestmark = pytest.mark.e2e


# Today's sign-outs run on one release inside their range and one outside it (the surveys, in the nightly
# group, sweep every release); the mission's scenarios on every configured version.
TODAY = [
    ("clock-slow", "6.40.0"),
    ("clock-slow", "6.1.0"),
    ("clock-slow", "5.44.1"),  # refreshes about when its token expires: coarse or unsettled steps lost it
    ("clock-fast", "6.0.0"),
    ("clock-fast", "5.125.13"),
    ("minter-outage", "6.40.0"),
    ("minter-outage", "6.1.0"),
    ("minter-outage-403", "6.40.0"),
    ("minter-outage-403", "6.1.0"),
    ("minter-outage-503", "6.40.0"),
    ("expired-token-retry", "5.116.0"),
    ("expired-token-retry", "6.40.0"),
    ("sleep-wake", "6.40.0"),
    ("reload-rate-limited", "6.40.0"),
    ("bfcache-restore", "6.0.0"),
    ("bfcache-restore", "6.40.0"),
    ("minter-stale-token", "5.125.13"),
    ("minter-stale-token", "6.40.0"),
]


# the rest: the examples' tests, and test_webkit.py for the scenarios of WebKit alone
ON_THE_BUILT_IN_PAGE = sorted(s.id for s in CATALOGUE.values() if not s.needs_app and "chromium" not in dict(s.not_in))


# guards with tests of their own, on one release each, with their proofs and negative controls
OWN_TESTS = {
    "focus-multi-tab": "test_real_focus.py, test_firefox.py",
    "partitioned-late": "test_partitioned_instance.py",
}


@pytest.mark.parametrize("scenario_id", sorted(set(ON_THE_BUILT_IN_PAGE) - {s for s, _ in TODAY} - set(OWN_TESTS)))
def test_scenario_gives_the_known_verdict(scenario_id, clerk_js_version, clerk_run_scenario):
    assert_known_verdict(scenario_id, clerk_js_version, clerk_run_scenario(scenario_id))


@pytest.mark.parametrize("scenario_id, clerk_js_version", TODAY, ids=[f"{s}-{v}" for s, v in TODAY])
def test_todays_sign_outs_inside_and_outside_their_range(scenario_id, clerk_js_version, clerk_run_scenario):
    assert_known_verdict(scenario_id, clerk_js_version, clerk_run_scenario(scenario_id))


def test_each_of_todays_scenarios_runs_inside_and_outside_its_range():
    for scenario_id in {s for s, _ in TODAY}:
        verdicts = {get_scenario(scenario_id).expected(v) for s, v in TODAY if s == scenario_id}
        assert verdicts == {"lost", "survived"} or get_scenario(scenario_id).lost_on in ("", "*"), scenario_id


@pytest.mark.nightly
@pytest.mark.clerk_js("latest")
@pytest.mark.parametrize("scenario_id", ON_THE_BUILT_IN_PAGE)
def test_the_catalogue_holds_on_the_newest_release(scenario_id, clerk_js_bundle, clerk_run_scenario):
    """Nightly (`pytest -m nightly`): npm's newest clerk-js; a changed verdict means the catalogue's
    range needs a new survey (`clerk-harness survey SCENARIO`)."""
    assert_known_verdict(scenario_id, clerk_js_bundle.version, clerk_run_scenario(scenario_id))


def assert_known_verdict(scenario_id, version, outcome):
    scenario = get_scenario(scenario_id)
    expected = scenario.expected(version, engine=outcome.engine)
    if outcome.verdict != expected:
        hint = "fixed upstream, or is the harness blind?" if expected == "lost" else "a regression, or a harness fault"
        pytest.fail(f"expected {expected}, got {outcome.verdict} ({hint})\n{render(outcome, expected)}")
    if expected == "survived":
        assert outcome.proof is not None and outcome.proof.proven, render(outcome, expected)
        proof = outcome.proof
        assert (
            proof.attempts
            or proof.fault_hits
            or proof.token_requests_skewed
            or proof.wake_burst
            or proof.after_return
            or proof.stale_touches
        ), (
            "a survival needs its stress as evidence: a failed refresh, a fault's answer, a refresh under a skewed "
            "clock, the burst after waking, the refresh after a return from the back-forward cache, a touch "
            "answered with an older token"
        )
        assert outcome.observations.user_at_end, render(outcome, expected)
        assert outcome.observations.api_after_online in (None, 200)
    elif scenario.id in {s for s, _ in TODAY}:  # the cookie may stay: it holds an expired token, the tab
        seen = outcome.observations  # storms, or clerk-js did not load after the reload
        assert (
            outcome.removals
            or seen.expired_cookie
            or seen.token_requests_skewed
            or seen.load_failure_after_reload
            or (seen.api_after_online or 200) >= 400
        ), render(outcome, expected)
    else:
        assert outcome.removals, "every known loss shows as a removal of __session:\n" + render(outcome, expected)


@pytest.mark.clerk_js("6.0.0")
def test_a_stock_playwright_browser_catches_the_bug_for_the_wrong_reason(
    clerk_js_version, playwright, clerk_config, clerk_fake, clerk_js_bundle
):
    """Only the API is down; the browser is online. A realistic browser keeps the session on 6.0.0;
    with `navigator.webdriver` true (stock Playwright), clerk-js believes it is offline and loses it."""
    from dataclasses import replace

    from clerk_harness.matrix.runner import run_scenario

    verdicts = {}
    for profile in ("realistic", "webdriver"):
        config = replace(clerk_config, browser=replace(clerk_config.browser, profile=profile))
        outcome = run_scenario(playwright, config, clerk_fake, "api-down", clerk_js_version)
        assert outcome.verdict == get_scenario("api-down").expected(clerk_js_version, profile), render(outcome)
        verdicts[profile] = outcome.verdict
    assert verdicts == {"realistic": "survived", "webdriver": "lost"}
