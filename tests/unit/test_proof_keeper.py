"""The proof keeper listens to the network and the journal; driven here with plain objects."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import jwt
import pytest

from clerk_harness.errors import HarnessError
from clerk_harness.oracle.evidence import StressProof
from clerk_harness.oracle.proof_keeper import ProofKeeper
from clerk_harness_fake.journal import RequestJournal


@dataclass
class Failed:
    t: float
    method: str
    url: str
    failure: str


@dataclass
class FakeNetwork:
    before_change: list = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)

    def failed_while_offline(self, url_part: str = "") -> list[Failed]:
        return [f for f in self.failed if url_part in f.url]

    def go(self, offline: bool) -> None:
        for listener in self.before_change:
            listener(offline)


@dataclass
class World:
    network: FakeNetwork = field(default_factory=FakeNetwork)
    journal: RequestJournal = field(default_factory=RequestJournal)
    now: float = 1000.0
    cookie: str | None = jwt.encode({"iat": 1000, "exp": 1060}, "k" * 32, algorithm="HS256")
    status: str = "ready"

    def keeper(self) -> ProofKeeper:
        return ProofKeeper(
            self.network,
            self.journal,
            virtual_now=lambda: self.now,
            harness_now=lambda: 1.5,
            session_cookie=lambda: self.cookie,
            client_status=lambda: self.status,
        ).attach()

    def request(self, path: str, status: int, fault_id: int | None = None) -> None:
        self.journal.record(
            method="POST",
            path=path,
            query={},
            status=status,
            started=time.time(),
            note=f"fault #{fault_id}" if fault_id else "",
            fault_id=fault_id,
        )


TOKENS = "/__clerk/v1/client/sessions/sess_1/tokens"


def test_an_offline_episode_with_a_failed_refresh_is_proven():
    world = World()
    keeper = world.keeper()
    world.network.failed.append(Failed(0.5, "POST", "http://x" + TOKENS, "before"))  # not in this outage
    world.now = 1010
    world.network.go(True)
    world.network.failed.append(
        Failed(1.2, "POST", "http://x" + TOKENS + "?_clerk_js_version=6.0.0", "net::ERR_INTERNET_DISCONNECTED")
    )
    assert keeper.failed_token_requests() == 1
    world.now = 1045
    world.network.go(False)
    proof = keeper.hand_over()
    assert proof.proven, proof.problems()
    assert [(a.kind, a.t) for a in proof.attempts] == [("failed-request", 1.2)]
    assert "?" not in proof.attempts[0].detail


def test_a_refresh_that_succeeded_while_offline_spoils_the_proof():
    world = World()
    keeper = world.keeper()
    world.now = 1010
    world.network.go(True)
    world.network.failed.append(Failed(1.2, "POST", TOKENS, "net::ERR_INTERNET_DISCONNECTED"))
    world.request(TOKENS, 200)
    world.now = 1045
    world.network.go(False)
    assert keeper.hand_over().successful_refreshes_while_offline == 1 and not keeper.proof.proven


def test_a_degraded_status_counts_as_an_attempt():
    world = World(status="degraded")
    keeper = world.keeper()
    world.now = 1010
    world.network.go(True)
    world.now = 1045
    world.network.go(False)
    assert [a.kind for a in keeper.hand_over().attempts] == ["status-degraded"]


def test_going_offline_without_a_session_is_a_harness_error():
    world = World(cookie=None)
    world.keeper()
    with pytest.raises(HarnessError, match="no session to protect"):
        world.network.go(True)


def test_fault_hits_come_from_the_typed_fault_id_not_the_note():
    world = World()
    keeper = world.keeper()
    world.request(TOKENS, 200)  # before any fault: not counted
    keeper.note_fault("POST /v1/client/sessions/*/tokens x1")
    world.request(TOKENS, 429, fault_id=1)
    world.journal.record(
        method="GET",
        path="/__clerk/v1/client",
        query={},
        status=200,
        started=time.time(),
        note="looks like fault #2 but is not",
    )
    assert keeper.fault_was_hit()
    proof = keeper.hand_over()
    assert proof.fault_hits == [f"POST {TOKENS} -> 429 (fault #1)"] and proof.proven


def test_a_rejected_get_token_is_an_attempt():
    keeper = World().keeper()
    keeper.note_token_result({"ok": False, "error": "clerk_offline"})
    keeper.note_token_result({"ok": False, "error": None})
    keeper.note_token_result({"ok": True, "token": "t"})
    assert [a.kind for a in keeper.proof.attempts] == ["getToken-rejected", "getToken-null"]


@pytest.mark.parametrize(
    ("skew_s", "seen_s", "outside_s", "problem"),
    [
        (-30, -30.0, 30.0, None),
        (90, 90.0, 31.0, None),
        (-3, -3.0, -7.0, "the skew put nothing to the test"),  # within the leeway: signed in, and unproven
        (-30, 0.0, 30.0, "its clock was +0s off the Frontend API's, not the -30s"),  # the app's clock never moved
        (-30, -30.0, None, "there was no token in __session when the app's clock moved"),
    ],
)
def test_a_server_clock_apart_is_proven_by_the_apps_date_and_a_token_outside_its_validity(
    skew_s, seen_s, outside_s, problem
):
    proof = StressProof(app_clock_skew_s=skew_s, app_clock_skew_seen_s=seen_s, app_token_outside_s=outside_s)
    assert proof.kind == "server-clock"
    problems = proof.problems()
    assert (problems == []) if problem is None else (len(problems) == 1 and problem in problems[0]), problems
    assert "outside its validity" in proof.describe() or outside_s is None
