"""Keeps the proof of stress for one session, apart from the story that applies the stress.

It listens to the network going down and up, reads the fake backend's request journal (by typed fault
id, never by parsing notes) and the browser's failed requests, and hands over a `StressProof` that the
verdict (`clerk_harness.oracle.verdict.judge`) reads. Everything it needs comes in as plain objects and callables,
so it can be driven without a browser.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from clerk_harness.errors import HarnessError
from clerk_harness.oracle.evidence import Attempt, StressProof, TokenWindow
from clerk_harness_fake.journal import JournalEntry, RequestJournal

TOKEN_ROUTE = "/tokens"


class FailedRequestLike(Protocol):
    t: float
    method: str
    url: str
    failure: str


class NetworkLike(Protocol):
    before_change: list[Callable[[bool], None]]

    def failed_while_offline(self, url_part: str = "") -> list: ...


@dataclass(repr=False)
class ProofKeeper:
    network: NetworkLike
    journal: RequestJournal
    virtual_now: Callable[[], float]  # the fake backend's clock (token iat/exp live on it)
    harness_now: Callable[[], float]  # seconds on the cookie timeline, to stamp attempts
    session_cookie: Callable[[], str | None]  # the current `__session` value
    client_status: Callable[[], str]  # `Clerk.status` in the app page
    proof: StressProof = field(default_factory=StressProof)
    _offline_journal_mark: int = 0
    _failed_before: int = 0
    _fault_mark: int | None = None

    def __repr__(self) -> str:
        return f"<ProofKeeper {'proven' if self.proof.proven else 'unproven'}: {len(self.proof.attempts)} attempt(s)>"

    def attach(self) -> ProofKeeper:
        self.network.before_change.append(self.network_changing)
        return self

    # --- what the story tells the keeper ---------------------------------------------------------
    def note_trigger(self, trigger: str) -> None:
        """The app asked for a token itself: a refresh need not come due on the clock."""
        self.proof.explicit_trigger = trigger

    def note_fault(self, description: str) -> None:
        """A fault rule was set up; requests answered by faults from now on count as hits."""
        if self._fault_mark is None:
            self._fault_mark = self.journal.last_seq
        self.proof.faults_injected.append(description)

    def note_token_result(self, result: dict) -> dict:
        """A `getToken()` that rejected or gave null is a failed refresh attempt."""
        if not result["ok"]:
            kind = "getToken-rejected" if result.get("error") else "getToken-null"
            self.proof.attempts.append(Attempt(self.harness_now(), kind, str(result.get("error") or "null")))
        return result

    def note_unmet(self, condition: str) -> None:
        """Something the scenario needed did not happen; the proof fails with this line."""
        self.proof.unmet.append(condition)

    def note_token(self) -> TokenWindow:
        """The current token's window, for stories that age it online."""
        self.proof.token = TokenWindow.of(self._require_cookie())
        return self.proof.token

    # --- what the keeper reads -------------------------------------------------------------------
    def failed_token_requests(self) -> int:
        """Token requests that failed in the browser since the current outage began."""
        return len(self.network.failed_while_offline(TOKEN_ROUTE)) - self._failed_before

    def faulted_entries(self) -> list[JournalEntry]:
        """Journal entries since the first fault was set up (every request, faulted or not)."""
        return [] if self._fault_mark is None else self.journal.entries(self._fault_mark)

    def fault_was_hit(self) -> bool:
        return any(e.faulted for e in self.faulted_entries())

    def collect_fault_hits(self) -> None:
        self.proof.fault_hits = [
            f"{e.method} {e.path} -> {e.status} ({e.note})" for e in self.faulted_entries() if e.faulted
        ]

    def hand_over(self) -> StressProof:
        if self.proof.faults_injected:
            self.collect_fault_hits()
        return self.proof

    # --- the network changes ---------------------------------------------------------------------
    def network_changing(self, going_offline: bool) -> None:
        if going_offline:
            self._outage_begins()
        elif self.proof.offline_since is not None:
            self._outage_ends()

    def _outage_begins(self) -> None:
        cookie = self.session_cookie()
        if not cookie:
            raise HarnessError("going offline with no session to protect: no __session cookie yet")
        self.proof.token = TokenWindow.of(cookie)
        self.proof.offline_since = self.virtual_now()
        self._offline_journal_mark = self.journal.last_seq
        self._failed_before = len(self.network.failed_while_offline(TOKEN_ROUTE))

    def _outage_ends(self) -> None:
        if self.client_status() == "degraded":
            self.proof.attempts.append(Attempt(self.harness_now(), "status-degraded", "Clerk.status == degraded"))
        failed: list[FailedRequestLike] = self.network.failed_while_offline(TOKEN_ROUTE)[self._failed_before :]
        for request in failed:
            self.proof.attempts.append(
                Attempt(
                    request.t, "failed-request", f"{request.method} {request.url.split('?')[0]} ({request.failure})"
                )
            )
        self.proof.attempts.sort(key=lambda a: a.t)
        entries = self.journal.entries(self._offline_journal_mark)
        self.proof.successful_refreshes_while_offline = sum(
            1 for e in entries if TOKEN_ROUTE in e.path and e.status == 200
        )
        self.proof.back_online_at = self.virtual_now()

    def _require_cookie(self) -> str:
        cookie = self.session_cookie()
        if not cookie:
            raise HarnessError("no __session cookie: sign in first")
        return cookie
