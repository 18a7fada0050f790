"""Any app page: one that carries no `data-server-auth` in its markup and whose probe redirects a signed-out
visitor to a sign-in page is judged from what every app has (the probe's answer, the document's status and
the SDK's headers, the handshake, `Clerk.user`), and gets the catalogue's verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from clerk_harness.stories.scenarios import get_scenario

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "tests" / "e2e" / "apps" / "plain-page.js"
MODULES = ROOT / "examples" / "express-app" / "node_modules"

pytestmark = [pytest.mark.e2e, pytest.mark.clerk_app(f"NODE_PATH={MODULES} node {APP}")]


@pytest.mark.clerk_js("6.0.0")  # a page without markup that keeps its session: the Fastify example (6.40.0)
def test_a_page_without_markup_and_a_redirecting_probe(clerk_js_version, clerk_run_scenario):
    outcome = clerk_run_scenario("offline-reload")
    assert outcome.verdict == "lost" == get_scenario("offline-reload").expected(clerk_js_version), outcome.reasons
    assert outcome.observations.server_auth_after_reload in ("signed_in", "signed_out", "unknown")
    assert outcome.removals, "the loss shows as a removal of __session"
    assert outcome.observations.api_after_online == 302, "the probe's redirect to sign-in counts as refused"
