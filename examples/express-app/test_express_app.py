"""Your own app under the harness, through the pytest door: a user's story told with the fixtures.

`@pytest.mark.clerk_app` starts the app (once per test process) with the fake's Clerk environment; every
fixture of the plugin then drives your app instead of the built-in page. The mission scenario on this app
(offline-reload on 6.0.0 and the newest release) runs the way a user runs it, through `clerk-harness init`
and an installed wheel: tests/e2e/test_own_repo.py; the Fastify example runs all three mission scenarios.
"""

from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.clerk_app("node server.js", cwd=Path(__file__).parent)]


@pytest.mark.clerk_js("6.40.0")
def test_a_user_story_against_the_app(clerk_page, clerk_network, clerk_cookie):
    clerk_network.offline()
    clerk_page.wait_for_failed_refresh()
    clerk_network.online()
    clerk_page.reload()
    clerk_cookie.assert_never_removed()
    clerk_page.assert_signed_in(server_side=True)
    assert clerk_page.proof.proven, clerk_page.proof.problems()
