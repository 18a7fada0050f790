"""Nothing wedges the fake: many held requests and journal waits leave every route answering at once,
and a held request ends when its client goes away."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from clerk_harness_fake import BackendSettings, FakeClerkServer

HELD = 60  # more than the server's 40 worker threads


@pytest.fixture
def server(tmp_path):
    with FakeClerkServer(BackendSettings(clerk_js_cache=tmp_path)) as running:
        yield running


def raw_request(server: FakeClerkServer, method: str, path: str) -> socket.socket:
    """Send a request and leave its connection open, unread (a browser tab still waiting)."""
    sock = socket.create_connection((server.host, server.port))
    sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: {server.host}\r\nContent-Length: 0\r\n\r\n".encode())
    return sock


def timed(call) -> tuple[float, httpx.Response]:
    started = time.monotonic()
    answer = call()
    return time.monotonic() - started, answer


def test_many_held_requests_and_waits_leave_every_route_answering(server):
    latch = server.clerk.faults.on("POST", "/v1/client/sessions/*/tokens").hang()
    held = [raw_request(server, "POST", "/__clerk/v1/client/sessions/sess_x/tokens") for _ in range(HELD)]
    waits = [raw_request(server, "GET", "/__harness/journal/wait?path=/v1/never&timeout=60") for _ in range(HELD)]
    try:
        latch.wait_until_held(HELD, timeout=10)
        with httpx.Client(base_url=server.origin, timeout=5) as client:
            for call in (
                lambda: client.get("/__harness/health"),
                lambda: client.get("/__clerk/v1/environment"),
                lambda: client.get("/__harness/faults"),
                lambda: client.post("/__harness/users", json={"email": "grace@example.test"}),
            ):
                seconds, answer = timed(call)
                assert answer.status_code < 300 and seconds < 1.0, (answer.status_code, seconds)
            seconds, answer = timed(lambda: client.post("/__harness/faults/1/release"))
            assert answer.status_code == 200 and seconds < 1.0
            server.clerk.wait_for_requests("POST", "/v1/client/sessions/*/tokens", count=HELD, timeout=10)
            seconds, answer = timed(lambda: client.post("/__harness/reset"))
            assert answer.status_code == 200 and seconds < 1.0
    finally:
        for sock in held + waits:
            sock.close()


def test_a_held_request_ends_when_its_client_goes_away(server):
    latch = server.clerk.faults.on("POST", "/v1/client/sessions/*/tokens").hang()
    sock = raw_request(server, "POST", "/__clerk/v1/client/sessions/sess_x/tokens")
    latch.wait_until_held(1, timeout=5)
    sock.close()
    [entry] = server.clerk.wait_for_requests("POST", "/v1/client/sessions/*/tokens", timeout=5)
    assert entry.status == 499 and entry.fault_id is not None and not latch.released


def test_a_journal_wait_ends_when_its_client_goes_away(server):
    sock = raw_request(server, "GET", "/__harness/journal/wait?path=/v1/never&timeout=60")
    with httpx.Client(base_url=server.origin, timeout=5) as client:
        assert client.get("/__harness/health").status_code == 200
    waiters = server.clerk.journal._async_waiters
    assert waiters.wait_for_count(1, timeout=5)
    sock.close()
    assert waiters.wait_for_count(0, timeout=5)
