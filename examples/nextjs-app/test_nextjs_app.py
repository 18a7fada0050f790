"""A Next.js app with @clerk/nextjs and clerkMiddleware under the harness. Opt-in (`pytest -m nextjs`):
each test process builds the app once with the fake's environment (about 20 s), then runs the stories."""

from pathlib import Path

import pytest

from clerk_harness.stories.scenarios import get_scenario

pytestmark = [pytest.mark.e2e, pytest.mark.nextjs,
              pytest.mark.clerk_app("sh harness-start.sh", cwd=Path(__file__).parent, ready_timeout_s=180,
                                    url="http://localhost:{port}/")]
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
    assert outcome.clock_mode == "real" and outcome.topology == "production" and outcome.observations.app_documents
    if outcome.verdict == "lost":
        assert outcome.removals, "a loss shows as a removal of __session"
