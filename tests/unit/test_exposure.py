"""The fake listens on loopback unless told otherwise; beyond it, the control API needs a token."""

from __future__ import annotations

import socket

import httpx
import pytest
from fastapi.testclient import TestClient

from clerk_harness_fake import BackendSettings, FakeClerkServer, create_app
from clerk_harness_fake.server import RemoteBindRefused


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "example.test"])
def test_a_bind_beyond_loopback_needs_an_explicit_flag(host):
    with pytest.raises(RemoteBindRefused, match="not a loopback address.*--allow-remote"):
        FakeClerkServer(host=host)


def test_ipv6_loopback_works(tmp_path):
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    with FakeClerkServer(BackendSettings(clerk_js_cache=tmp_path), host="::1") as server:
        assert server.origin.startswith("http://[::1]:") and server.control_token is None
        assert httpx.get(f"{server.origin}/__harness/health").json()["ok"]


@pytest.fixture
def guarded(tmp_path):
    app = create_app(BackendSettings(clerk_js_cache=tmp_path), control_token="s3cret-token")
    with TestClient(app, base_url="http://testserver") as client:
        yield client


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer wrong"}, {"authorization": "s3cret"}])
def test_without_the_token_the_control_api_answers_401(guarded, headers):
    for method, path in [
        ("GET", "/__harness/health"),
        ("POST", "/__harness/reset"),
        ("GET", "/__harness/docs"),
        ("POST", "/__harness/clock/advance"),
    ]:
        answer = guarded.request(method, path, headers=headers)
        assert answer.status_code == 401 and answer.json()["errors"][0]["code"] == "authentication_invalid"


def test_with_the_token_the_control_api_answers(guarded):
    answer = guarded.get("/__harness/health", headers={"authorization": "Bearer s3cret-token"})
    assert answer.status_code == 200
    assert guarded.get("/__clerk/v1/environment").status_code == 200  # the FAPI itself needs no token


def test_the_docs_page_fetches_nothing(http):
    page = http.get("/__harness/docs").text
    assert "/__harness/faults" in page and "/__harness/journal/wait" in page
    assert "<script" not in page and "<link" not in page and "src=" not in page and "cdn" not in page.lower()


@pytest.fixture
def served(tmp_path):
    with FakeClerkServer(BackendSettings(clerk_js_cache=tmp_path)) as server:
        yield server


def test_a_page_that_rebinds_its_own_name_to_loopback_is_refused(served):
    """DNS rebinding: evil.test resolves to 127.0.0.1, so the browser sends `Host: evil.test`; the fake
    answers only the names the harness gave out, whatever the route."""
    for path in ("/__harness/journal", "/__harness/health", "/__clerk/v1/environment", "/"):
        answer = httpx.get(served.origin + path, headers={"host": "evil.test"})
        assert answer.status_code == 421 and answer.json()["errors"][0]["code"] == "host_invalid", path
    for host in (f"127.0.0.1:{served.port}", f"localhost:{served.port}", "app.harness.test", "clerk.harness.test:443"):
        assert httpx.get(served.origin + "/__harness/health", headers={"host": host}).status_code == 200, host


@pytest.mark.parametrize(
    "method, path, kwargs",
    [
        ("POST", "/__harness/reset", {"data": {"x": "1"}}),  # a cross-site <form> post needs no preflight
        ("POST", "/__harness/sessions/sess_x/revoke", {"content": b"", "headers": {"content-type": "text/plain"}}),
        ("GET", "/__harness/journal", {}),  # a cross-origin read: the journal holds session tokens
    ],
)
def test_a_page_of_another_origin_can_neither_drive_nor_read_the_control_api(served, method, path, kwargs):
    headers = {**kwargs.pop("headers", {}), "origin": "http://evil.test"}
    answer = httpx.request(method, served.origin + path, headers=headers, **kwargs)
    assert answer.status_code == 403 and answer.json()["errors"][0]["code"] == "origin_invalid"
    site = httpx.request(method, served.origin + path, headers={"sec-fetch-site": "cross-site"})
    assert site.status_code == 403


def test_the_own_origin_and_clients_that_are_no_page_still_drive_it(served):
    assert httpx.post(served.origin + "/__harness/reset", headers={"origin": served.origin}).json() == {"ok": True}
    assert httpx.post(served.origin + "/__harness/reset").json() == {"ok": True}  # curl: no Origin
    form = httpx.post(served.origin + "/__harness/reset", data={"x": "1"})  # a form's type, even without Origin
    assert form.status_code == 415


def test_headers_are_capped_and_the_fapi_prefix_is_told_apart(served):
    answer = httpx.get(served.origin + "/__harness/health", headers={"x-big": "a" * 40_000})
    assert answer.status_code == 431 and answer.json()["errors"][0]["code"] == "request_header_fields_too_large"
    httpx.post(served.origin + "/__harness/faults", json={"path": "/**", "action": "error", "status": 500})
    assert httpx.get(served.origin + "/__clerk_api/v1/environment").status_code == 501  # the BAPI: no fault
    assert httpx.get(served.origin + "/__clerk/v1/environment").status_code == 500
