"""Proof that the stress happened: a token refresh was due and attempted while offline, and failed.

From 6.1.0 clerk-js may skip the request while `navigator.onLine` is false, so the request journal
alone cannot prove an attempt: browser-side evidence counts too (a failed fetch, a `getToken()` that
rejects or returns null, `Clerk.status` turning `degraded`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clerk_harness.oracle.stress_record import Attempt, StressRecord, TokenWindow
from clerk_harness_fake.tokens import CLOCK_SKEW_S

__all__ = ["Attempt", "ProofCheck", "StressProof", "TokenWindow"]

# --- the proof: each condition of a proven stress is one small check ---------------------------------
ProofCheck = Callable[[StressRecord], "str | None"]


def nothing_unmet(proof: StressRecord) -> str | None:
    return "; ".join(proof.unmet) or None


def fault_answered_a_request(proof: StressRecord) -> str | None:
    if proof.fault_hits:
        return None
    return f"no request was answered by the injected fault(s): {', '.join(proof.faults_injected)}"


def offline_and_back(proof: StressRecord) -> str | None:
    if proof.offline_since is None or proof.back_online_at is None:
        return "the browser was never offline and back online"
    return None


def refresh_came_due_offline(proof: StressRecord) -> str | None:
    if proof.offline_since is None or proof.back_online_at is None:
        return None  # offline_and_back says so
    if proof.explicit_trigger is None and not proof.refresh_was_due_offline:
        return "no token refresh came due while offline (virtual clock did not pass exp - 17 s)"
    return None


def refresh_attempted(proof: StressRecord) -> str | None:
    if not proof.attempts:
        return "no refresh attempt was seen while offline (no failed fetch, getToken() result or degraded status)"
    return None


def no_refresh_succeeded_offline(proof: StressRecord) -> str | None:
    if proof.successful_refreshes_while_offline:
        return f"{proof.successful_refreshes_while_offline} token refresh(es) succeeded while 'offline'"
    return None


def token_still_valid_when_back(proof: StressRecord) -> str | None:
    if proof.back_online_at is None:
        return None  # offline_and_back says so
    if not proof.token_valid_when_back:
        return (
            "the last good token had expired when the browser came back: a kept cookie could not be told "
            "from a stale one"
        )
    return None


SKEW_TOLERANCE_S = 2.0


def skew_seen(set_s: float | None, seen_s: float | None, never: str, off: str) -> str | None:
    """A clock the story skewed by `set_s`, as its own reader saw it (`seen_s`): `off` says a miss."""
    if set_s is None or seen_s is None:
        return never
    if abs(seen_s - set_s) > SKEW_TOLERANCE_S:
        return off.format(seen=seen_s, set=set_s)
    return None


def page_clock_skewed(proof: StressRecord) -> str | None:
    return skew_seen(
        proof.clock_skew_s,
        proof.clock_skew_seen_s,
        "the page's clock was never skewed",
        "the page reported its clock {seen:+.1f}s off the server's, not the {set:+g}s the story set",
    )


def token_requested_under_skew(proof: StressRecord) -> str | None:
    if not proof.token_requests_skewed:
        return "no token request reached the fake while the skewed clock ran: no refresh happened under the skew"
    return None


def app_server_clock_skewed(proof: StressRecord) -> str | None:
    return skew_seen(
        proof.app_clock_skew_s,
        proof.app_clock_skew_seen_s,
        "the app server's clock was never skewed",
        "the app's Date header said its clock was {seen:+.0f}s off the Frontend API's, not the {set:+g}s the story set",
    )


def token_invalid_for_the_app(proof: StressRecord) -> str | None:
    if proof.app_token_outside_s is None:
        return "there was no token in __session when the app's clock moved: the skew put nothing to the test"
    if proof.app_token_outside_s <= CLOCK_SKEW_S:
        return (
            f"the token in __session was valid on the app's clock (within the SDKs' {CLOCK_SKEW_S}s leeway of its "
            "iat and exp): the skew put nothing to the test"
        )
    return None


OFFLINE_CHECKS: tuple[ProofCheck, ...] = (
    nothing_unmet,
    offline_and_back,
    refresh_came_due_offline,
    refresh_attempted,
    no_refresh_succeeded_offline,
    token_still_valid_when_back,
)
FAULT_CHECKS: tuple[ProofCheck, ...] = (nothing_unmet, fault_answered_a_request)
CLOCK_CHECKS: tuple[ProofCheck, ...] = (nothing_unmet, page_clock_skewed, token_requested_under_skew)
SERVER_CLOCK_CHECKS: tuple[ProofCheck, ...] = (nothing_unmet, app_server_clock_skewed, token_invalid_for_the_app)


def slept_an_hour_or_more(proof: StressRecord) -> str | None:
    if not proof.slept_h or proof.slept_h < 1:
        return "the machine did not sleep an hour or more"
    return None


def token_requested_on_waking(proof: StressRecord) -> str | None:
    if not any("/tokens" in request for request in proof.wake_burst):
        return "no token request in the burst after waking: the expired token was never refreshed under the stress"
    return None


SLEEP_CHECKS: tuple[ProofCheck, ...] = (nothing_unmet, slept_an_hour_or_more, token_requested_on_waking)


def visible_without_the_focus(proof: StressRecord) -> str | None:
    if not proof.unfocused_while_visible:
        return (
            "the first window did not stay visible without the focus while the second was in front: no "
            "real window focus here (headless Chromium gives every window the focus)"
        )
    if "blur" not in proof.focus_events:
        return "the first window heard no trusted blur when the second came in front"
    return None


def token_requested_without_the_focus(proof: StressRecord) -> str | None:
    if not proof.token_requests_unfocused:
        return "no token request while the first window had no focus: no refresh happened under the stress"
    return None


def focus_came_back(proof: StressRecord) -> str | None:
    if "focus" not in proof.focus_events:
        return "the first window heard no trusted focus when the user came back to it"
    return None


FOCUS_CHECKS: tuple[ProofCheck, ...] = (
    nothing_unmet,
    visible_without_the_focus,
    token_requested_without_the_focus,
    focus_came_back,
)


def both_kinds_in_the_jar(proof: StressRecord) -> str | None:
    if not proof.partition_twins_seen:
        return (
            "the jar never held two __session cookies at once: clerk-js knew the instance's setting before "
            "it wrote the cookie, or the release predates partitioned cookies (clerk-js 5.125.3 added them)"
        )
    return None


PARTITIONED_CHECKS: tuple[ProofCheck, ...] = (nothing_unmet, fault_answered_a_request, both_kinds_in_the_jar)


def restored_from_the_bfcache(proof: StressRecord) -> str | None:
    if not proof.restored_from_bfcache:
        why = f" ({', '.join(proof.bfcache_blocked_by)})" if proof.bfcache_blocked_by else ""
        hint = (
            ": the page is served Cache-Control: no-store, which Chromium never keeps"
            if "MainResourceHasCacheControlNoStore" in proof.bfcache_blocked_by
            else ""
        )
        return f"the browser loaded the page anew instead of restoring it from the back-forward cache{why}{hint}"
    return None


def token_expired_while_away(proof: StressRecord) -> str | None:
    if not proof.token_expired_while_away:
        return "the token in __session had not expired when the user came back"
    return None


def token_refreshed_after_return(proof: StressRecord) -> str | None:
    """A token request, or a touch (its answer carries the session's fresh token)."""
    if not proof.restored_from_bfcache:
        return None  # restored_from_the_bfcache says so
    if not any("/tokens" in request or "/touch" in request for request in proof.after_return):
        return (
            "no token request or touch after the return: clerk-js never refreshed the expired token in the "
            "restored page"
        )
    return None


BFCACHE_CHECKS: tuple[ProofCheck, ...] = (
    nothing_unmet,
    restored_from_the_bfcache,
    token_expired_while_away,
    token_refreshed_after_return,
)


def navigated_client_side(proof: StressRecord) -> str | None:
    """The app's router fetched the page itself (an RSC request), and no document was loaded first."""
    if not any("(RSC)" in request for request in proof.navigation_requests):
        return (
            f"following the link to {proof.navigated_to} made no client-side (RSC) request: the app navigated "
            "by a new page load, which its SDK can send through a handshake"
        )
    if "(document)" in proof.navigation_requests[0]:
        return "the navigation loaded a document before its client-side request"
    return None


def token_expired_at_navigation(proof: StressRecord) -> str | None:
    if proof.token_expired_at_navigation_s is None or proof.token_expired_at_navigation_s <= CLOCK_SKEW_S:
        return (
            f"the token in __session had not expired beyond the SDKs' {CLOCK_SKEW_S}s leeway when the user "
            f"followed the link ({proof.token_expired_at_navigation_s}s past its expiry)"
        )
    return None


NAVIGATION_CHECKS: tuple[ProofCheck, ...] = (nothing_unmet, navigated_client_side, token_expired_at_navigation)


def touch_answered_stale(proof: StressRecord) -> str | None:
    if not proof.stale_touches:
        return (
            f"no session touch was answered with the {proof.stale_touch_lag_s:g}s older token: clerk-js "
            "touched the session no more while the stress stood"
        )
    return None


STALE_CHECKS: tuple[ProofCheck, ...] = (nothing_unmet, touch_answered_stale)

TRACKING_CAP_DAYS = 7  # WebKit's cap on a script-written cookie's lifetime under tracking prevention


def session_cookie_capped(proof: StressRecord) -> str | None:
    if proof.session_cookie_days is None or proof.session_cookie_days > TRACKING_CAP_DAYS + 0.01:
        return f"the jar kept __session {proof.session_cookie_days} d: tracking prevention capped nothing"
    return None


def away_beyond_the_cap(proof: StressRecord) -> str | None:
    if proof.away_days is None or proof.session_cookie_days is None or proof.away_days <= proof.session_cookie_days:
        return f"the user came back after {proof.away_days} d, before __session ran out"
    return None


TRACKING_CHECKS: tuple[ProofCheck, ...] = (nothing_unmet, session_cookie_capped, away_beyond_the_cap)

CHECKS_BY_KIND: dict[str, tuple[ProofCheck, ...]] = {
    "offline": OFFLINE_CHECKS,
    "fault": FAULT_CHECKS,
    "clock": CLOCK_CHECKS,
    "server-clock": SERVER_CLOCK_CHECKS,
    "sleep": SLEEP_CHECKS,
    "bfcache": BFCACHE_CHECKS,
    "navigation": NAVIGATION_CHECKS,
    "focus": FOCUS_CHECKS,
    "partitioned": PARTITIONED_CHECKS,
    "stale": STALE_CHECKS,
    "tracking": TRACKING_CHECKS,
}


class StressProof(StressRecord):
    """A stress record that can say whether it proves the stress happened, and if not, why."""

    def problems(self, checks: tuple[ProofCheck, ...] | None = None) -> list[str]:
        """Why the stress is not proven (empty when it is)."""
        if checks is None:
            checks = CHECKS_BY_KIND.get(self.kind, OFFLINE_CHECKS)
        return [problem for check in checks if (problem := check(self))]

    @property
    def proven(self) -> bool:
        return not self.problems()

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "problems": self.problems()}
