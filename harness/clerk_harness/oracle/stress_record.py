"""What a story did to clerk-js and saw it do: offline spans, tokens, refresh attempts, faults, clocks.

`evidence.StressProof` judges such a record; this module only holds it, reads it back and words it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, TypeVar

import jwt

Record = TypeVar("Record", bound="StressRecord")
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
class StressRecord:
    """What a story did to clerk-js and what it saw: the facts a proof is judged on (`evidence.StressProof`)."""

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
    app_clock_skew_s: float | None = None  # your app's server clock against the fake's and the page's
    app_clock_skew_seen_s: float | None = None  # what the app's own `Date` header said
    app_token_outside_s: float | None = None  # how far the token in __session lay outside iat..exp on the app's clock
    # Sleep and wake (see clerk_harness.stories.sleep):
    slept_h: float | None = None  # hours the machine slept
    session_cookie_days: float | None = None  # tracking prevention: how long the jar kept the script-written __session
    client_uat_days: float | None = None  # ... and __client_uat
    away_days: float | None = None  # ... and how long the user stayed away (every clock moved)
    wake_burst: list[str] = field(default_factory=list)  # the Frontend API requests in the seconds after waking
    # The back-forward cache (see clerk_harness.stories.bfcache):
    restored_from_bfcache: bool | None = None  # `pageshow` with `persisted` in the page the user came back to
    away_s: float | None = None  # how long the user was away from the page
    token_expired_while_away: bool | None = None
    bfcache_blocked_by: list[str] = field(default_factory=list)  # Chromium's reasons when it did not restore
    returned_seq: int | None = None  # the request journal's last entry as the user pressed Back
    bfcache_tries: int = 0  # times the user left and came back (again where the browser loaded the page anew)
    after_return: list[str] = field(default_factory=list)  # the Frontend API requests since
    # Real window focus (see clerk_harness.stories.focus):
    unfocused_while_visible: bool | None = None  # the first window, visible, said it had no focus
    focus_events: list[str] = field(default_factory=list)  # its trusted focus and blur events
    token_requests_unfocused: int | None = None  # token requests while it had no focus
    # Partitioned cookies and a late environment (see clerk_harness.stories.partitioned):
    partition_twins_seen: bool | None = (
        None  # the jar held two __session at once (partitioned or SameSite=None, and Lax)
    )
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
        if self.app_clock_skew_s is not None and self.offline_since is None:
            return "server-clock"
        if self.slept_h is not None and self.offline_since is None:
            return "sleep"
        if self.session_cookie_days is not None and self.offline_since is None:
            return "tracking"
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
        return (
            self.token is not None and self.back_online_at is not None and self.back_online_at < self.token.expires_at
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["refresh_due_at"] = self.token.refresh_due_at if self.token else None
        data["kind"] = self.kind
        return data

    @classmethod
    def from_dict(cls: type[Record], data: dict[str, Any]) -> Record:
        """The inverse of `to_dict` (a results file read back by `clerk-harness merge`)."""
        values: dict[str, Any] = {f.name: _copied(data[f.name]) for f in fields(cls) if f.name in data}
        values["token"] = TokenWindow(**data["token"]) if data.get("token") else None
        values["attempts"] = [Attempt(**a) for a in data.get("attempts", [])]
        return cls(**values)

    def describe(self) -> str:
        """The record in a few lines, for reports and the terminal."""
        lines = []
        if self.token and self.offline_since is not None and self.back_online_at is not None:
            lines.append(
                f"offline from {self.offline_since - self.token.issued_at:+.1f}s to "
                f"{self.back_online_at - self.token.issued_at:+.1f}s after the token's iat; refresh due at "
                f"{self.token.refresh_due_at - self.token.issued_at:+.0f}s, expiry at "
                f"{self.token.expires_at - self.token.issued_at:+.0f}s (server clock)"
            )
        if self.clock_skew_s is not None:
            lines.append(
                f"page clock skewed {self.clock_skew_s:+g}s against the server's (the page reported "
                f"{self.clock_skew_seen_s:+.1f}s); {self.token_requests_skewed} token request(s) under it"
            )
        if self.app_clock_skew_s is not None:
            lines.append(
                f"the app's server clock skewed {self.app_clock_skew_s:+g}s against the Frontend API's and the "
                f"page's (its Date header said {self.app_clock_skew_seen_s:+.0f}s)"
                + (
                    f"; the token in __session lay {self.app_token_outside_s:+.0f}s outside its validity on that clock"
                    if self.app_token_outside_s is not None
                    else ""
                )
            )
        if self.slept_h is not None:
            lines.append(
                f"slept {self.slept_h:g} h; woke to {len(self.wake_burst)} request(s): " + ", ".join(self.wake_burst)
            )
        if self.session_cookie_days is not None:
            lines.append(
                f"tracking prevention on: the jar kept __session {self.session_cookie_days:g} d (clerk-js asked for "
                f"a year), __client_uat {self.client_uat_days if self.client_uat_days is not None else 'none'} d; "
                f"the user stayed away {self.away_days:g} d"
            )
        if self.away_s is not None:
            lines.append(
                f"away {self.away_s:g}s (token expired meanwhile: {self.token_expired_while_away}); "
                f"restored from the back-forward cache: {self.restored_from_bfcache}"
                + (
                    f" (at try {self.bfcache_tries}: the browser loaded the page anew before)"
                    if self.bfcache_tries > 1
                    else ""
                )
                + "; after the return: "
                + (", ".join(self.after_return) or "no request")
            )
        if self.unfocused_while_visible is not None:
            lines.append(
                f"a second window in front: the first visible without the focus: {self.unfocused_while_visible}; "
                f"its trusted events: {', '.join(self.focus_events) or 'none'}; "
                f"{self.token_requests_unfocused} token request(s) meanwhile"
            )
        if self.partition_twins_seen is not None:
            lines.append(
                f"the environment answered late; the jar held two __session cookies at once: "
                f"{self.partition_twins_seen}"
            )
        if self.navigated_to is not None:
            lines.append(
                f"followed a link to {self.navigated_to} with the token in __session expired "
                f"{self.token_expired_at_navigation_s:g}s: " + ("; ".join(self.navigation_requests) or "no request")
            )
        if self.stale_touch_lag_s is not None:
            lines.append(
                f"touches answered with tokens minted {self.stale_touch_lag_s:g}s ago: "
                + (", ".join(self.stale_touches) or "no touch")
                + "; the older token "
                + ("was" if self.stale_token_written else "was not")
                + " written to __session"
            )
        if self.explicit_trigger:
            lines.append(f"trigger: {self.explicit_trigger}")
        lines += [f"fault: {f}" for f in self.faults_injected]
        lines += [f"hit: {h}" for h in self.fault_hits]
        lines += [f"t={a.t:7.3f}s refresh attempt: {a.kind} {a.detail}" for a in self.attempts]
        return "\n".join(lines)


def _copied(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value
