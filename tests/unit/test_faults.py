"""Fault injection reads like an expectation and shows in the journal next to the request it hit."""

from __future__ import annotations

import threading

import httpx
import pytest

from clerk_harness_fake import BackendSettings, FakeClerkServer
from clerk_harness_fake.faults import compile_pattern

TOKENS = "/__clerk/v1/client/sessions/{sid}/tokens"


def test_pattern_star_is_one_segment():
    regex = compile_pattern("/v1/client/sessions/*/tokens")
    assert regex.match("/__clerk/v1/client/sessions/sess_1/tokens")
    assert not regex.match("/__clerk/v1/client/sessions/sess_1/tokens/x")
    assert compile_pattern("/__clerk/v1/client").match("/__clerk/v1/client")
    assert compile_pattern("/v1/**").match("/__clerk/v1/client/sessions/a/touch")
    with pytest.raises(ValueError):
        compile_pattern("v1/client")


@pytest.mark.parametrize("status", [401, 403, 422, 429, 500, 502, 503])
def test_error_fault_is_clerk_shaped(http, signed_in, clerk, status):
    clerk.faults.on("POST", "/v1/client/sessions/*/tokens", times=1).error(
        status, retry_after=3 if status == 429 else None
    )
    answer = http.post(TOKENS.format(sid=signed_in))
    assert answer.status_code == status
    assert answer.json()["errors"][0]["code"]
    if status == 429:
        assert answer.headers["retry-after"] == "3"
    assert http.post(TOKENS.format(sid=signed_in)).status_code == 200  # once only
    entry = clerk.journal.entries()[-2]
    assert entry.status == status and entry.fault_id == 1 and "fault #1" in entry.note


def test_times_and_until_cleared(http, signed_in, clerk):
    rule = clerk.faults.on(None, "/v1/client/sessions/*/tokens", times=2).error(503)
    codes = [http.post(TOKENS.format(sid=signed_in)).status_code for _ in range(3)]
    assert codes == [503, 503, 200] and rule.hits == 2 and clerk.faults.unmet() == []
    clerk.faults.on("GET", "/v1/client").error(500)
    assert [http.get("/__clerk/v1/client").status_code for _ in range(3)] == [500, 500, 500]
    clerk.faults.clear()
    assert http.get("/__clerk/v1/client").status_code == 200


def test_unmet_expectations_are_reported(clerk):
    clerk.faults.on("POST", "/v1/client/sessions/*/tokens", times=1).error(429)
    assert [r.id for r in clerk.faults.unmet()] == [1]


def test_empty_and_wrapped_token(http, signed_in, clerk):
    clerk.faults.on("POST", "/v1/client/sessions/*/tokens", times=1).empty_token()
    assert http.post(TOKENS.format(sid=signed_in)).json() == {}
    clerk.faults.on("POST", "/v1/client/sessions/*/tokens", times=1).wrapped_token()
    wrapped = http.post(TOKENS.format(sid=signed_in)).json()
    assert set(wrapped) == {"response"} and wrapped["response"]["object"] == "token"


def test_method_filter_uses_the_effective_method(http, signed_in, clerk):
    clerk.faults.on("DELETE", "/v1/client/sessions", times=1).error(503)
    assert http.post("/__clerk/v1/client/sessions?_method=DELETE").status_code == 503


def test_control_api_faults(http, signed_in, clerk):
    created = http.post(
        "/__harness/faults",
        json={
            "method": "POST",
            "path": "/v1/client/sessions/*/tokens",
            "action": "error",
            "status": 429,
            "retry_after": 1,
            "times": 1,
        },
    )
    assert created.status_code == 201, created.text
    assert http.get("/__harness/faults").json()["unmet"] == [created.json()["id"]]
    assert http.post(TOKENS.format(sid=signed_in)).status_code == 429
    assert http.get("/__harness/faults").json()["unmet"] == []
    bad = http.post("/__harness/faults", json={"path": "/v1/client", "action": "error", "status": 418})
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "form_param_format_invalid"
    assert http.post("/__harness/faults", json={"path": "/v1/client", "action": "explode"}).status_code == 422
    assert http.post("/__harness/faults", json={"path": "/v1/client", "action": "latency"}).status_code == 422
    assert http.get("/__harness/faults").json()["faults"][-1]["id"] == created.json()["id"]
    assert http.delete("/__harness/faults/99").status_code == 404
    assert http.delete("/__harness/faults").json() == {"ok": True}


def test_journal_wait_endpoint(http, signed_in):
    http.post(TOKENS.format(sid=signed_in))
    hits = http.get("/__harness/journal/wait", params={"method": "POST", "path": "/v1/client/sessions/*/tokens"})
    assert hits.status_code == 200 and len(hits.json()["entries"]) == 1
    late = http.get("/__harness/journal/wait", params={"path": "/v1/nothing", "timeout": 0.05})
    assert late.status_code == 408 and late.json()["errors"][0]["code"] == "request_timeout"


@pytest.fixture
def live(tmp_path):
    with FakeClerkServer(BackendSettings(clerk_js_cache=tmp_path)) as server:
        user = server.clerk.create_user()
        client = httpx.Client(base_url=server.origin, timeout=10)
        answer = client.post("/__clerk/v1/client/sign_ins", data={"identifier": user.email, "password": user.password})
        yield server, client, answer.json()["response"]["created_session_id"]
        client.close()


def test_drop_resets_the_connection(live):
    server, client, sid = live
    server.clerk.faults.on("POST", "/v1/client/sessions/*/tokens", times=1).drop()
    with pytest.raises(httpx.TransportError):
        client.post(TOKENS.format(sid=sid))
    assert client.post(TOKENS.format(sid=sid)).status_code == 200
    dropped = server.clerk.journal.wait_for(lambda e: e.status == 0, timeout=5)
    assert len(dropped) == 1 and "drop" in dropped[0].note


@pytest.mark.parametrize("then", ["answer", "drop"])
def test_hang_until_released(live, then):
    server, client, sid = live
    latch = server.clerk.faults.on("POST", "/v1/client/sessions/*/tokens", times=1).hang(then=then)
    outcome: dict = {}

    def call() -> None:
        try:
            outcome["status"] = client.post(TOKENS.format(sid=sid)).status_code
        except httpx.TransportError as error:
            outcome["error"] = type(error).__name__

    caller = threading.Thread(target=call)
    caller.start()
    latch.wait_until_held(1, timeout=5)
    assert not outcome  # still held
    latch.release()
    caller.join(5)
    assert (outcome.get("status") == 200) if then == "answer" else ("error" in outcome)


def test_latency(live):
    server, client, sid = live
    server.clerk.faults.on("POST", "/v1/client/sessions/*/tokens", times=1).latency(0.3)
    assert client.post(TOKENS.format(sid=sid)).status_code == 200
    assert server.clerk.journal.entries()[-1].duration_ms >= 300
