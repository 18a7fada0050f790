"""Proof that the stress happened: a token refresh was due and attempted while offline, and failed.

From 6.1.0 clerk-js may skip the request while `navigator.onLine` is false, so the request journal
alone cannot prove an attempt: browser-side evidence counts too (a failed fetch, a `getToken()` that
rejects or returns null, `Clerk.status` turning `degraded`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import jwt

from clerk_harness_fake.tokens import CLOCK_SKEW_S

PROACTIVE_REFRESH_LEAD_S = 17  # 6.x schedules a refresh at exp - 17 s


@dataclass(frozen=True)
class Attempt:
    t: float
    kind: str  # "failed-request", "getToken-rejected", "getToken-null", "status-degraded"
    detail: str


@dataclass
class TokenWindow:
    """The last good token when the browser went offline, on the virtual clock."""

    issued_at: float
    expires_at: float

    @property
    def refresh_due_at(self) -> float:
        return self.expires_at - PROACTIVE_REFRESH_LEAD_S

    @classmethod
    def of(cls, token: str) -> TokenWindow:
        claims = jwt.decode(token, options={"verify_signature": False})
        return cls(float(claims["iat"]), float(claims["exp"]))


@dataclass
class StressProof:
    offline_since: float | None = None  # virtual time
    back_online_at: float | None = None
    token: TokenWindow | None = None
    explicit_trigger: str | None = None  # e.g. "getToken()"; None when only aging triggers the refresh
    attempts: list[Attempt] = field(default_factory=list)
    successful_refreshes_while_offline: int = 0
    # Fault-based stress (the browser stays online; the fake FAPI misbehaves instead):
    faults_injected: list[str] = field(default_factory=list)
    fault_hits: list[str] = field(default_factory=list)  # journal lines of requests a fault answered
    unmet: list[str] = field(default_factory=list)  # conditions a scenario needed and did not get
    # Clock skew (the page's clock against the server's; see clerk_harness.stories.skew):
    clock_skew_s: float | None = None  # what the story set
    clock_skew_seen_s: float | None = None  # what the page reported (Date.now() against the server's time)
    token_requests_skewed: int | None = None  # token requests the fake answered while the skewed clock ran
    # Sleep and wake (see clerk_harness.stories.sleep):
    slept_h: float | None = None  # hours the machine slept
    wake_burst: list[str] = field(default_factory=list)  # the Frontend API requests in the seconds after waking
    # The back-forward cache (see clerk_harness.stories.bfcache):
    restored_from_bfcache: bool | None = None  # `pageshow` with `persisted` in the page the user came back to
    away_s: float | None = None  # how long the user was away from the page
    token_expired_while_away: bool | None = None
    bfcache_blocked_by: list[str] = field(default_factory=list)  # Chromium's reasons when it did not restore
    returned_seq: int | None = None  # the request journal's last entry as the user pressed Back
    after_return: list[str] = field(default_factory=list)  # the Frontend API requests since
    # Real window focus (see clerk_harness.stories.focus):
    unfocused_while_visible: bool | None = None  # the first window, visible, said it had no focus
    focus_events: list[str] = field(default_factory=list)  # its trusted focus and blur events
    token_requests_unfocused: int | None = None  # token requests while it had no focus
    # Partitioned cookies and a late environment (see clerk_harness.stories.partitioned):
    partition_twins_seen: bool | None = None  # the jar held two __session at once (partitioned or SameSite=None, and Lax)
    # A client-side navigation (see clerk_harness.stories.navigation):
    navigated_to: str | None = None  # the protected page the link led to
    token_expired_at_navigation_s: float | None = None  # how long the token in __session had expired then
    navigation_requests: list[str] = field(default_factory=list)  # the navigation's RSC and document requests
    document_loaded_by_navigation: bool | None = None
    # A stale token carried forward (see clerk_harness.stories.stale):
    stale_touch_lag_s: float | None = None  # touches answered with tokens minted this long ago
    stale_since_seq: int | None = None  # the request journal's last entry when the stress began
    fresh_iat: float | None = None  # the `iat` of the token in __session then
    stale_touches: list[str] = field(default_factory=list)  # the touches so answered
    stale_token_written: bool | None = None  # clerk-js wrote the older token to __session

    @property
    def kind(self) -> str:
        if self.navigated_to is not None and self.offline_since is None:
            return "navigation"
        if self.unfocused_while_visible is not None and self.offline_since is None:
            return "focus"
        if self.partition_twins_seen is not None and self.offline_since is None:
            return "partitioned"
        if self.stale_touch_lag_s is not None and self.offline_since is None:
            return "stale"
        if self.clock_skew_s is not None and self.offline_since is None:
            return "clock"
        if self.slept_h is not None and self.offline_since is None:
            return "sleep"
        if self.away_s is not None and self.offline_since is None:
            return "bfcache"
        return "fault" if self.faults_injected and self.offline_since is None else "offline"

    @property
    def refresh_was_due_offline(self) -> bool:
        if self.token is None or self.offline_since is None or self.back_online_at is None:
            return False
        return self.offline_since <= self.token.refresh_due_at <= self.back_online_at

    @property
    def token_valid_when_back(self) -> bool:
        return self.token is not None and self.back_online_at is not None and self.back_online_at < self.token.expires_at

    def problems(self, checks: tuple[ProofCheck, ...] | None = None) -> list[str]:
        """Why the stress is not proven (empty when it is)."""
        if checks is None:
            checks = {"fault": FAULT_CHECKS, "clock": CLOCK_CHECKS, "sleep": SLEEP_CHECKS,
                      "bfcache": BFCACHE_CHECKS, "navigation": NAVIGATION_CHECKS, "focus": FOCUS_CHECKS,
                      "partitioned": PARTITIONED_CHECKS,
                      "stale": STALE_CHECKS}.get(self.kind, OFFLINE_CHECKS)
        return [problem for check in checks if (problem := check(self))]

    @property
    def proven(self) -> bool:
        return not self.problems()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["refresh_due_at"] = self.token.refresh_due_at if self.token else None
        data["problems"] = self.problems()
        data["kind"] = self.kind
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StressProof:
        """The inverse of `to_dict` (a results file read back by `clerk-harness merge`)."""
        token = data.get("token")
        return cls(offline_since=data.get("offline_since"), back_online_at=data.get("back_online_at"),
                   token=TokenWindow(**token) if token else None, explicit_trigger=data.get("explicit_trigger"),
                   attempts=[Attempt(**a) for a in data.get("attempts", [])],
                   successful_refreshes_while_offline=data.get("successful_refreshes_while_offline", 0),
                   faults_injected=list(data.get("faults_injected", [])), fault_hits=list(data.get("fault_hits", [])),
                   unmet=list(data.get("unmet", [])), clock_skew_s=data.get("clock_skew_s"),
                   clock_skew_seen_s=data.get("clock_skew_seen_s"),
                   token_requests_skewed=data.get("token_requests_skewed"), slept_h=data.get("slept_h"),
                   wake_burst=list(data.get("wake_burst", [])),
                   restored_from_bfcache=data.get("restored_from_bfcache"), away_s=data.get("away_s"),
                   token_expired_while_away=data.get("token_expired_while_away"),
                   bfcache_blocked_by=list(data.get("bfcache_blocked_by", [])), returned_seq=data.get("returned_seq"), after_return=list(data.get("after_return", [])),
                   unfocused_while_visible=data.get("unfocused_while_visible"),
                   focus_events=list(data.get("focus_events", [])),
                   token_requests_unfocused=data.get("token_requests_unfocused"),
                   partition_twins_seen=data.get("partition_twins_seen"),
                   navigated_to=data.get("navigated_to"),
                   token_expired_at_navigation_s=data.get("token_expired_at_navigation_s"),
                   navigation_requests=list(data.get("navigation_requests", [])),
                   document_loaded_by_navigation=data.get("document_loaded_by_navigation"),
                   stale_touch_lag_s=data.get("stale_touch_lag_s"), stale_since_seq=data.get("stale_since_seq"),
                   fresh_iat=data.get("fresh_iat"), stale_touches=list(data.get("stale_touches", [])),
                   stale_token_written=data.get("stale_token_written"))

    def describe(self) -> str:
        lines = []
        if self.token and self.offline_since is not None and self.back_online_at is not None:
            lines.append(f"offline from {self.offline_since - self.token.issued_at:+.1f}s to "
                         f"{self.back_online_at - self.token.issued_at:+.1f}s after the token's iat; refresh due at "
                         f"{self.token.refresh_due_at - self.token.issued_at:+.0f}s, expiry at "
                         f"{self.token.expires_at - self.token.issued_at:+.0f}s (server clock)")
        if self.clock_skew_s is not None:
            lines.append(f"page clock skewed {self.clock_skew_s:+g}s against the server's (the page reported "
                         f"{self.clock_skew_seen_s:+.1f}s); {self.token_requests_skewed} token request(s) under it")
        if self.slept_h is not None:
            lines.append(f"slept {self.slept_h:g} h; woke to {len(self.wake_burst)} request(s): "
                         + ", ".join(self.wake_burst))
        if self.away_s is not None:
            lines.append(f"away {self.away_s:g}s (token expired meanwhile: {self.token_expired_while_away}); "
                         f"restored from the back-forward cache: {self.restored_from_bfcache}; after the return: "
                         + (", ".join(self.after_return) or "no request"))
        if self.unfocused_while_visible is not None:
            lines.append(f"a second window in front: the first visible without the focus: {self.unfocused_while_visible}; "
                         f"its trusted events: {', '.join(self.focus_events) or 'none'}; "
                         f"{self.token_requests_unfocused} token request(s) meanwhile")
        if self.partition_twins_seen is not None:
            lines.append(f"the environment answered late; the jar held two __session cookies at once: "
                         f"{self.partition_twins_seen}")
        if self.navigated_to is not None:
            lines.append(f"followed a link to {self.navigated_to} with the token in __session expired "
                         f"{self.token_expired_at_navigation_s:g}s: " + ("; ".join(self.navigation_requests) or "no request"))
        if self.stale_touch_lag_s is not None:
            lines.append(f"touches answered with tokens minted {self.stale_touch_lag_s:g}s ago: "
                         + (", ".join(self.stale_touches) or "no touch") + "; the older token "
                         + ("was" if self.stale_token_written else "was not") + " written to __session")
        if self.explicit_trigger:
            lines.append(f"trigger: {self.explicit_trigger}")
        lines += [f"fault: {f}" for f in self.faults_injected]
        lines += [f"hit: {h}" for h in self.fault_hits]
        lines += [f"t={a.t:7.3f}s refresh attempt: {a.kind} {a.detail}" for a in self.attempts]
        return "\n".join(lines)


# --- the proof: each condition of a proven stress is one small check ---------------------------------
ProofCheck = Callable[[StressProof], "str | None"]


def nothing_unmet(proof: StressProof) -> str | None:
    return "; ".join(proof.unmet) or None


def fault_answered_a_request(proof: StressProof) -> str | None:
    if proof.fault_hits:
        return None
    return f"no request was answered by the injected fault(s): {', '.join(proof.faults_injected)}"


def offline_and_back(proof: StressProof) -> str | None:
    if proof.offline_since is None or proof.back_online_at is None:
        return "the browser was never offline and back online"
    return None


def refresh_came_due_offline(proof: StressProof) -> str | None:
    if proof.offline_since is None or proof.back_online_at is None:
        return None  # offline_and_back says so
    if proof.explicit_trigger is None and not proof.refresh_was_due_offline:
        return "no token refresh came due while offline (virtual clock did not pass exp - 17 s)"
    return None


def refresh_attempted(proof: StressProof) -> str | None:
    if not proof.attempts:
        return "no refresh attempt was seen while offline (no failed fetch, getToken() result or degraded status)"
    return None


def no_refresh_succeeded_offline(proof: StressProof) -> str | None:
    if proof.successful_refreshes_while_offline:
        return f"{proof.successful_refreshes_while_offline} token refresh(es) succeeded while 'offline'"
    return None


def token_still_valid_when_back(proof: StressProof) -> str | None:
    if proof.back_online_at is None:
        return None  # offline_and_back says so
    if not proof.token_valid_when_back:
        return ("the last good token had expired when the browser came back: a kept cookie could not be told "
                "from a stale one")
    return None


SKEW_TOLERANCE_S = 2.0


def page_clock_skewed(proof: StressProof) -> str | None:
    if proof.clock_skew_s is None or proof.clock_skew_seen_s is None:
        return "the page's clock was never skewed"
    if abs(proof.clock_skew_seen_s - proof.clock_skew_s) > SKEW_TOLERANCE_S:
        return (f"the page reported its clock {proof.clock_skew_seen_s:+.1f}s off the server's, not the "
                f"{proof.clock_skew_s:+g}s the story set")
    return None


def token_requested_under_skew(proof: StressProof) -> str | None:
    if not proof.token_requests_skewed:
        return "no token request reached the fake while the skewed clock ran: no refresh happened under the skew"
    return None


OFFLINE_CHECKS: tuple[ProofCheck, ...] = (nothing_unmet, offline_and_back, refresh_came_due_offline,
                                          refresh_attempted, no_refresh_succeeded_offline,
                                          token_still_valid_when_back)
FAULT_CHECKS: tuple[ProofCheck, ...] = (nothing_unmet, fault_answered_a_request)
CLOCK_CHECKS: tuple[ProofCheck, ...] = (nothing_unmet, page_clock_skewed, token_requested_under_skew)


def slept_an_hour_or_more(proof: StressProof) -> str | None:
    if not proof.slept_h or proof.slept_h < 1:
        return "the machine did not sleep an hour or more"
    return None


def token_requested_on_waking(proof: StressProof) -> str | None:
    if not any("/tokens" in request for request in proof.wake_burst):
        return "no token request in the burst after waking: the expired token was never refreshed under the stress"
    return None


SLEEP_CHECKS: tuple[ProofCheck, ...] = (nothing_unmet, slept_an_hour_or_more, token_requested_on_waking)


def visible_without_the_focus(proof: StressProof) -> str | None:
    if not proof.unfocused_while_visible:
        return ("the first window did not stay visible without the focus while the second was in front: no "
                "real window focus here (headless Chromium gives every window the focus)")
    if "blur" not in proof.focus_events:
        return "the first window heard no trusted blur when the second came in front"
    return None


def token_requested_without_the_focus(proof: StressProof) -> str | None:
    if not proof.token_requests_unfocused:
        return "no token request while the first window had no focus: no refresh happened under the stress"
    return None


def focus_came_back(proof: StressProof) -> str | None:
    if "focus" not in proof.focus_events:
        return "the first window heard no trusted focus when the user came back to it"
    return None


FOCUS_CHECKS: tuple[ProofCheck, ...] = (nothing_unmet, visible_without_the_focus, token_requested_without_the_focus,
                                        focus_came_back)


def both_kinds_in_the_jar(proof: StressProof) -> str | None:
    if not proof.partition_twins_seen:
        return ("the jar never held two __session cookies at once: clerk-js knew the instance's setting before "
                "it wrote the cookie, or the release predates partitioned cookies (clerk-js 5.125.3 added them)")
    return None


PARTITIONED_CHECKS: tuple[ProofCheck, ...] = (nothing_unmet, fault_answered_a_request, both_kinds_in_the_jar)


def restored_from_the_bfcache(proof: StressProof) -> str | None:
    if not proof.restored_from_bfcache:
        why = f" ({', '.join(proof.bfcache_blocked_by)})" if proof.bfcache_blocked_by else ""
        hint = (": the page is served Cache-Control: no-store, which Chromium never keeps"
                if "MainResourceHasCacheControlNoStore" in proof.bfcache_blocked_by else "")
        return f"the browser loaded the page anew instead of restoring it from the back-forward cache{why}{hint}"
    return None


def token_expired_while_away(proof: StressProof) -> str | None:
    if not proof.token_expired_while_away:
        return "the token in __session had not expired when the user came back"
    return None


def token_refreshed_after_return(proof: StressProof) -> str | None:
    """A token request, or a touch (its answer carries the session's fresh token)."""
    if not proof.restored_from_bfcache:
        return None  # restored_from_the_bfcache says so
    if not any("/tokens" in request or "/touch" in request for request in proof.after_return):
        return ("no token request or touch after the return: clerk-js never refreshed the expired token in the "
                "restored page")
    return None


BFCACHE_CHECKS: tuple[ProofCheck, ...] = (nothing_unmet, restored_from_the_bfcache, token_expired_while_away,
                                          token_refreshed_after_return)


def navigated_client_side(proof: StressProof) -> str | None:
    """The app's router fetched the page itself (an RSC request), and no document was loaded first."""
    if not any("(RSC)" in request for request in proof.navigation_requests):
        return (f"following the link to {proof.navigated_to} made no client-side (RSC) request: the app navigated "
                "by a new page load, which its SDK can send through a handshake")
    if "(document)" in proof.navigation_requests[0]:
        return "the navigation loaded a document before its client-side request"
    return None


def token_expired_at_navigation(proof: StressProof) -> str | None:
    if proof.token_expired_at_navigation_s is None or proof.token_expired_at_navigation_s <= CLOCK_SKEW_S:
        return (f"the token in __session had not expired beyond the SDKs' {CLOCK_SKEW_S}s leeway when the user "
                f"followed the link ({proof.token_expired_at_navigation_s}s past its expiry)")
    return None


NAVIGATION_CHECKS: tuple[ProofCheck, ...] = (nothing_unmet, navigated_client_side, token_expired_at_navigation)


def touch_answered_stale(proof: StressProof) -> str | None:
    if not proof.stale_touches:
        return (f"no session touch was answered with the {proof.stale_touch_lag_s:g}s older token: clerk-js "
                "touched the session no more while the stress stood")
    return None


STALE_CHECKS: tuple[ProofCheck, ...] = (nothing_unmet, touch_answered_stale)
