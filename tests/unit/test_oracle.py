"""The oracle without a browser: `judge`, the proof of stress, and the tests' own power to catch a
weakened oracle (each loss rule and each proof check removed in turn must turn some case wrong)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from clerk_harness.oracle import evidence, verdict
from clerk_harness.oracle.cookie_events import CookieEvent
from clerk_harness.oracle.evidence import Attempt, StressProof, TokenWindow
from clerk_harness.oracle.verdict import Observations, judge


def proven_offline() -> StressProof:
    """Offline from iat+10 to iat+45: the refresh came due (exp-17 = +43), one attempt failed, the token
    (exp +60) was still valid when the browser came back."""
    return StressProof(
        offline_since=1010.0,
        back_online_at=1045.0,
        token=TokenWindow(1000.0, 1060.0),
        attempts=[Attempt(1.2, "failed-request", "POST .../tokens (net::ERR_INTERNET_DISCONNECTED)")],
    )


def proven_fault() -> StressProof:
    return StressProof(
        faults_injected=["POST /v1/client/sessions/*/tokens x1"],
        fault_hits=["POST /__clerk/v1/client/sessions/s/tokens -> 429 (fault #1 429)"],
    )


def proven_clock_skew() -> StressProof:
    """The page's clock set 30 s slow, the page reporting -29.8 s; two token requests under the skew."""
    return StressProof(clock_skew_s=-30, clock_skew_seen_s=-29.8, token_requests_skewed=2)


def proven_sleep() -> StressProof:
    return StressProof(
        slept_h=8,
        wake_burst=["POST /client/sessions/sess_…/tokens -> 200", "POST /client/sessions/sess_…/touch -> 200"],
    )


def proven_navigation() -> StressProof:
    """A client-side link followed with the token in __session expired 6.2 s past its expiry."""
    return StressProof(
        navigated_to="/dashboard",
        token_expired_at_navigation_s=6.2,
        navigation_requests=["GET /dashboard (RSC) -> 307 to /sign-in?redirect_url=..."],
        document_loaded_by_navigation=False,
    )


def proven_stale() -> StressProof:
    """Touches answered with tokens 43 s older; one so answered, and clerk-js wrote the older token."""
    return StressProof(
        stale_touch_lag_s=43,
        stale_since_seq=7,
        fresh_iat=1000.0,
        stale_touches=["POST /touch -> 200"],
        stale_token_written=True,
    )


def removal(name: str = "__session", source: str = "document.cookie") -> CookieEvent:
    return CookieEvent(0.8, source, name, "remove", None, "expires=Thu, 01 Jan 1970 00:00:00 GMT")  # type: ignore[arg-type]


SEEN_SURVIVED = Observations(
    api_after_online=200,
    server_auth_after_reload="signed_in",
    user_after_reload="user_1",
    status_after_reload="ready",
    user_at_end="user_1",
    status_at_end="ready",
)

# (name, proof, removals, observations, verdict): one case per way a run can be judged.
CASES = [
    ("kept", proven_offline(), [], SEEN_SURVIVED, "survived"),
    ("kept under a fault", proven_fault(), [], SEEN_SURVIVED, "survived"),
    ("cookie removed, all else fine", proven_offline(), [removal()], SEEN_SURVIVED, "lost"),
    ("suffixed twin removed", proven_offline(), [removal("__session_Mq3vXyZ1")], SEEN_SURVIVED, "lost"),
    ("removal seen only by cookieStore", proven_offline(), [removal(source="cookieStore")], SEEN_SURVIVED, "lost"),
    ("api answered 401", proven_offline(), [], replace(SEEN_SURVIVED, api_after_online=401), "lost"),
    (
        "reload rendered signed out",
        proven_offline(),
        [],
        replace(SEEN_SURVIVED, server_auth_after_reload="signed_out"),
        "lost",
    ),
    ("reload without Clerk.user", proven_offline(), [], replace(SEEN_SURVIVED, user_after_reload=None), "lost"),
    (
        "clerk-js failed to load after reload",
        proven_offline(),
        [],
        replace(SEEN_SURVIVED, load_failure_after_reload="Error: Request failed (503)"),
        "lost",
    ),
    ("no user at the end", proven_offline(), [], replace(SEEN_SURVIVED, user_at_end=None), "lost"),
    ("another tab signed out", proven_offline(), [], replace(SEEN_SURVIVED, other_tabs_signed_out=1), "lost"),
    ("a loss counts even when the stress is unproven", StressProof(), [removal()], SEEN_SURVIVED, "lost"),
    (
        "harness signed out, oracle saw nothing",
        proven_offline(),
        [],
        replace(SEEN_SURVIVED, signed_out_by_harness=True),
        "inconclusive",
    ),
    ("no stress at all", StressProof(), [], SEEN_SURVIVED, "inconclusive"),
    ("nothing observed after an unproven stress", StressProof(), [], Observations(), "inconclusive"),
    (
        "kept under a skewed clock",
        proven_clock_skew(),
        [],
        replace(SEEN_SURVIVED, token_requests_skewed=1, skewed_for_s=40.0),
        "survived",
    ),
    (
        "an expired token in __session, nothing removed",
        proven_clock_skew(),
        [],
        replace(SEEN_SURVIVED, expired_cookie="__session held a token the server had expired 14s before"),
        "lost",
    ),
    (
        "a token request storm",
        proven_clock_skew(),
        [],
        replace(SEEN_SURVIVED, token_requests_skewed=7, skewed_for_s=40.0),
        "lost",
    ),
    (
        "a link to a protected page landed on it",
        proven_navigation(),
        [],
        replace(SEEN_SURVIVED, navigation_target="/dashboard", navigation_landed="/dashboard"),
        "survived",
    ),
    (
        "a link to a protected page landed on sign-in",
        proven_navigation(),
        [],
        replace(SEEN_SURVIVED, navigation_target="/dashboard", navigation_landed="/sign-in?redirect_url=x"),
        "lost",
    ),
]


@pytest.mark.parametrize("name, proof, removals, seen, expected", CASES, ids=[c[0] for c in CASES])
def test_judge(name, proof, removals, seen, expected):
    got, reasons = judge(proof, removals, seen)
    assert got == expected, reasons
    assert reasons and all(isinstance(r, str) and r for r in reasons)


def test_a_loss_names_its_evidence():
    _, reasons = judge(proven_offline(), [removal(), removal()], replace(SEEN_SURVIVED, api_after_online=401))
    assert reasons == ["__session removed at t=0.800s via document.cookie (2 removal event(s))", "/api/me answered 401"]


def test_a_load_failure_after_reload_is_a_loss_with_its_evidence():
    seen = replace(SEEN_SURVIVED, load_failure_after_reload="Error: 503", user_after_reload=None)
    _, reasons = judge(proven_offline(), [], seen)
    assert reasons == ["after the reload clerk-js failed to load (Error: 503): signed out"]


@pytest.mark.parametrize("rule", verdict.LOSS_RULES, ids=lambda r: r.__name__)
def test_removing_any_loss_rule_turns_a_case_wrong(rule):
    """Mutation check: an oracle without this rule would judge some case of CASES wrongly."""
    weakened = tuple(r for r in verdict.LOSS_RULES if r is not rule)
    wrong = [
        name
        for name, proof, removals, seen, expected in CASES
        if judge(proof, removals, seen, rules=weakened)[0] != expected
    ]
    assert wrong, f"no case depends on {rule.__name__}: the tests would not notice it missing"


# --- the proof of stress ------------------------------------------------------------------------------
PROOF_CASES = [
    (
        "never went offline",
        replace(proven_offline(), offline_since=None, back_online_at=None),
        evidence.offline_and_back,
    ),
    (
        "went offline after the refresh point",
        replace(proven_offline(), offline_since=1050.0),
        evidence.refresh_came_due_offline,
    ),
    ("no attempt", replace(proven_offline(), attempts=[]), evidence.refresh_attempted),
    (
        "a refresh succeeded offline",
        replace(proven_offline(), successful_refreshes_while_offline=1),
        evidence.no_refresh_succeeded_offline,
    ),
    (
        "token expired before coming back",
        replace(proven_offline(), back_online_at=1061.0),
        evidence.token_still_valid_when_back,
    ),
    (
        "a scenario condition unmet",
        replace(proven_offline(), unmet=["the online flip was not exercised"]),
        evidence.nothing_unmet,
    ),
    ("a fault that hit nothing", replace(proven_fault(), fault_hits=[]), evidence.fault_answered_a_request),
    ("a fault story with a condition unmet", replace(proven_fault(), unmet=["x"]), evidence.nothing_unmet),
    ("a clock the page did not take", replace(proven_clock_skew(), clock_skew_seen_s=0.1), evidence.page_clock_skewed),
    (
        "no token request under the skew",
        replace(proven_clock_skew(), token_requests_skewed=0),
        evidence.token_requested_under_skew,
    ),
    ("a nap, not a night", replace(proven_sleep(), slept_h=0.01), evidence.slept_an_hour_or_more),
    (
        "woke to no token request",
        replace(proven_sleep(), wake_burst=["POST /client/sessions/sess_…/touch -> 200"]),
        evidence.token_requested_on_waking,
    ),
    ("a stale touch that never came", replace(proven_stale(), stale_touches=[]), evidence.touch_answered_stale),
    (
        "a navigation by a new page load",
        replace(proven_navigation(), navigation_requests=["GET /dashboard (document) -> 200"]),
        evidence.navigated_client_side,
    ),
    (
        "a navigation with a token still valid",
        replace(proven_navigation(), token_expired_at_navigation_s=-30.0),
        evidence.token_expired_at_navigation,
    ),
]


def test_proven_stress_has_no_problems():
    assert proven_offline().problems() == [] and proven_offline().proven
    assert proven_fault().problems() == [] and proven_fault().kind == "fault"
    assert proven_clock_skew().problems() == [] and proven_clock_skew().kind == "clock"
    assert proven_sleep().problems() == [] and proven_sleep().kind == "sleep"


@pytest.mark.parametrize("name, proof, check", PROOF_CASES, ids=[c[0] for c in PROOF_CASES])
def test_each_missing_condition_is_a_problem_of_its_own(name, proof, check):
    assert proof.problems() == [check(proof)] and not proof.proven


def test_an_explicit_trigger_replaces_the_refresh_point():
    proof = replace(proven_offline(), offline_since=1050.0, explicit_trigger="getToken()")
    assert proof.proven and "trigger: getToken()" in proof.describe()


ALL_CHECKS = {
    "offline": evidence.OFFLINE_CHECKS,
    "fault": evidence.FAULT_CHECKS,
    "clock": evidence.CLOCK_CHECKS,
    "sleep": evidence.SLEEP_CHECKS,
    "navigation": evidence.NAVIGATION_CHECKS,
    "stale": evidence.STALE_CHECKS,
}


@pytest.mark.parametrize(
    "check", sorted(set(sum(ALL_CHECKS.values(), ())), key=lambda c: c.__name__), ids=lambda c: c.__name__
)
def test_removing_any_proof_check_lets_an_unproven_stress_pass(check):
    """Mutation check: without this check some unproven case would count as proven."""
    weakened = {kind: tuple(c for c in checks if c is not check) for kind, checks in ALL_CHECKS.items()}
    passed = [name for name, proof, _ in PROOF_CASES if not proof.problems(weakened[proof.kind])]
    assert passed, f"no case depends on {check.__name__}"


def test_an_unproven_stress_never_survives():
    for name, proof, _ in PROOF_CASES:
        assert judge(proof, [], SEEN_SURVIVED)[0] == "inconclusive", name


def test_a_return_from_the_back_forward_cache_is_proven_only_when_restored_expired_and_refreshed():
    proof = StressProof(
        away_s=119.4,
        restored_from_bfcache=True,
        token_expired_while_away=True,
        after_return=["POST /client/sessions/sess_1/touch -> 200"],
    )
    assert proof.kind == "bfcache" and proof.proven, proof.problems()
    assert StressProof.from_dict(proof.to_dict()).to_dict() == proof.to_dict()
    anew = StressProof(
        away_s=119.4,
        restored_from_bfcache=False,
        token_expired_while_away=True,
        bfcache_blocked_by=["MainResourceHasCacheControlNoStore"],
    )
    assert anew.problems() == [
        "the browser loaded the page anew instead of restoring it from the back-forward cache "
        "(MainResourceHasCacheControlNoStore): the page is served Cache-Control: no-store, "
        "which Chromium never keeps"
    ]
    still_fresh = StressProof(
        away_s=10,
        restored_from_bfcache=True,
        token_expired_while_away=False,
        after_return=["POST /client/sessions/sess_1/tokens -> 200"],
    )
    assert still_fresh.problems() == ["the token in __session had not expired when the user came back"]
    silent = StressProof(away_s=119.4, restored_from_bfcache=True, token_expired_while_away=True)
    assert silent.problems() and "no token request or touch" in silent.problems()[0]


def test_a_navigation_is_its_own_kind_of_stress_and_reads_back():
    proof = proven_navigation()
    assert proof.kind == "navigation" and proof.proven, proof.problems()
    assert StressProof.from_dict(proof.to_dict()).to_dict() == proof.to_dict()
    assert "followed a link to /dashboard with the token in __session expired 6.2s" in proof.describe()
    document_first = replace(
        proof, navigation_requests=["GET /dashboard (document) -> 200", "GET /dashboard (RSC) -> 200"]
    )
    assert document_first.problems() == ["the navigation loaded a document before its client-side request"]


def test_a_stale_token_carried_forward_is_its_own_kind_of_stress_and_reads_back():
    proof = proven_stale()
    assert proof.kind == "stale" and proof.proven, proof.problems()
    assert StressProof.from_dict(proof.to_dict()).to_dict() == proof.to_dict()
    assert "the older token was written to __session" in proof.describe()
    kept = SEEN_SURVIVED
    assert judge(proof, [], kept)[0] == "survived"
    expired = replace(kept, expired_cookie="__session held a token the server had expired 9s before")
    assert judge(proof, [], expired)[0] == "lost"
