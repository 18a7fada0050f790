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
    for method, path in [("GET", "/__harness/health"), ("POST", "/__harness/reset"), ("GET", "/__harness/docs"),
                         ("POST", "/__harness/clock/advance")]:
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
