"""Every catalogue scenario gives its known verdict on every version of the matrix, strictly both ways.

A version inside a scenario's known-loss range must lose (if it survives: fixed upstream, or is the
harness blind?); outside it, a loss fails the test. Never skipped.
"""

from __future__ import annotations

import pytest

from clerk_harness.reports.text import render
from clerk_harness.stories.scenarios import CATALOGUE, get_scenario

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("scenario_id", sorted(CATALOGUE))
def test_scenario_gives_the_known_verdict(scenario_id, clerk_js_version, clerk_run_scenario):
    assert_known_verdict(scenario_id, clerk_js_version, clerk_run_scenario(scenario_id))


@pytest.mark.nightly
@pytest.mark.clerk_js("latest")
@pytest.mark.parametrize("scenario_id", sorted(CATALOGUE))
def test_the_catalogue_holds_on_the_newest_release(scenario_id, clerk_js_bundle, clerk_run_scenario):
    """Nightly (`pytest -m nightly`): npm's newest clerk-js; a changed verdict means the catalogue's
    range needs a new survey (`clerk-harness survey SCENARIO`)."""
    assert_known_verdict(scenario_id, clerk_js_bundle.version, clerk_run_scenario(scenario_id))


def assert_known_verdict(scenario_id, version, outcome):
    scenario = get_scenario(scenario_id)
    expected = scenario.expected(version, engine=outcome.engine)
    if outcome.verdict != expected:
        hint = ("fixed upstream, or is the harness blind?" if expected == "lost"
                else "a regression, or a harness fault")
        pytest.fail(f"expected {expected}, got {outcome.verdict} ({hint})\n{render(outcome, expected)}")
    if expected == "survived":
        assert outcome.proof is not None and outcome.proof.proven, render(outcome, expected)
        assert outcome.proof.attempts or outcome.proof.fault_hits or outcome.proof.token_requests_skewed, (
            "a survival needs its stress as evidence: a failed refresh, a fault's answer, a refresh under a skewed clock")
        assert outcome.observations.user_at_end, render(outcome, expected)
        assert outcome.observations.api_after_online in (None, 200)
    elif scenario.id.startswith("clock-"):  # the cookie stays: it holds an expired token, or the tab storms
        seen = outcome.observations
        assert seen.expired_cookie or seen.token_requests_skewed, render(outcome, expected)
    else:
        assert outcome.removals, "every known loss shows as a removal of __session:\n" + render(outcome, expected)


@pytest.mark.clerk_js("6.0.0")
def test_a_stock_playwright_browser_catches_the_bug_for_the_wrong_reason(clerk_js_version, playwright,
                                                                       clerk_config, clerk_fake, clerk_js_bundle):
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
