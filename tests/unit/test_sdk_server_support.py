"""What SDK servers need from the fake: `__client_uat`, the handshake, a Backend API subset, and clerk-js
at the path SDKs load it from through a proxy URL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import jwt

from clerk_harness_fake.backend import FAKE_SECRET_KEY
from clerk_harness_fake.settings import cookie_suffix

APP = "http://127.0.0.1:5555"
BAPI = {"authorization": f"Bearer {FAKE_SECRET_KEY}"}


def uat_cookies(answer) -> dict[str, str]:
    lines = answer.headers.get_list("set-cookie")
    return {
        line.split("=", 1)[0]: line.split("=", 1)[1].split(";")[0] for line in lines if line.startswith("__client_uat")
    }


def test_client_uat_is_set_on_answers_about_the_client(http, user, clerk):
    suffix = cookie_suffix(clerk.settings.publishable_key)
    before = uat_cookies(http.get("/__clerk/v1/client"))
    assert before == {"__client_uat": "0", f"__client_uat_{suffix}": "0"}
    signed_in = http.post("/__clerk/v1/client/sign_ins", data={"identifier": user.email, "password": user.password})
    uat = uat_cookies(signed_in)
    assert int(uat["__client_uat"]) > 0 and uat[f"__client_uat_{suffix}"] == uat["__client_uat"]
    assert "httponly" not in ";".join(signed_in.headers.get_list("set-cookie")).split("__client_uat")[1].lower()
    assert uat_cookies(http.post("/__clerk/v1/client/sessions?_method=DELETE"))["__client_uat"] == "0"


def handshake(http, redirect_url: str = APP + "/dashboard?x=1"):
    return http.get(
        "/__clerk/v1/client/handshake",
        params={
            "redirect_url": redirect_url,
            "format": "nonce",
            "suffixed_cookies": "true",
            "__clerk_hs_reason": "session-token-expired",
            "__clerk_api_version": "2025-11-10",
        },
        follow_redirects=False,
    )


def test_a_handshake_for_a_signed_in_client_hands_over_a_fresh_session(http, signed_in, clerk):
    clerk.app_origins.append(APP)
    answer = handshake(http)
    assert answer.status_code == 307
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == APP + "/dashboard"
    query = parse_qs(location.query)
    assert query["x"] == ["1"]
    payload = http.get(
        "/__clerk_api/v1/clients/handshake_payload", params={"nonce": query["__clerk_handshake_nonce"][0]}, headers=BAPI
    )
    directives = payload.json()["directives"]
    names = [d.split("=", 1)[0] for d in directives]
    suffix = cookie_suffix(clerk.settings.publishable_key)
    assert names == ["__session", f"__session_{suffix}", "__client_uat", f"__client_uat_{suffix}"]
    token = directives[0].split("=", 1)[1].split(";")[0]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sid"] == signed_in and claims["azp"] == APP and clerk.verify(token).state == "signed_in"
    again = http.get(
        "/__clerk_api/v1/clients/handshake_payload", params={"nonce": query["__clerk_handshake_nonce"][0]}, headers=BAPI
    )
    assert again.status_code == 404  # one-time
    assert "handshake (session-token-expired): signed in" in clerk.journal.entries()[-3].note


def test_a_handshake_without_a_session_clears_the_cookies(http, clerk):
    clerk.app_origins.append(APP)
    nonce = parse_qs(urlsplit(handshake(http).headers["location"]).query)["__clerk_handshake_nonce"][0]
    directives = http.get("/__clerk_api/v1/clients/handshake_payload", params={"nonce": nonce}, headers=BAPI).json()
    assert [d for d in directives["directives"] if d.startswith("__session=")] == [
        "__session=; Path=/; Max-Age=0; SameSite=Lax"
    ]
    assert any(d.startswith("__client_uat=0;") for d in directives["directives"])


def test_a_handshake_never_redirects_elsewhere(http, clerk):
    clerk.app_origins.append(APP)
    for url in (
        "https://evil.example/",
        "javascript:alert(1)",
        "/relative",
        "http://10.0.0.1:6666/",
        "http://127.0.0.1.evil.example:80/",
    ):
        answer = handshake(http, url)
        assert answer.status_code == 400 and answer.json()["errors"][0]["code"] == "invalid_redirect_url"


def test_the_backend_api_subset(http, user, clerk):
    assert http.get("/__clerk_api/v1/jwks").status_code == 401
    assert http.get("/__clerk_api/v1/jwks", headers=BAPI).json() == clerk.tokens.jwks()
    found = http.get(f"/__clerk_api/v1/users/{user.id}", headers=BAPI).json()
    assert found["id"] == user.id and found["email_addresses"][0]["email_address"] == user.email
    missing = http.get("/__clerk_api/v1/organizations", headers=BAPI)
    assert missing.status_code == 501 and missing.json()["errors"][0]["code"] == "not_implemented_in_fake"
    assert "BEGIN PUBLIC KEY" in clerk.tokens.public_key_pem()


def test_sdks_get_the_version_under_test_whatever_they_ask_for(http, clerk):
    for spec in ("5", "6", "latest", "6.0.0"):
        answer = http.get(f"/__clerk/npm/@clerk/clerk-js@{spec}/dist/clerk.browser.js")
        assert answer.status_code == 200 and answer.text == "window.Clerk = {};"
    assert http.get("/__clerk/npm/@clerk/clerk-js@6/dist/../../../etc/passwd").status_code == 404


def test_the_backend_api_takes_only_the_secret_key_the_harness_handed_out(http):
    for authorization in ("", "Bearer ", "Bearer sk_live_someone_elses", f"Bearer {FAKE_SECRET_KEY}x"):
        answer = http.get("/__clerk_api/v1/jwks", headers={"authorization": authorization})
        assert answer.status_code == 401 and answer.json()["errors"][0]["code"] == "authentication_invalid"
    assert http.get("/__clerk_api/v1/jwks", headers=BAPI).json()["keys"]


def test_a_fault_on_the_backend_apis_payload_route_answers_the_sdk_clerk_shaped(http, signed_in, clerk):
    """The handshake-payload-down scenario's fault: a pattern under the Backend API's prefix matches there
    (and nowhere in the Frontend API), and the SDK's fetch gets a Clerk-shaped 503, noted in the journal."""
    clerk.app_origins.append(APP)
    rule = clerk.faults.on("GET", "/__clerk_api/v1/clients/handshake_payload").error(503)
    assert not rule.matches("GET", "/__clerk/v1/clients/handshake_payload")
    nonce = parse_qs(urlsplit(handshake(http).headers["location"]).query)["__clerk_handshake_nonce"][0]
    answer = http.get("/__clerk_api/v1/clients/handshake_payload", params={"nonce": nonce}, headers=BAPI)
    assert answer.status_code == 503 and answer.json()["errors"][0]["code"] == "service_unavailable"
    assert rule.hits == 1 and clerk.journal.entries()[-1].faulted


def test_at_the_keys_own_host_a_handshake_answers_with_a_nonce_only_when_told(http, clerk):
    """An SDK that fetches the payload from CLERK_API_URL gets a nonce everywhere once a story says so."""
    from clerk_harness_fake.settings import FAPI_HOST

    clerk.app_origins.append(APP)
    at_the_keys_host = {"host": FAPI_HOST, "x-forwarded-proto": "https"}

    def answer() -> dict[str, list[str]]:
        redirect = http.get(
            "/__clerk/v1/client/handshake",
            params={"redirect_url": APP + "/", "format": "nonce"},
            headers=at_the_keys_host,
            follow_redirects=False,
        )
        return parse_qs(urlsplit(redirect.headers["location"]).query)

    assert "__clerk_handshake" in answer()  # the signed token, which every SDK verifies without a network
    clerk.handshake_nonce_always = True
    assert "__clerk_handshake_nonce" in answer()
    clerk.reset()
    assert not clerk.handshake_nonce_always
