"""A loss written up for clerk/javascript: the steps read from the scenario's own story, the versions,
the settings, expected and actual, the first loss with its stack, the Frontend API's answers, and the
command that reproduces it; a kept session writes nothing."""

from __future__ import annotations

from clerk_harness.oracle.cookie_events import CookieEvent
from clerk_harness.oracle.evidence import StressProof
from clerk_harness.oracle.verdict import Observations, Outcome
from clerk_harness.reports.upstream import ScenarioFacts, upstream_issue
from clerk_harness.stories.retell import steps_of
from clerk_harness.stories.scenarios import get_scenario


def test_the_steps_are_the_storys_own_in_a_users_words():
    assert steps_of(get_scenario("clock-slow")) == [
        "Sign in with a password.",
        "The computer's clock runs 30 s slow (against the server's).",
        "Leave the tab open for 180 s.",
        "The page calls the app's authenticated API (`fetch` with the session cookie).",
    ]
    minter = steps_of(get_scenario("minter-outage-403"))  # told by a shared helper, with the story's values
    assert (
        minter[1]
        == "The Frontend API answers `POST /v1/client/sessions/*/tokens` with 422 `missing_expired_token`, once."
    )
    assert minter[2] == "The Frontend API answers `GET /v1/client` with 403, until it recovers."
    assert steps_of(get_scenario("dev-instance")) == steps_of(get_scenario("offline-reload"))


def lost_run(**changes) -> Outcome:
    removal = CookieEvent(
        0.57,
        "document.cookie",
        "__session",
        "remove",
        None,
        "path=/ @ at r (https://clerk.harness.test/npm/@clerk/clerk-js@6/dist/clerk.browser.js:18:134407)",
    )
    journal = [
        {
            "seq": 7,
            "method": "POST",
            "path": "/__clerk/v1/client/sessions/sess_2abc/tokens",
            "status": 422,
            "note": "fault #1 422 missing_expired_token",
        },
        {"seq": 8, "method": "GET", "path": "/__clerk/v1/client", "status": 500, "note": "fault #2"},
        {"seq": 9, "method": "GET", "path": "/api/me", "status": 401, "note": ""},
    ]
    outcome = Outcome(
        "minter-outage",
        "6.40.0",
        "lost",
        ["__session removed at t=0.570s via document.cookie"],
        StressProof(faults_injected=["GET /v1/client"], fault_hits=["GET /v1/client -> 500"]),
        [removal],
        Observations(),
        journal=journal,
        session_minter=True,
    )
    for name, value in changes.items():
        setattr(outcome, name, value)
    return outcome


def facts(**changes) -> ScenarioFacts:
    base = dict(
        title="Session Minter on: 422, then GET /v1/client answers 500",
        reference="clerk/javascript#6678",
        lost_on=">=5.59.0 <6.0.0 || >=6.3.3",
        development=False,
        minter_forced=True,
        steps=("Sign in with a password.", "The Frontend API answers ..."),
    )
    return ScenarioFacts(**{**base, **changes})


def test_an_issue_body_has_what_a_maintainer_needs():
    body = upstream_issue(lost_run(), facts())
    for needed in (
        "# Session Minter on: 422, then GET /v1/client answers 500: the session is lost on @clerk/clerk-js 6.40.0",
        "`@clerk/clerk-js` 6.40.0, the unmodified bundle from npm, in Chromium",
        "Releases that lose: `>=5.59.0 <6.0.0 || >=6.3.3`",
        "Session Minter on",
        "1. Sign in with a password.",
        "## Expected",
        "- __session removed at t=0.570s",
        "clerk.browser.js:18:134407",
        "| 7 | `POST /v1/client/sessions/sess_…/tokens` | 422 |",
        "clerk-harness repro minter-outage --clerk-js 6.40.0\n",
    ):
        assert needed in body, needed
    assert "/api/me" not in body, "the app's own pages are the harness's, not clerk-js's"


def test_the_command_says_the_settings_the_scenario_does_not_force():
    body = upstream_issue(lost_run(scenario="clock-slow", engine="firefox"), facts(minter_forced=False))
    assert "clerk-harness repro clock-slow --clerk-js 6.40.0 --session-minter --browser firefox" in body
    assert "in Firefox" in body


def test_an_sdk_servers_loss_names_the_app_and_is_reproduced_against_it():
    body = upstream_issue(lost_run(scenario="next-soft-navigation", app="sh harness-start.sh"), facts(app_sdk=True))
    assert "The app: `sh harness-start.sh`, whose Clerk SDK server loses the session" in body
    assert "Releases that lose" not in body
    assert "clerk-harness repro next-soft-navigation --clerk-js 6.40.0 --app-cmd 'sh harness-start.sh'" in body
    assert steps_of(get_scenario("next-soft-navigation"))[1:3] == [
        "The tab wakes with its session token expired; clerk-js asks for a new one, and the Frontend API is slow "
        "to answer.",
        "Before that answer lands, click the app's link to a page only signed-in users may see (a "
        "client-side navigation).",
    ]
