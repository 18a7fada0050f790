"""The scenario catalogue: each scenario is a short story plus the clerk-js versions known to lose in it."""

from __future__ import annotations

from clerk_harness.errors import HarnessError
from clerk_harness.stories.scenario import CATALOGUE, Scenario, scenario
from clerk_harness.stories.story import Story

__all__ = ["CATALOGUE", "Scenario", "expected_verdict", "get_scenario", "scenario"]


def expected_verdict(scenario_id: str, version: str, *, engine: str = "chromium", profile: str = "realistic") -> str:
    """The catalogue's verdict ("lost" or "survived") for a scenario on a clerk-js version: an exact release,
    `latest` (or another dist-tag) or an npm range such as `6` (its newest release, as npm resolves it)."""
    from clerk_harness.releases.clerk_js import resolve_release

    return get_scenario(scenario_id).expected(resolve_release(version), profile, engine)


def get_scenario(id: str) -> Scenario:
    try:
        return CATALOGUE[id]
    except KeyError:
        import difflib

        near = difflib.get_close_matches(id, list(CATALOGUE), n=1, cutoff=0.6)
        hint = f"did you mean {near[0]!r}? " if near else ""
        raise HarnessError(
            f"unknown scenario {id!r}; {hint}known: {', '.join(sorted(CATALOGUE))} (see `clerk-harness list`)"
        ) from None


@scenario("offline-reload", reference="clerk/javascript#7912", lost_on="<6.1.0")
def offline_reload(story: Story) -> None:
    """Offline while the token ages past its refresh point, then back online and reload."""
    story.sign_in()
    story.go_offline()
    story.let_token_age_past_refresh()
    story.come_back_online()
    story.call_the_api()
    story.reload()


@scenario("offline-gettoken", reference="clerk/javascript#7912", lost_on="<6.1.0")
def offline_gettoken(story: Story) -> None:
    """Offline, the app calls clearCache() + getToken(), back online and reload."""
    story.sign_in()
    story.go_offline()
    story.ask_for_a_token()
    story.come_back_online()
    story.call_the_api()
    story.reload()


@scenario("offline-visibility", reference="clerk/javascript#7912", lost_on="<6.1.0")
def offline_visibility(story: Story) -> None:
    """Offline, the refresh fails, the tab is hidden and shown (offline, then online)."""
    story.sign_in()
    story.go_offline()
    story.let_token_age_past_refresh()
    story.hide_and_show()
    story.come_back_online()
    story.hide_and_show()
    story.call_the_api()
    story.reload()


@scenario("clock-slow", reference="clerk/javascript#7317", lost_on=">=6.24.0")
def clock_slow(story: Story) -> None:
    """The user's clock runs 30 s slow: the tab stays open for three minutes and calls its API."""
    story.sign_in()
    story.skew_the_page_clock(-30)
    story.let_the_skewed_clock_run(180)
    story.call_the_api()


@scenario("clock-fast", reference="clerk/javascript#7317", lost_on=">=6.0.0")
def clock_fast(story: Story) -> None:
    """The user's clock runs 60 s fast: the tab stays open for 40 s."""
    story.sign_in()
    story.skew_the_page_clock(60)
    story.let_the_skewed_clock_run(40)
    story.call_the_api()


@scenario("sleep-wake", reference="clerk/javascript#8303", lost_on="")
def sleep_wake(story: Story) -> None:
    """The laptop sleeps 8 hours with the tab open, wakes, calls the API and reloads."""
    story.sign_in()
    story.sleep_and_wake(8)
    story.call_the_api()
    story.reload()


@scenario(
    "bfcache-restore",
    reference="clerk/javascript#8923",
    lost_on=">=5.16.0 <6.21.1",
    lost_on_by_engine={"firefox": ""},
)
def bfcache_restore(story: Story) -> None:
    """The user leaves the app until the token has expired and comes back with Back: the page, restored from the
    back-forward cache, calls its API a second later."""
    story.serve_pages_the_browser_may_keep()
    story.sign_in()
    story.leave_and_come_back()
    story.call_the_api()
    story.let_clerk_js_notice()


@scenario("minter-stale-token", reference="clerk/javascript#9284", lost_on="<6.0.0", session_minter=True)
def minter_stale_token(story: Story) -> None:
    """Session Minter on: right after a refresh the tab is focused, and the session's touch is answered from a
    lagging copy with the previous token (43 s older); the tab stays open a minute."""
    story.sign_in()
    story.let_the_token_come_due()
    story.touches_answer_with_older_tokens(43)
    story.let_the_session_be_touched()
    story.keep_the_tab_open(60)
    story.call_the_api()


@scenario("signout-control", reference="harness self-check", lost_on="*")
def signout_control(story: Story) -> None:
    """Negative control: the user signs out; the oracle must report the loss."""
    story.sign_in()
    story.sign_out()
    story.call_the_api()


@scenario("offline-aging", reference="clerk/javascript#7912", lost_on="<6.1.0")
def offline_aging(story: Story) -> None:
    """Offline while the token ages past its refresh point, no test-side trigger at all; back online, the API is
    called."""
    story.sign_in()
    story.go_offline()
    story.let_token_age_past_refresh()
    story.come_back_online()
    story.call_the_api()


@scenario("reload-fapi-down", reference="clerk/javascript#7912", lost_on="<6.1.0")
def reload_fapi_down(story: Story) -> None:
    """After an offline episode, reload while GET /v1/client answers 503."""
    story.sign_in()
    story.go_offline()
    story.let_token_age_past_refresh()
    story.come_back_online()
    story.inject("GET", "/v1/client").error(503)
    story.reload()
    story.clear_faults()
    story.call_the_api()


@scenario("reload-rate-limited", reference="clerk/javascript#8004", lost_on="*")
def reload_rate_limited(story: Story) -> None:
    """Reload while GET /v1/client answers one 429 (a rate-limit blip): found by explore on 6.40.0."""
    story.sign_in()
    story.inject("GET", "/v1/client", times=1).error(429, retry_after=1)
    story.reload()
    story.clear_faults()
    story.call_the_api()


@scenario("empty-token", reference="clerk/javascript#7912", lost_on="<6.1.0")
def empty_token(story: Story) -> None:
    """Online, the token route answers 200 without a jwt when the refresh comes due."""
    story.sign_in()
    story.inject("POST", "/v1/client/sessions/*/tokens").empty_token()
    story.let_token_age_online_until_fault()
    story.clear_faults()
    story.call_the_api()
    story.reload()


@scenario("rate-limit-signout", reference="clerk/javascript#8004", lost_on=">=5.59.0 <6.1.0")
def rate_limit_signout(story: Story) -> None:
    """A 429 on the token route, then GET /v1/client answers 500."""
    story.sign_in()
    story.inject("POST", "/v1/client/sessions/*/tokens", times=1).error(429, retry_after=1)
    story.inject("GET", "/v1/client").error(500)
    story.session.app.page.evaluate("window.Clerk.session.clearCache()")
    story.focus_the_window()
    story.wait_for_client_refetch()
    story.settle()
    story.clear_faults()
    story.call_the_api()


def unauthenticated_then_client_fails(story: Story, token_status: int, token_code: str, client_status: int) -> None:
    """The token route answers `token_status` once, then `GET /v1/client` answers `client_status`; the tab comes
    back into focus and refreshes (clerk/javascript#6678, #8108)."""
    story.sign_in()
    story.inject("POST", "/v1/client/sessions/*/tokens", times=1).error(token_status, code=token_code)
    story.inject("GET", "/v1/client").error(client_status)
    story.session.app.page.evaluate("window.Clerk.session.clearCache()")
    story.focus_the_window()
    story.wait_for_client_refetch()
    story.settle()
    story.clear_faults()
    story.call_the_api()


@scenario("minter-outage", reference="clerk/javascript#6678", lost_on=">=5.59.0 <6.0.0 || >=6.3.3", session_minter=True)
def minter_outage(story: Story) -> None:
    """Session Minter on: the token route answers 422 missing_expired_token, then GET /v1/client answers 500."""
    unauthenticated_then_client_fails(story, 422, "missing_expired_token", 500)


@scenario(
    "minter-outage-403", reference="clerk/javascript#8108", lost_on=">=5.52.1 <6.0.0 || >=6.3.3", session_minter=True
)
def minter_outage_403(story: Story) -> None:
    """Session Minter on: 422 missing_expired_token, then GET /v1/client answers 403."""
    unauthenticated_then_client_fails(story, 422, "missing_expired_token", 403)


@scenario(
    "minter-outage-503",
    reference="clerk/javascript#6678",
    lost_on="",
    session_minter=True,
)
def minter_outage_503(story: Story) -> None:
    """Control: Session Minter on, 422 missing_expired_token, then GET /v1/client answers 503 (not one of the
    two statuses that sign out)."""
    unauthenticated_then_client_fails(story, 422, "missing_expired_token", 503)


@scenario("expired-token-retry", reference="clerk/javascript#6678", lost_on=">=5.59.0 <5.117.0", session_minter=False)
def expired_token_retry(story: Story) -> None:
    """Session Minter off: 422 missing_expired_token, then GET /v1/client answers 500 (clerk-js retries with the
    expired token)."""
    unauthenticated_then_client_fails(story, 422, "missing_expired_token", 500)


@scenario("multi-tab", reference="clerk/javascript#7912", lost_on="<6.1.0")
def multi_tab(story: Story) -> None:
    """Two tabs, one in the background; an offline refresh; both tabs stay signed in."""
    story.sign_in()
    story.open_a_second_tab()
    story.bring_first_tab_to_front()
    story.go_offline()
    story.let_token_age_past_refresh()
    story.come_back_online()
    story.call_the_api()
    story.check_other_tabs()
    story.reload()


@scenario(
    "focus-multi-tab",
    reference="clerk/javascript#9215, #8921",
    lost_on="",
    real_focus=True,
)
def focus_multi_tab(story: Story) -> None:
    """Two windows of the app side by side: the user works in the second for two minutes while the first stays
    visible without the focus, then clicks back into the first, which calls its API and reloads."""
    story.sign_in()
    story.work_in_another_window(120)
    story.call_the_api()
    story.reload()


@scenario(
    "partitioned-late",
    reference="clerk/javascript#9286",
    lost_on="",
    partitioned_cookies=True,
    not_in={"webkit": "WebKitGTK's jar has no partitioned cookies (CHIPS) to hold the two variants"},
)
def partitioned_late(story: Story) -> None:
    """An instance with partitioned cookies: the page reloads while the environment answers late, so clerk-js
    writes __session before it knows and the jar holds two; then the API is called and the page reloads."""
    story.sign_in()
    story.reload_while_the_environment_is_late()
    story.call_the_api()
    story.reload()


@scenario(
    "itp-week-away",
    reference="clerk/javascript#7623",
    lost_on="*",
    not_in={
        "chromium": "tracking prevention is WebKit's (Safari's): run it with --browser webkit",
        "firefox": "tracking prevention is WebKit's (Safari's): run it with --browser webkit",
    },
    browser_clock=True,
)
def itp_week_away(story: Story) -> None:
    """Safari's tracking prevention is on: the user signs in, leaves the app for eight days, opens it again and
    calls its API."""
    story.turn_on_tracking_prevention()
    story.sign_in()
    story.stay_away_for_days(8)
    story.open_the_app_again()
    story.call_the_api()


@scenario("revoked-control", reference="harness self-check", lost_on="*")
def revoked_control(story: Story) -> None:
    """Negative control: the server revokes the session; clerk-js gets 401 and signs out."""
    story.sign_in()
    story.revoke_the_session()
    story.session.app.page.evaluate("window.Clerk.session.clearCache()")
    story.focus_the_window()
    story.wait_for_sign_out()
    story.call_the_api()


@scenario("dev-instance", reference="clerk/javascript#7912", lost_on="<6.1.0", instance="test")
def dev_instance(story: Story) -> None:
    """offline-reload on a development instance (pk_test_ key)."""
    offline_reload(story)


@scenario(
    "api-down",
    reference="clerk/javascript#7912",
    lost_on="",
    lost_on_unrealistic="<6.1.0",
)
def api_down(story: Story) -> None:
    """Only the Frontend API is unreachable (the browser stays online) when the app asks for a token."""
    story.sign_in()
    story.api_goes_down()
    story.ask_for_a_token_while_it_fails()
    story.api_comes_back()
    story.let_the_token_call_settle()
    story.call_the_api()
    story.reload()


@scenario(
    "offline-online-race",
    reference="clerk/javascript#7912 (review)",
    lost_on="<6.3.2",
)
def offline_online_race(story: Story) -> None:
    """A token request in flight fails offline; the browser is online again when a concurrent focus refresh
    checks, and writes the empty result.

    Deterministic: the request is held at the fake backend (a latch), the browser goes offline, the
        request is dropped, and a page-level hook (clerk_harness.browser.online_flip) pins the return of connectivity
        between clerk-js's two `navigator.onLine` checks."""
    story.prepare_online_flip()
    story.sign_in()
    held = story.hold_the_next_token_request()
    story.ask_for_a_token_in_background(held)
    story.focus_the_window()
    story.go_offline()
    story.fail_the_held_request_then_flip_online(held)
    story.come_back_online()
    story.let_the_token_call_settle()
    story.call_the_api()


# The scenarios whose loss is your app's SDK's (they need your app), after the rest in the catalogue's order
from clerk_harness.stories import sdk_scenarios  # noqa: E402,F401  (registers them)
