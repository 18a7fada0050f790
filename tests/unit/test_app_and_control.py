"""The app under test checks `__session` as an SSR app would; the control API drives the fake."""

from __future__ import annotations

from clerk_harness_fake.tokens import TokenIssuer


def test_page_without_cookie_is_signed_out(http):
    answer = http.get("/")
    assert answer.status_code == 200
    assert 'data-server-auth="signed_out"' in answer.text
    assert 'data-clerk-publishable-key="pk_live_' in answer.text
    assert 'data-clerk-proxy-url="/__clerk"' in answer.text
    assert answer.headers["cache-control"] == "no-store"


def test_page_with_valid_cookie_is_signed_in(http, signed_in, clerk):
    token = http.post(f"/__clerk/v1/client/sessions/{signed_in}/tokens").json()["jwt"]
    http.cookies.set("__session", token)
    assert 'data-server-auth="signed_in"' in http.get("/").text
    me = http.get("/api/me")
    assert me.status_code == 200 and me.json()["session_id"] == signed_in


def test_expired_cookie_needs_refresh(http, signed_in, clerk):
    token = http.post(f"/__clerk/v1/client/sessions/{signed_in}/tokens").json()["jwt"]
    clerk.clock.advance(61 + 5)
    http.cookies.set("__session", token)
    me = http.get("/api/me")
    assert me.status_code == 401 and me.json()["state"] == "needs_refresh"


def test_forged_cookie_is_signed_out(http, signed_in, clerk):
    other = TokenIssuer(clerk.settings.issuer, 60, clerk.clock)
    forged = other.mint(session_id=signed_in, user_id="user_x", authorized_party=None)
    http.cookies.set("__session", forged)
    assert http.get("/api/me").json()["state"] == "signed_out"
    http.cookies.set("__session", "not-a-jwt")
    assert http.get("/api/me").json()["state"] == "signed_out"


def test_page_for_uncached_version_is_a_clear_404(http):
    answer = http.get("/?clerk_js=9.9.9")
    assert answer.status_code == 404 and "clerk-harness setup --clerk-js 9.9.9" in answer.text
    assert http.get("/?clerk_js=../../etc").status_code == 422


def test_bundle_is_served_and_traversal_refused(http):
    assert http.get("/clerk-js/6.1.0/clerk.browser.js").status_code == 200
    assert http.get("/clerk-js/6.1.0/../../secret").status_code == 404
    assert http.get("/clerk-js/6.1.0/%2e%2e/%2e%2e/x").status_code == 404


def test_control_api_users_journal_reset(http, clerk):
    created = http.post("/__harness/users", json={"email": "grace@example.test", "password": "pw"})
    assert created.status_code == 201 and created.json()["id"].startswith("user_")
    assert http.post("/__harness/users", json={"email": "grace@example.test"}).status_code == 422
    assert http.post("/__harness/users", json={"email": "not an email"}).status_code == 422
    http.get("/__clerk/v1/environment")
    entries = http.get("/__harness/journal").json()["entries"]
    assert [e["path"] for e in entries] == ["/__clerk/v1/environment"]  # control calls are not journaled
    assert http.post("/__harness/reset").json() == {"ok": True}
    assert http.get("/__harness/journal").json()["entries"] == []
    assert clerk.state.users == {}


def test_control_api_clock_and_revoke(http, signed_in, clerk):
    before = http.get("/__harness/clock").json()["offset_s"]
    assert http.post("/__harness/clock/advance", json={"seconds": 30}).json()["offset_s"] == before + 30
    assert http.post("/__harness/clock/advance", json={"seconds": -1}).status_code == 422
    assert http.post(f"/__harness/sessions/{signed_in}/revoke").json()["status"] == "revoked"
    assert http.post(f"/__clerk/v1/client/sessions/{signed_in}/tokens").status_code == 401
    assert http.post("/__harness/sessions/sess_nope/revoke").status_code == 404


def test_control_api_rejects_malformed_json(http):
    answer = http.post("/__harness/users", content=b"{not json", headers={"content-type": "application/json"})
    assert answer.status_code == 400 and answer.json()["errors"][0]["message"] == "The request body is not valid JSON."


def test_journal_wait_for_times_out_with_a_clear_message(clerk):
    import pytest

    with pytest.raises(TimeoutError, match="saw 0"):
        clerk.journal.wait_for(lambda e: True, timeout=0.05)


def test_suffixed_session_cookie_is_preferred_as_the_backend_sdks_do(http, signed_in, clerk):
    from clerk_harness_fake.settings import cookie_suffix

    token = http.post(f"/__clerk/v1/client/sessions/{signed_in}/tokens").json()["jwt"]
    assert cookie_suffix(clerk.settings.publishable_key) == "ZX0-H3ow"  # as clerk-js names it in the browser
    http.cookies.set(f"__session_{cookie_suffix(clerk.settings.publishable_key)}", token)
    http.cookies.set("__session", "stale-garbage")
    assert http.get("/api/me").json()["state"] == "signed_in"
