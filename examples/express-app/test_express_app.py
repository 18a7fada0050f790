"""Your own app under the harness, through the pytest door: a user's story told with the fixtures.

`@pytest.mark.clerk_app` starts the app (once per test process) with the fake's Clerk environment; every
fixture of the plugin then drives your app instead of the built-in page. The mission scenario on this app
(offline-reload on 6.0.0 and the newest release) runs the way a user runs it, through `clerk-harness init`
and an installed wheel: tests/e2e/test_own_repo.py; the Fastify example runs all three mission scenarios.
"""

from pathlib import Path

import pytest

from clerk_harness.stories.scenarios import get_scenario

pytestmark = [pytest.mark.e2e, pytest.mark.clerk_app("node server.js", cwd=Path(__file__).parent)]


@pytest.mark.clerk_js("6.40.0")
def test_a_user_story_against_the_app(clerk_story, clerk_network, clerk_cookie):
    clerk_network.offline()
    clerk_story.wait_for_failed_refresh()
    clerk_network.online()
    clerk_story.reload()
    clerk_cookie.assert_never_removed()
    clerk_story.assert_signed_in(server_side=True)
    assert clerk_story.proof.proven, clerk_story.proof.problems()


@pytest.mark.clerk_js("6.40.0")
def test_a_failed_handshake_payload_renders_a_held_session_signed_out(clerk_run_scenario):
    """clerk/javascript#9114 on the SDK this app pins: the Backend API answers the handshake's payload fetch
    with 503, and the page is rendered signed out although the session holds (clerk-js still has the user,
    and the API answers 200 once the fault is gone)."""
    outcome = clerk_run_scenario("handshake-payload-down")
    assert outcome.verdict == "lost", outcome.reasons
    assert outcome.observations.server_auth_after_reload == "signed_out"
    assert outcome.observations.user_after_reload and outcome.observations.api_after_online == 200
    assert outcome.proof is not None and outcome.proof.proven, outcome.proof.problems()
    assert any("handshake_payload -> 503" in hit for hit in outcome.proof.fault_hits), outcome.proof.fault_hits


@pytest.mark.clerk_js("6.40.0")
def test_the_same_handshake_with_its_payload_keeps_the_user_signed_in(clerk_story):
    """The control: the same return through a nonce handshake, the payload answered: signed in."""
    clerk_story.stay_away_for_an_hour()
    clerk_story.session.backend.handshake_nonce_always = True
    clerk_story.open_the_app_again()
    assert clerk_story.seen.server_auth_after_reload == "signed_in"
    assert "session-token-expired" in clerk_story.session.app.documents[-1].describe()  # the hour passed
    assert any(
        entry.path.endswith("/handshake_payload") and entry.status == 200
        for entry in clerk_story.session.backend.journal.entries(0)
    )


@pytest.mark.clerk_js("6.40.0")
@pytest.mark.parametrize(
    ("scenario", "skew_s", "reason"), [("server-clock-behind", -30, "nbf"), ("server-clock-ahead", 90, "expired")]
)
def test_a_server_clock_apart_refuses_every_fresh_token(clerk_run_scenario, scenario, skew_s, reason):
    """The app's server clock runs apart from the Frontend API's and the page's (as WSL's after the laptop
    slept: "Clerk: Clock skew detected"). 30 s behind, a fresh token was issued (and its `nbf`, 10 s before,
    lies) ahead of the server's clock; 90 s ahead, a fresh token (60 s) has expired on it: both beyond the
    SDK's 5 s leeway. Its handshakes mint tokens no better, the reload renders signed out and the API refuses the
    session clerk-js still holds."""
    outcome = clerk_run_scenario(scenario)
    assert outcome.verdict == "lost", outcome.reasons
    seen = outcome.observations
    assert seen.server_auth_after_reload == "signed_out" and seen.user_after_reload and seen.api_after_online == 401
    assert f"signed-out (session-token-{reason}" in outcome.timeline, outcome.timeline  # what the SDK said
    proof = outcome.proof
    assert proof is not None and proof.proven, proof and proof.problems()
    assert proof.kind == "server-clock" and abs(proof.app_clock_skew_seen_s - skew_s) <= 2, proof.describe()
    assert proof.app_token_outside_s is not None and proof.app_token_outside_s > 15, proof.describe()


@pytest.mark.clerk_js("6.40.0")
def test_a_server_clock_a_little_behind_changes_nothing_and_proves_nothing(clerk_story):
    """The control: 3 s behind, within the leeway, the reload is signed in and the API answers 200; the proof
    says the skew put nothing to the test (so a kept session there is never taken for a fix)."""
    clerk_story.skew_the_app_server_clock(-3)
    clerk_story.reload()
    assert clerk_story.seen.server_auth_after_reload == "signed_in", clerk_story.timeline.render(full=True)
    assert clerk_story.call_the_api() == 200
    proof = clerk_story.proof
    assert abs(proof.app_clock_skew_seen_s + 3) <= 2, proof.describe()
    assert proof.problems() == [
        "the token in __session was valid on the app's clock (within the SDKs' 5s leeway of its iat and exp): "
        "the skew put nothing to the test"
    ]


@pytest.mark.clerk_js("6.23.0", "6.40.0")
def test_a_slow_clock_serves_the_server_expired_tokens_on_the_virtual_clock(clerk_js_version, clerk_run_scenario):
    """clerk/javascript#7317 against the SDK's own token check: the page's clock runs 30 s slow for three
    minutes of virtual time; the app's server, on the fake's clock through libfaketime, refuses the expired
    tokens 6.24.0 and later write to `__session`. Three minutes pass in about two seconds."""
    outcome = clerk_run_scenario("clock-slow")
    assert outcome.clock_mode == "virtual", "libfaketime puts the app on the harness's clock (`clerk-harness setup`)"
    assert outcome.verdict == get_scenario("clock-slow").expected(clerk_js_version), outcome.reasons
    assert outcome.duration_s < 60, "three minutes of virtual time, not of real time"
    assert outcome.proof is not None and outcome.proof.proven, outcome.proof.problems()
    if outcome.verdict == "lost":
        assert "answered 401" in outcome.observations.expired_cookie, outcome.observations.expired_cookie


@pytest.mark.clerk_js("6.0.0")
@pytest.mark.clerk_app("node server.js", cwd=Path(__file__).parent, clock="real")
def test_the_real_time_mode_still_tells_the_mission(clerk_run_scenario):
    """Without libfaketime (`app.clock: real`) the app keeps its real clock: short tokens, real waiting."""
    outcome = clerk_run_scenario("offline-reload")
    assert outcome.clock_mode == "real" and outcome.verdict == "lost", outcome.reasons
    assert outcome.proof is not None and outcome.proof.proven, outcome.proof.problems()
