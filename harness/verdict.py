"""The verdict of one scenario run, with its evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from harness.cookie_timeline import CookieEvent
from harness.evidence import StressProof

Verdict = Literal["survived", "lost", "inconclusive", "error"]
EXIT_CODES: dict[str, int] = {"survived": 0, "lost": 1, "inconclusive": 2, "error": 2}


@dataclass
class Observations:
    """What a scenario saw after its stress: filled in as the story goes."""

    api_after_online: int | None = None
    server_auth_after_reload: str | None = None
    user_after_reload: str | None = None
    status_after_reload: str | None = None
    signed_out_by_harness: bool = False
    other_tabs_signed_out: int = 0
    user_at_end: str | None = None  # Clerk.user's id when the story ended
    status_at_end: str | None = None
    online_reads_during_flip: list[bool] | None = None
    client_refetched_after_fault: bool | None = None  # #8004's tell: GET /v1/client right after a 4xx


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
    profile: str = "realistic"
    chart: dict[str, Any] = field(default_factory=dict)  # bands and events on the harness timeline
    artifacts: dict[str, str] = field(default_factory=dict)  # name -> path

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario, "version": self.version, "verdict": self.verdict,
            "reasons": self.reasons, "duration_s": round(self.duration_s, 3),
            "visibility_mode": self.visibility_mode, "profile": self.profile, "error": self.error,
            "proof": self.proof.to_dict() if self.proof else None,
            "removals": [r.to_dict() for r in self.removals],
            "observations": self.observations.__dict__,
            "journal": self.journal,
            "artifacts": self.artifacts,
        }


def judge(proof: StressProof, removals: list[CookieEvent], seen: Observations) -> tuple[Verdict, list[str]]:
    """Lost if the cookie was removed at any moment or the server/client saw the user signed out.

    Survival counts only when the stress is proven: otherwise the run is inconclusive, never a pass.
    """
    losses = []
    if removals:
        first = removals[0]
        losses.append(f"__session removed at t={first.t:.3f}s via {first.source} ({len(removals)} removal event(s))")
    if seen.api_after_online is not None and seen.api_after_online != 200:
        losses.append(f"/api/me answered {seen.api_after_online}")
    if seen.server_auth_after_reload not in (None, "signed_in"):
        losses.append(f"after the reload the server-rendered page said {seen.server_auth_after_reload}")
    if seen.status_after_reload is not None and seen.user_after_reload is None:
        losses.append("after the reload Clerk.user was null")
    if seen.status_at_end is not None and seen.user_at_end is None:
        losses.append("Clerk.user was null when the story ended")
    if seen.other_tabs_signed_out:
        losses.append(f"{seen.other_tabs_signed_out} other tab(s) had Clerk.user null")
    if losses:
        return "lost", losses
    if seen.signed_out_by_harness:
        return "inconclusive", ["the scenario ended the session but the oracle saw no loss: the oracle is blind"]
    problems = proof.problems()
    if problems:
        return "inconclusive", problems
    return "survived", ["no removal of __session at any moment; the server accepted the session throughout"]
