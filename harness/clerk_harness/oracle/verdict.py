"""The verdict of one scenario run, with its evidence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from clerk_harness.oracle.cookie_events import CookieEvent
from clerk_harness.oracle.evidence import StressProof

Verdict = Literal["survived", "lost", "inconclusive", "error"]
EXIT_CODES: dict[str, int] = {"survived": 0, "lost": 1, "inconclusive": 2, "error": 2}


@dataclass
class Observations:
    """What a scenario saw after its stress: filled in as the story goes."""

    api_after_online: int | None = None
    server_auth_after_reload: str | None = None
    user_after_reload: str | None = None
    status_after_reload: str | None = None
    load_failure_after_reload: str | None = None  # clerk-js did not load after the reload (the app is broken)
    reload_was: str = "reload"  # or "new page load": how the story loaded the app again
    signed_out_by_harness: bool = False
    other_tabs_signed_out: int = 0
    user_at_end: str | None = None  # Clerk.user's id when the story ended
    status_at_end: str | None = None
    online_reads_during_flip: list[bool] | None = None
    client_refetched_after_fault: bool | None = None  # #8004's tell: GET /v1/client right after a 4xx
    api_probe: str = "/api/me"  # the app's authenticated route
    app_documents: list[str] = field(default_factory=list)  # a user's app: what its server said per page load
    handshakes: list[str] = field(default_factory=list)  # a user's app: the reason of each handshake round
    expired_cookie: str | None = None  # a clock story: __session held a token the server had expired
    token_requests_skewed: int | None = None  # a clock story: token requests while the skewed clock ran
    skewed_for_s: float | None = None  # ... over this many seconds of virtual time
    navigation_target: str | None = None  # a navigation story: the protected page a link led to
    navigation_landed: str | None = None  # ... and where the app's router ended up


@dataclass
class Outcome:
    scenario: str
    version: str
    verdict: Verdict
    reasons: list[str]
    proof: StressProof | None
    removals: list[CookieEvent] = field(default_factory=list)
    observations: Observations = field(default_factory=Observations)
    visibility_mode: str = "real"
    duration_s: float = 0.0
    timeline: str = ""
    journal: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    # what of the infrastructure broke under the run ("page", "browser", "app", "worker"): an `error`
    # that says nothing about clerk-js, and the only kind `run --retry-errors` runs again
    broke: str | None = None
    profile: str = "realistic"
    engine: str = "chromium"  # the browser engine of the run: "chromium" or "firefox"
    clock_mode: str = "virtual"  # "real" against a user's app (its server's clock cannot be moved)
    app: str | None = None  # the user's app under test (its command), None for the built-in page
    # "proxy": the app and the Frontend API on loopback, the FAPI behind a proxy URL; "production": the
    # FAPI at the publishable key's own host over HTTPS, beside the app's (see clerk_harness_fake.https.front)
    topology: str = "proxy"
    session_minter: bool = False  # the fake modelled an instance with Clerk's Session Minter on
    chart: dict[str, Any] = field(default_factory=dict)  # bands and events on the harness timeline
    artifacts: dict[str, str] = field(default_factory=dict)  # name -> path

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "version": self.version,
            "verdict": self.verdict,
            "reasons": self.reasons,
            "duration_s": round(self.duration_s, 3),
            "visibility_mode": self.visibility_mode,
            "profile": self.profile,
            "engine": self.engine,
            "error": self.error,
            "broke": self.broke,
            "clock_mode": self.clock_mode,
            "app": self.app,
            "topology": self.topology,
            "session_minter": self.session_minter,
            "proof": self.proof.to_dict() if self.proof else None,
            "removals": [r.to_dict() for r in self.removals],
            "observations": self.observations.__dict__,
            "journal": self.journal,
            "artifacts": self.artifacts,
            "timeline": self.timeline,
            "chart": self.chart,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outcome:
        """The inverse of `to_dict`: a results file read back (`clerk-harness merge`) reports as the run did."""
        known = set(Observations.__dataclass_fields__)
        return cls(
            scenario=data["scenario"],
            version=data["version"],
            verdict=data["verdict"],
            reasons=list(data.get("reasons", [])),
            proof=StressProof.from_dict(data["proof"]) if data.get("proof") else None,
            removals=[CookieEvent.from_dict(r) for r in data.get("removals", [])],
            observations=Observations(**{k: v for k, v in (data.get("observations") or {}).items() if k in known}),
            visibility_mode=data.get("visibility_mode", "real"),
            duration_s=float(data.get("duration_s", 0.0)),
            timeline=data.get("timeline", ""),
            journal=list(data.get("journal", [])),
            error=data.get("error"),
            broke=data.get("broke"),
            profile=data.get("profile", "realistic"),
            engine=data.get("engine", "chromium"),
            clock_mode=data.get("clock_mode", "virtual"),
            app=data.get("app"),
            topology=data.get("topology", "proxy"),
            chart=dict(data.get("chart") or {}),
            session_minter=bool(data.get("session_minter", False)),
            artifacts=dict(data.get("artifacts") or {}),
        )


# --- the oracle: each way a session can be lost is one small rule ------------------------------------
LossRule = Callable[[list[CookieEvent], Observations], "str | None"]


def cookie_removed(removals: list[CookieEvent], seen: Observations) -> str | None:
    if not removals:
        return None
    first = removals[0]
    return f"{first.name} removed at t={first.t:.3f}s via {first.source} ({len(removals)} removal event(s))"


def api_refused(removals: list[CookieEvent], seen: Observations) -> str | None:
    if seen.api_after_online is not None and not 200 <= seen.api_after_online < 300:
        return f"{seen.api_probe} answered {seen.api_after_online}"
    return None


def reload_rendered_signed_out(removals: list[CookieEvent], seen: Observations) -> str | None:
    if seen.server_auth_after_reload not in (None, "signed_in", "unknown"):
        return f"after the {seen.reload_was} the server-rendered page said {seen.server_auth_after_reload}"
    return None


def reload_without_user(removals: list[CookieEvent], seen: Observations) -> str | None:
    if seen.load_failure_after_reload:
        return f"after the reload clerk-js failed to load ({seen.load_failure_after_reload}): signed out"
    if seen.status_after_reload is not None and seen.user_after_reload is None:
        return "after the reload Clerk.user was null"
    return None


def user_gone_at_end(removals: list[CookieEvent], seen: Observations) -> str | None:
    if seen.status_at_end is not None and seen.user_at_end is None:
        return "Clerk.user was null when the story ended"
    return None


def other_tab_signed_out(removals: list[CookieEvent], seen: Observations) -> str | None:
    if seen.other_tabs_signed_out:
        return f"{seen.other_tabs_signed_out} other tab(s) had Clerk.user null"
    return None


def expired_token_in_cookie(removals: list[CookieEvent], seen: Observations) -> str | None:
    """The cookie is there, but every server that reads it sees a signed-out visitor (or a handshake)."""
    return seen.expired_cookie


def navigation_sent_elsewhere(removals: list[CookieEvent], seen: Observations) -> str | None:
    """A link to a page the user may see ended elsewhere (the app's sign-in page): the server took the
    navigation for a signed-out visitor's."""
    if seen.navigation_target is None or seen.navigation_landed is None:
        return None
    if seen.navigation_landed.split("?", 1)[0] != seen.navigation_target:
        return f"following the link to {seen.navigation_target} landed on {seen.navigation_landed}"
    return None


STORM_PER_MINUTE = 4  # a healthy tab asks about once a minute (60 s tokens, refreshed 17 s before exp)


def token_request_storm(removals: list[CookieEvent], seen: Observations) -> str | None:
    """A tab that asks for a token on every poll: Clerk's rate limit answers 429 soon, and signs users out."""
    if not seen.token_requests_skewed or not seen.skewed_for_s:
        return None
    per_minute = seen.token_requests_skewed * 60 / seen.skewed_for_s
    if per_minute > STORM_PER_MINUTE:
        return (
            f"a token request storm: {seen.token_requests_skewed} token requests in {seen.skewed_for_s:g}s "
            f"({per_minute:.0f} a minute; a healthy tab asks about once)"
        )
    return None


LOSS_RULES: tuple[LossRule, ...] = (
    cookie_removed,
    api_refused,
    reload_rendered_signed_out,
    reload_without_user,
    user_gone_at_end,
    other_tab_signed_out,
    expired_token_in_cookie,
    token_request_storm,
    navigation_sent_elsewhere,
)
BLIND_ORACLE = "the scenario ended the session but the oracle saw no loss: the oracle is blind"
SURVIVED = "no removal of __session at any moment; the server accepted the session throughout"


def judge(
    proof: StressProof, removals: list[CookieEvent], seen: Observations, rules: tuple[LossRule, ...] = LOSS_RULES
) -> tuple[Verdict, list[str]]:
    """Lost if any loss rule fires: the cookie was removed at any moment, or the server or the client saw
    the user signed out. Survival counts only when the stress is proven: otherwise the run is
    inconclusive, never a pass. A scenario that ended the session itself must be judged lost."""
    losses = [reason for rule in rules if (reason := rule(removals, seen))]
    if losses:
        return "lost", losses
    if seen.signed_out_by_harness:
        return "inconclusive", [BLIND_ORACLE]
    problems = proof.problems()
    if problems:
        return "inconclusive", problems
    return "survived", [SURVIVED]
