"""An instance with partitioned cookies (`partitionedCookies`): clerk-js writes `__session` partitioned and
removes the other variants before each write. The oracle must judge it as any instance: the known bug is
lost, the fix keeps, a sign-out is a removal; and partitioned-late shows its two cookies or says it could not."""

from __future__ import annotations

from dataclasses import replace

import pytest

from clerk_harness.matrix.runner import run_scenario
from clerk_harness.reports.text import render
from clerk_harness.stories import partitioned
from clerk_harness.stories.scenarios import get_scenario

pytestmark = pytest.mark.e2e


@pytest.fixture
def run_partitioned(playwright, clerk_config, clerk_fake, clerk_warm_browser):
    config = replace(clerk_config, partitioned_cookies=True)

    def run(scenario_id: str, version: str):
        outcome = run_scenario(playwright, config, clerk_fake, scenario_id, version, browsers=clerk_warm_browser)
        assert clerk_fake.partitioned_cookies
        return outcome

    return run


@pytest.mark.parametrize(
    "scenario_id, version, verdict",
    [
        ("offline-reload", "6.0.0", "lost"),
        ("offline-reload", "6.40.0", "survived"),
        ("signout-control", "6.40.0", "lost"),
    ],
)
def test_the_catalogue_holds_on_a_partitioned_instance(run_partitioned, scenario_id, version, verdict):
    outcome = run_partitioned(scenario_id, version)
    assert outcome.verdict == verdict, render(outcome)
    assert "partitioned" in outcome.timeline, outcome.timeline  # the writes really were partitioned
    if verdict == "lost":
        assert outcome.removals, render(outcome)


def test_a_late_environment_leaves_two_session_cookies_for_a_moment(run_partitioned):
    outcome = run_partitioned("partitioned-late", "6.0.0")  # before 6.26.0, which removes the pair at once
    assert outcome.verdict == get_scenario("partitioned-late").expected("6.0.0") == "survived", render(outcome)
    assert outcome.proof is not None and outcome.proof.proven and outcome.proof.kind == "partitioned"
    assert outcome.proof.partition_twins_seen and outcome.proof.fault_hits, outcome.proof
    assert "the jar holds 2 __session (partitioned, SameSite=Lax)" in outcome.timeline, outcome.timeline


def test_without_the_late_environment_the_story_proves_nothing(run_partitioned, monkeypatch):
    """The environment answered at once (the hold set on a route nobody asks for): clerk-js knows the
    setting before it writes, the jar never holds two, and the run is inconclusive, never `survived`."""
    monkeypatch.setattr(partitioned, "ENVIRONMENT_ROUTE", "/v1/nothing-asks-for-this")
    monkeypatch.setattr(partitioned, "WRITTEN_WITHIN_MS", 2_000)
    outcome = run_partitioned("partitioned-late", "6.40.0")
    assert outcome.verdict == "inconclusive", render(outcome)
    assert any("never held two __session" in reason for reason in outcome.reasons), outcome.reasons
