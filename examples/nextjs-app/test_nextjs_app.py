"""A Next.js app with @clerk/nextjs and clerkMiddleware under the harness. Opt-in (`pytest -m nextjs`):
each test process builds the app once with the fake's environment (about 20 s), then runs the stories."""

from pathlib import Path

import pytest

from clerk_harness.stories.scenarios import get_scenario

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.nextjs,
    pytest.mark.clerk_app(
        "sh harness-start.sh", cwd=Path(__file__).parent, ready_timeout_s=180, url="http://localhost:{port}/"
    ),
]
# `next start` listens on `localhost` (HOST): @clerk/nextjs's middleware rewrites each request to
# http://localhost:PORT, which Next.js proxies to itself as another host when it listens on 127.0.0.1.


@pytest.fixture(autouse=True, scope="module")
def the_apps_modules_are_installed() -> None:
    if not (Path(__file__).parent / "node_modules").is_dir():
        pytest.fail("examples/nextjs-app/node_modules is missing: `make setup-all` installs it (npm ci)")


@pytest.mark.clerk_js("6.0.0", "6.40.0")
@pytest.mark.parametrize("scenario_id", ["offline-reload", "offline-visibility", "signout-control"])
def test_the_nextjs_app_keeps_its_users_signed_in(scenario_id, clerk_js_version, clerk_run_scenario):
    outcome = clerk_run_scenario(scenario_id)
    assert outcome.verdict == get_scenario(scenario_id).expected(clerk_js_version), outcome.reasons
    assert outcome.clock_mode == "virtual" and outcome.topology == "production" and outcome.observations.app_documents
    if outcome.verdict == "lost":
        assert outcome.removals, "a loss shows as a removal of __session"


@pytest.mark.clerk_js("6.40.0")
def test_a_link_followed_with_an_expired_token_is_sent_to_sign_in(clerk_run_scenario):
    """clerk/javascript#9285 on the SDK this app pins: the tab wakes with its token expired and the user
    follows the app's link to its dashboard before clerk-js's refresh lands. The router's RSC request is
    answered with a redirect to sign-in, although the session holds (the API answers 200 a moment later)."""
    outcome = clerk_run_scenario("next-soft-navigation")
    assert outcome.verdict == "lost", outcome.reasons
    assert outcome.reasons[0].startswith("following the link to /dashboard landed on /sign-in?redirect_url=")
    assert outcome.proof is not None and outcome.proof.proven, outcome.proof.problems()
    assert outcome.proof.navigation_requests[0].startswith("GET /dashboard (RSC) -> 307 to /sign-in")
    assert not outcome.proof.document_loaded_by_navigation and outcome.observations.api_after_online == 200


@pytest.mark.clerk_js("6.40.0")
def test_the_same_link_with_a_fresh_token_reaches_the_dashboard(clerk_story):
    """The control: the same client-side navigation right after signing in lands on the dashboard, and the
    proof says the token had not expired (so the scenario could not have passed this way)."""
    clerk_story.follow_a_link_to_the_protected_page()
    assert clerk_story.seen.navigation_landed == "/dashboard"
    assert clerk_story.proof.navigation_requests[0].startswith("GET /dashboard (RSC) -> 200")
    assert clerk_story.proof.problems() == [clerk_story.proof.problems()[0]]
    assert "had not expired" in clerk_story.proof.problems()[0]
