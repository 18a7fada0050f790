"""The mission: a signed-in session goes offline, a refresh fails; does `__session` survive?

6.0.0 has the bug (clerk/javascript#7912): the loss is asserted strictly. 6.1.0 and the newest pinned
version must survive, and every survival must come with proof that the refresh was due, attempted
and failed while offline.
"""

from __future__ import annotations

import pytest

from harness.report import render
from harness.scenarios import get_scenario

pytestmark = pytest.mark.e2e

MISSION = ["offline-reload", "offline-reload-gettoken", "offline-visibility"]


@pytest.mark.parametrize("scenario_id", MISSION)
def test_mission_scenario_gives_the_known_verdict(scenario_id, clerk_js_version, run_clerk_scenario):
    outcome = run_clerk_scenario(scenario_id)
    expected = get_scenario(scenario_id).expected(clerk_js_version)
    assert outcome.verdict == expected, render(outcome, expected)
    if expected == "survived":
        assert outcome.proof is not None and outcome.proof.proven, render(outcome, expected)
        assert outcome.proof.attempts, "a survival needs a failed refresh as evidence"
        assert outcome.observations.api_after_online == 200
        assert outcome.observations.server_auth_after_reload == "signed_in"
    else:
        assert outcome.removals, "a loss of this bug shows as a removal of __session"
        assert outcome.removals[0].source in ("document.cookie", "cookieStore", "snapshot")


def test_sign_out_is_reported_as_a_loss(clerk_js_version, run_clerk_scenario):
    """Negative control: if a real sign-out is not seen as a removal, the oracle is blind."""
    outcome = run_clerk_scenario("signout-control")
    assert outcome.verdict == "lost", render(outcome, "lost")
    assert outcome.removals and outcome.observations.api_after_online == 401


@pytest.mark.clerk_js("6.1.0")
def test_user_story_offline_reload(clerk_page, network, session_cookie):
    """What a user's own test looks like with the fixtures."""
    network.offline()
    clerk_page.wait_for_failed_refresh()
    network.online()
    clerk_page.reload()
    session_cookie.assert_never_removed()
    clerk_page.assert_signed_in(server_side=True)
    assert clerk_page.proof.proven, clerk_page.proof.problems()


@pytest.mark.clerk_js("6.0.0")
def test_user_story_catches_the_bug_on_6_0_0(clerk_page, network, session_cookie):
    network.offline()
    clerk_page.wait_for_failed_refresh()
    network.online()
    removal = session_cookie.assert_removed()
    assert removal.source in ("document.cookie", "cookieStore", "snapshot")
    assert clerk_page.call_the_api() == 401


@pytest.mark.clerk_js("6.40.0")
def test_real_visibility_changes_are_trusted(clerk_page, visibility):
    visibility.hide()
    assert clerk_page.page.evaluate("document.visibilityState") == "hidden"
    visibility.show()
    assert clerk_page.page.evaluate("document.visibilityState") == "visible"
    changes = {(e.state, e.trusted) for e in visibility.events if e.type == "visibilitychange"}
    assert {("hidden", True), ("visible", True)} <= changes, "\n".join(map(str, visibility.events))
    assert any(e.type == "blur" and e.trusted for e in visibility.events)
