"""The mission, written the way a user writes it with the fixtures: a signed-in session goes offline,
a refresh fails; does `__session` survive? (The catalogue matrix is in test_catalogue.py.)"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


@pytest.mark.clerk_js("6.1.0")
def test_user_story_offline_reload(clerk_story, clerk_network, clerk_cookie):
    """What a user's own test looks like with the fixtures."""
    clerk_network.offline()
    clerk_story.wait_for_failed_refresh()
    clerk_network.online()
    clerk_story.reload()
    clerk_cookie.assert_never_removed()
    clerk_story.assert_signed_in(server_side=True)
    assert clerk_story.proof.proven, clerk_story.proof.problems()


@pytest.mark.clerk_js("6.0.0")
def test_user_story_catches_the_bug_on_6_0_0(clerk_story, clerk_network, clerk_cookie):
    clerk_network.offline()
    clerk_story.wait_for_failed_refresh()
    clerk_network.online()
    removal = clerk_cookie.assert_removed()
    assert removal.source in ("document.cookie", "cookieStore", "snapshot")
    assert clerk_story.call_the_api() == 401


@pytest.mark.clerk_js("6.40.0")
def test_real_visibility_changes_are_trusted(clerk_page, clerk_visibility):
    """Told with `clerk_page`, `clerk_story`'s former name, which tests written with it keep."""
    clerk_visibility.hide()
    assert clerk_page.page.evaluate("document.visibilityState") == "hidden"
    clerk_visibility.show()
    assert clerk_page.page.evaluate("document.visibilityState") == "visible"
    changes = {(e.state, e.trusted) for e in clerk_visibility.events if e.type == "visibilitychange"}
    assert {("hidden", True), ("visible", True)} <= changes, "\n".join(map(str, clerk_visibility.events))
    assert any(e.type == "blur" and e.trusted for e in clerk_visibility.events)


@pytest.mark.clerk_js("6.40.0")
def test_a_second_tab_opens_in_front_and_goes_to_the_background(clerk_story, clerk_visibility):
    """multi-tab's premise: the app's second tab is really in the background once the first is back."""
    second = clerk_story.open_a_second_tab().page
    assert second.evaluate("document.visibilityState") == "visible"
    assert clerk_story.page.evaluate("document.visibilityState") == "hidden"
    clerk_story.bring_first_tab_to_front()
    assert (clerk_story.page.evaluate("document.visibilityState"), second.evaluate("document.visibilityState")) == (
        "visible",
        "hidden",
    )
    assert second.evaluate("!!window.Clerk.user"), "the second tab is signed in"
    hidden = [e for e in clerk_visibility.events if e.type == "visibilitychange" and e.state == "hidden"]
    assert len(hidden) == 2 and all(e.trusted for e in hidden), "\n".join(map(str, clerk_visibility.events))


@pytest.mark.clerk_js("6.40.0")
def test_synthetic_visibility_works_and_is_labelled(
    clerk_js_version, playwright, clerk_config, clerk_fake, clerk_js_bundle
):
    from dataclasses import replace

    from clerk_harness.matrix.runner import run_scenario

    config = replace(clerk_config, browser=replace(clerk_config.browser, visibility="synthetic"))
    outcome = run_scenario(playwright, config, clerk_fake, "offline-visibility", clerk_js_version)
    assert outcome.verdict == "survived" and outcome.visibility_mode == "synthetic"
    changes = [e for e in outcome.chart["visibility_events"] if e["type"] == "visibilitychange"]
    assert changes and not any(e["trusted"] for e in changes)


@pytest.mark.clerk_js("6.40.0")
def test_user_story_a_rate_limited_refresh_is_retried(clerk_story, clerk_fake, clerk_cookie):
    """Fault injection from a user's own test: one 429 on the token route is retried, never a sign-out."""
    clerk_fake.faults.on("POST", "/v1/client/sessions/*/tokens", times=1).error(429, retry_after=1)
    result = clerk_story.ask_for_a_token()
    assert result["ok"], result
    assert clerk_fake.faults.unmet() == []
    assert len(clerk_fake.wait_for_requests("POST", "/v1/client/sessions/*/tokens", count=2)) >= 2
    clerk_cookie.assert_never_removed()
    clerk_story.assert_signed_in(server_side=True)
