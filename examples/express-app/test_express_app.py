"""Your own app under the harness, through the pytest door: copy this file next to your app.

`@pytest.mark.clerk_app` starts the app (once per test process) with the fake's Clerk environment; every
fixture of the plugin then drives your app instead of the built-in page.
"""

from pathlib import Path

import pytest

from clerk_harness.scenarios import get_scenario

pytestmark = [pytest.mark.e2e, pytest.mark.clerk_app("node server.js", cwd=Path(__file__).parent)]


@pytest.mark.clerk_js("6.0.0", "6.40.0")
@pytest.mark.parametrize("scenario_id", ["offline-reload", "offline-visibility", "signout-control"])
def test_the_app_keeps_its_users_signed_in(scenario_id, clerk_js_version, run_clerk_scenario):
    outcome = run_clerk_scenario(scenario_id)
    assert outcome.verdict == get_scenario(scenario_id).expected(clerk_js_version), outcome.reasons
    assert outcome.app == "node server.js" and outcome.clock_mode == "real"
    assert outcome.observations.app_documents, "the app's own server said nothing"
    if outcome.verdict == "lost":
        assert outcome.removals, "a loss shows as a removal of __session"


@pytest.mark.clerk_js("6.40.0")
def test_a_user_story_against_the_app(clerk_page, network, session_cookie):
    network.offline()
    clerk_page.wait_for_failed_refresh()
    network.online()
    clerk_page.reload()
    session_cookie.assert_never_removed()
    clerk_page.assert_signed_in(server_side=True)
    assert clerk_page.proof.proven, clerk_page.proof.problems()
