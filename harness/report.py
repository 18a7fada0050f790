"""Plain-text reports of outcomes, for the terminal and for pytest failure messages."""

from __future__ import annotations

from harness.verdict import Outcome

SYMBOL = {"survived": "SURVIVED", "lost": "LOST", "inconclusive": "INCONCLUSIVE", "error": "ERROR"}


def headline(outcome: Outcome, expected: str | None = None) -> str:
    line = f"{outcome.scenario} on clerk-js {outcome.version}: {SYMBOL[outcome.verdict]} ({outcome.duration_s:.1f}s)"
    if expected is not None and outcome.verdict in ("survived", "lost"):
        line += " - as expected" if outcome.verdict == expected else f" - UNEXPECTED (expected {expected})"
    return line


def render(outcome: Outcome, expected: str | None = None, *, with_timeline: bool = True) -> str:
    parts = [headline(outcome, expected)]
    parts += [f"  - {reason}" for reason in outcome.reasons]
    if outcome.removals:
        first = outcome.removals[0]
        parts.append(f"  first removal: {first.describe()}")
    if outcome.proof is not None and (outcome.proof.attempts or outcome.proof.explicit_trigger):
        parts.append("  stress:")
        parts += [f"    {line}" for line in outcome.proof.describe().splitlines()]
    seen = outcome.observations
    if outcome.verdict in ("survived", "lost"):
        parts.append(f"  after: /api/me {seen.api_after_online}, server page {seen.server_auth_after_reload}, "
                     f"Clerk.user {'set' if seen.user_after_reload else 'null'} (visibility: {outcome.visibility_mode})")
    if with_timeline and outcome.timeline:
        parts.append("  cookie timeline:")
        parts += [f"    {line}" for line in outcome.timeline.splitlines()]
    fapi = [e for e in outcome.journal if e["path"].startswith("/__clerk") or e["path"] in ("/", "/api/me")]
    if with_timeline and fapi:
        parts.append("  requests the fake backend answered:")
        parts += [f"    {e['method']:6} {e['path']:<60} {e['status']} {e['note']}" for e in fapi]
    if outcome.error and outcome.verdict == "error":
        parts.append("  " + outcome.error.strip().splitlines()[-1])
    return "\n".join(parts)
