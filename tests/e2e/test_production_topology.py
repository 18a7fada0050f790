"""The built-in page in the production topology: the page at https://app.harness.test:PORT, clerk-js talking
to the Frontend API at the publishable key's own host beside it (https://clerk.harness.test:PORT), through
the fake's HTTPS front. Re-measured on the whole catalogue (README): no verdict differs from the proxy's;
these runs keep that true for the mission and for an outage of the Frontend API alone (whose route must
find the key's host)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from clerk_harness.matrix.runner import run_scenario
from clerk_harness.reports.text import render
from tests.e2e.test_catalogue import assert_known_verdict

pytestmark = pytest.mark.e2e


@pytest.fixture
def production(clerk_config):
    return replace(clerk_config, app=replace(clerk_config.app, topology="production"))


@pytest.mark.clerk_js("6.0.0", "6.40.0")
@pytest.mark.parametrize("scenario_id", ["offline-reload", "api-down"])
def test_the_built_in_page_in_the_production_topology(
    scenario_id, clerk_js_bundle, playwright, production, clerk_fake, clerk_warm_browser
):
    outcome = run_scenario(
        playwright, production, clerk_fake, scenario_id, clerk_js_bundle.version, browsers=clerk_warm_browser
    )
    assert outcome.topology == "production", render(outcome)
    assert_known_verdict(scenario_id, clerk_js_bundle.version, outcome)
    assert [e for e in outcome.journal if e["path"].startswith("/__clerk/v1/")], "clerk-js reached the FAPI"
    assert outcome.proof is not None and "https://clerk.harness.test:" in outcome.proof.describe(), (
        "the failed refresh went to the Frontend API at the key's own host"
    )
    assert not outcome.removals or "https://app.harness.test:" in outcome.removals[0].describe()  # the page's write
