"""The same three checks, written two ways, for the benchmark's side-by-side ratio.

`fixed_wait_checks` is written the way Clerk's own integration test for #7912 is written
(integration/tests/offline-session-persistence.test.ts): a fresh browser each, sign in through the form,
fail the token route (or go offline), clear the token cache, wait a fixed 3 s / 2 s / 2 s, restore, and
check that the user is still signed in (after a reload for the second and third).

`harness_checks` tells the same three stories with the harness: a warm browser, the virtual clock, and
waits that end on the event itself. Both drive the same fake backend, page and clerk-js version.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Playwright

from clerk_harness.browser.launch import launch_session
from clerk_harness.browser.warm import WarmBrowser
from clerk_harness.config import HarnessConfig
from clerk_harness.stories.session import HarnessSession
from clerk_harness.stories.story import Story
from clerk_harness_fake.backend import FakeClerk

TOKEN_ROUTE = "**/v1/client/sessions/*/tokens**"
FIXED_WAITS_MS = (3_000, 2_000, 2_000)  # as in Clerk's test


def fixed_wait_checks(playwright: Playwright, config: HarnessConfig, backend: FakeClerk, version: str) -> None:
    for check, wait_ms in enumerate(FIXED_WAITS_MS, start=1):
        browser = launch_session(playwright, config.browser)
        try:
            page, context = browser.page, browser.context
            user = backend.create_user()
            page.goto(f"{backend.origin}/?clerk_js={version}")
            page.evaluate("window.__app.loaded")
            page.fill("input[name=identifier]", user.email)
            page.fill("input[name=password]", user.password)
            page.click("#sign-in button[type=submit]")
            page.wait_for_function("() => window.Clerk.user && document.cookie.includes('__session=')")
            if check < 3:
                page.route(TOKEN_ROUTE, lambda route: route.abort("failed"))
            else:
                context.set_offline(True)
            page.evaluate("window.Clerk.session.clearCache()")
            page.wait_for_timeout(wait_ms)  # sleep-ok: the baseline is Clerk's fixed wait, measured on purpose
            if check < 3:
                page.unroute_all()
            else:
                context.set_offline(False)
            if check > 1:
                page.reload()
                page.evaluate("window.__app.loaded")
            assert page.evaluate("!!window.Clerk.user"), f"check {check}: signed out"
            if check != 2:
                assert page.evaluate("window.Clerk.session.getToken()"), f"check {check}: no token"
        finally:
            browser.close()


def _token_route_outage(story: Story) -> None:
    """Signed in, the token route fails (as Clerk's `route.abort('failed')`) while the app asks for a
    token, and comes back."""
    story.sign_in()
    story.session.network.api_down(TOKEN_ROUTE)
    story.ask_for_a_token_while_it_fails()
    story.api_comes_back()


def _outage_then_recovery(story: Story) -> None:
    _token_route_outage(story)
    story.let_the_token_call_settle()
    story.assert_signed_in(server_side=False)
    assert story.ask_for_a_token()["ok"]


def _outage_then_reload(story: Story) -> None:
    _token_route_outage(story)
    story.reload()
    story.assert_signed_in(server_side=False)


def _offline_then_reload(story: Story) -> None:
    """As Clerk's third check: offline, the app asks for a token (the wait ends once its request failed,
    where Clerk's waits 2 s; it does not wait for clerk-js's retries to give up, nor does Clerk's)."""
    story.sign_in()
    story.go_offline()
    story.ask_for_a_token_while_it_fails()
    story.come_back_online()
    story.reload()
    story.assert_signed_in(server_side=False)
    assert story.ask_for_a_token()["ok"]


HARNESS_STORIES: tuple[Callable[[Story], None], ...] = (
    _outage_then_recovery,
    _outage_then_reload,
    _offline_then_reload,
)


def harness_checks(
    playwright: Playwright, config: HarnessConfig, backend: FakeClerk, version: str, browsers: WarmBrowser
) -> None:
    for tell in HARNESS_STORIES:
        session = HarnessSession.start(playwright, config, backend, version, browsers=browsers)
        try:
            tell(Story(session))
        finally:
            session.close()
