"""Plain-text reports of outcomes, for the terminal and for pytest failure messages."""

from __future__ import annotations

from clerk_harness.oracle.verdict import Outcome

ENGINE_NAMES = {"chromium": "Chromium", "firefox": "Firefox", "webkit": "WebKit"}
SYMBOL = {"survived": "SURVIVED", "lost": "LOST", "inconclusive": "INCONCLUSIVE", "error": "ERROR"}


def headline(outcome: Outcome, expected: str | None = None) -> str:
    engine = f" in {ENGINE_NAMES[outcome.engine]}" if outcome.engine != "chromium" else ""  # Chromium: the default
    line = f"{outcome.scenario} on clerk-js {outcome.version}{engine}: {SYMBOL[outcome.verdict]} ({outcome.duration_s:.1f}s)"
    if expected is not None and outcome.verdict in ("survived", "lost"):
        line += " - as expected" if outcome.verdict == expected else f" - UNEXPECTED (expected {expected})"
    return line


def observed(outcome: Outcome) -> str:
    """What the story observed, in order, leaving out what it did not look at."""
    seen = outcome.observations
    parts = []
    if seen.client_refetched_after_fault is not None:
        parts.append(f"GET /v1/client after the fault: {'yes' if seen.client_refetched_after_fault else 'no'}")
    if seen.online_reads_during_flip is not None:
        parts.append(f"navigator.onLine answers during the flip {seen.online_reads_during_flip}")
    if seen.api_after_online is not None:
        parts.append(f"/api/me {seen.api_after_online}")
    if seen.server_auth_after_reload is not None:
        parts.append(f"reloaded page rendered {seen.server_auth_after_reload}")
    if seen.status_after_reload is not None:
        parts.append(
            f"after reload Clerk.status {seen.status_after_reload}, "
            f"Clerk.user {'set' if seen.user_after_reload else 'null'}"
        )
    if seen.handshakes:
        parts.append(
            f"the app ran {len(seen.handshakes)} handshake(s) ({', '.join(seen.handshakes)}): a page load "
            f"repaired by a handshake still counts as a loss if the cookie was removed"
        )
    if seen.status_at_end is not None:
        parts.append(
            f"at the end Clerk.status {seen.status_at_end}, Clerk.user {'set' if seen.user_at_end else 'null'}"
        )
    return "; ".join(parts) or "nothing"


def render(outcome: Outcome, expected: str | None = None, *, with_timeline: bool = True) -> str:
    parts = [headline(outcome, expected)]
    parts += [f"  - {reason}" for reason in outcome.reasons]
    if outcome.removals:
        first = outcome.removals[0]
        parts.append(f"  first removal: {first.describe()}")
    stress = outcome.proof.describe() if outcome.proof is not None else ""
    if stress:
        parts.append("  stress:")
        parts += [f"    {line}" for line in stress.splitlines()]
    if outcome.verdict in ("survived", "lost"):
        parts.append(
            f"  seen: {observed(outcome)} (browser: {outcome.engine}, visibility: {outcome.visibility_mode}, "
            f"clock: {outcome.clock_mode}, topology: {outcome.topology}"
            f"{', Session Minter on' if outcome.session_minter else ''})"
        )
    if outcome.app:
        parts.append(f"  the app under test: {outcome.app}")
        parts += [f"    page load: {document}" for document in outcome.observations.app_documents]
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
