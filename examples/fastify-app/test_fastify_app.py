"""Clerk's own @clerk/fastify, unmodified: it reads no proxy URL, so clerk-js and the handshake go where
they go in production, to the Frontend API at the publishable key's own host over HTTPS. The harness's
production topology (the default for an app) answers there: the fake behind its HTTPS front at
`https://clerk.harness.test:PORT`, the app beside it at `https://app.harness.test:PORT`."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from clerk_harness.stories.scenarios import get_scenario

pytestmark = [pytest.mark.e2e, pytest.mark.clerk_app("node server.js", cwd=Path(__file__).parent)]


@pytest.mark.clerk_js("6.0.0", "6.40.0")
@pytest.mark.parametrize("scenario_id", ["offline-reload", "offline-visibility", "signout-control"])
def test_a_fastify_api_keeps_its_users_signed_in(scenario_id, clerk_js_version, clerk_run_scenario):
    outcome = clerk_run_scenario(scenario_id)
    assert outcome.verdict == get_scenario(scenario_id).expected(clerk_js_version), outcome.reasons
    assert outcome.topology == "production" and outcome.clock_mode == "virtual"
    assert all(doc.startswith("200") for doc in outcome.observations.app_documents), "the app served its page"
    if outcome.verdict == "lost":
        assert outcome.removals, "a loss shows as a removal of __session"
    # Every handshake the SDK ran (the reload that found no session cookie: unless clerk-js, back online,
    # wrote a fresh one first) went through the fake, at the key's host, back to the app's.
    handshakes = [e for e in outcome.journal if e["path"].endswith("/v1/client/handshake")]
    assert len(handshakes) == len(outcome.observations.handshakes), outcome.observations.app_documents
    assert all(urlsplit(e["query"]["redirect_url"]).hostname == "app.harness.test" for e in handshakes)


@pytest.mark.clerk_js("6.40.0")
def test_cookies_land_where_they_land_in_production(clerk_story, clerk_session):
    """`__client` on the Frontend API's host, `__session` on the app's, `__client_uat` on the parent domain."""
    domains: dict[str, set[str]] = {}
    for cookie in clerk_session.browser.context.cookies():
        domains.setdefault(cookie["name"], set()).add(cookie["domain"])
    assert domains["__client"] == {"clerk.harness.test"}
    assert domains["__session"] == {"app.harness.test"}
    assert domains["__client_uat"] == {".harness.test"}
    assert clerk_story.session.app.url.startswith("https://app.harness.test:")
