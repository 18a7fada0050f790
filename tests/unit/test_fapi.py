"""The fake Frontend API answers as clerk-js expects (shapes from the reference, §3)."""

from __future__ import annotations

import jwt

TOKENS = "/__clerk/v1/client/sessions/{sid}/tokens"


def assert_clerk_error(answer, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["errors"][0]["code"] == code
    assert set(body["errors"][0]) >= {"code", "message", "long_message", "meta"}
    assert "clerk_trace_id" in body


def test_environment_is_bare_and_complete(http):
    answer = http.get("/__clerk/v1/environment", params={"__clerk_api_version": "x", "_clerk_js_version": "6.1.0"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["object"] == "environment"
    assert body["display_config"]["instance_environment_type"] == "production"
    billing = body["commerce_settings"]["billing"]
    assert billing["user"] == {"enabled": False, "has_paid_plans": False}
    assert answer.headers["cache-control"] == "no-store"


def test_environment_patch_for_development_instances(http):
    assert http.post("/__clerk/v1/environment?_method=PATCH").json()["object"] == "environment"


def test_client_without_cookie_is_null(http):
    assert http.get("/__clerk/v1/client").json() == {"response": None, "client": None}


def test_sign_in_creates_a_session_with_a_token(http, user, clerk):
    answer = http.post(
        "/__clerk/v1/client/sign_ins",
        data={"identifier": user.email, "password": user.password, "strategy": "password"},
    )
    body = answer.json()
    assert body["response"]["status"] == "complete"
    sid = body["response"]["created_session_id"]
    session = body["client"]["sessions"][0]
    assert session["id"] == sid and session["status"] == "active"
    assert session["last_active_token"]["jwt"]
    assert body["client"]["last_active_session_id"] == sid
    assert "httponly" in answer.headers["set-cookie"].lower() and "__client=" in answer.headers["set-cookie"]
    assert clerk.active_sessions()[0].id == sid


def test_client_after_sign_in_carries_last_active_token(http, signed_in):
    client = http.get("/__clerk/v1/client").json()["response"]
    assert client["sessions"][0]["last_active_token"]["jwt"].count(".") == 2
    assert isinstance(client["created_at"], int) and client["created_at"] > 10**12  # milliseconds


def test_wrong_password_is_a_clerk_422(http, user):
    answer = http.post("/__clerk/v1/client/sign_ins", data={"identifier": user.email, "password": "nope"})
    assert_clerk_error(answer, 422, "form_password_incorrect")


def test_unknown_identifier_is_a_clerk_422(http):
    answer = http.post("/__clerk/v1/client/sign_ins", data={"identifier": "who@example.test", "password": "x"})
    assert_clerk_error(answer, 422, "form_identifier_not_found")


def test_malformed_sign_in_is_4xx_not_500(http):
    assert_clerk_error(http.post("/__clerk/v1/client/sign_ins", data={}), 422, "form_param_missing")
    assert_clerk_error(
        http.post(
            "/__clerk/v1/client/sign_ins",
            content=b"\xff\xfe",
            headers={"content-type": "application/x-www-form-urlencoded"},
        ),
        422,
        "form_param_missing",
    )


def test_token_route_answers_a_bare_token(http, signed_in):
    body = http.post(TOKENS.format(sid=signed_in)).json()
    assert set(body) == {"object", "id", "jwt"} and body["object"] == "token"  # TokenJSON


def test_token_claims_are_realistic(http, signed_in, clerk):
    token = http.post(TOKENS.format(sid=signed_in)).json()["jwt"]
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert header["alg"] == "RS256" and header["kid"] == clerk.tokens.kid
    assert {"azp", "exp", "fva", "iat", "iss", "jti", "nbf", "sid", "sts", "sub", "v"} <= set(claims)
    assert claims["exp"] - claims["iat"] == 60
    assert claims["sid"] == signed_in and claims["azp"] == "http://testserver"


def test_sign_out_ends_the_session_and_its_token_route_says_401(http, signed_in):
    answer = http.post("/__clerk/v1/client/sessions?_method=DELETE")
    assert answer.status_code == 200
    assert answer.json()["response"]["sessions"] == [] and answer.json()["client"]["sessions"] == []
    assert_clerk_error(http.post(TOKENS.format(sid=signed_in)), 401, "signed_out")


def test_unknown_session_token_is_401(http, signed_in):
    assert_clerk_error(http.post(TOKENS.format(sid="sess_nope")), 401, "signed_out")


def test_token_route_needs_the_owning_client(http, signed_in):
    http.cookies.clear()
    assert_clerk_error(http.post(TOKENS.format(sid=signed_in)), 401, "signed_out")


def test_touch_returns_session_and_client(http, signed_in):
    body = http.post(f"/__clerk/v1/client/sessions/{signed_in}/touch?_method=PATCH").json()
    assert body["response"]["object"] == "session" and body["client"]["object"] == "client"


def test_a_lagging_touch_answers_with_older_tokens_and_says_so(http, signed_in, clerk):
    import jwt

    def iat(token: str) -> float:
        return jwt.decode(token, options={"verify_signature": False})["iat"]

    clerk.touch_token_lag_s = 43
    body = http.post(f"/__clerk/v1/client/sessions/{signed_in}/touch").json()
    now = clerk.clock.now()
    tokens = [body["response"]["last_active_token"]["jwt"], body["client"]["sessions"][0]["last_active_token"]["jwt"]]
    assert all(abs(iat(token) - (now - 43)) < 2 for token in tokens)
    assert clerk.journal.entries(0)[-1].note == "answered with a token minted 43s ago (touch_token_lag_s)"
    clerk.reset()
    assert clerk.touch_token_lag_s == 0


def test_end_and_remove(http, signed_in, clerk):
    body = http.post(f"/__clerk/v1/client/sessions/{signed_in}/end").json()
    assert body["response"]["status"] == "ended" and body["client"]["sessions"] == []
    assert clerk.state.sessions[signed_in].status == "ended"


def test_unknown_route_is_404_never_401(http):
    for method, path in [
        ("GET", "/__clerk/v1/organizations"),
        ("POST", "/__clerk/v1/client/whatever"),
        ("GET", "/__clerk/nothing"),
    ]:
        assert_clerk_error(http.request(method, path), 404, "resource_not_found")


def test_jwks_is_served_below_the_fapi_host(http, clerk):
    keys = http.get("/__clerk/.well-known/jwks.json").json()["keys"]
    assert keys[0]["kid"] == clerk.tokens.kid and keys[0]["kty"] == "RSA"
    assert http.get("/__clerk/v1/jwks").json() == {"keys": keys}


def test_journal_records_effective_method_and_status(http, signed_in, clerk):
    http.post("/__clerk/v1/client/sessions?_method=DELETE")
    last = clerk.journal.entries()[-1]
    assert (last.method, last.path, last.status) == ("DELETE", "/__clerk/v1/client/sessions", 200)
    assert last.query["_method"] == "DELETE"


def test_malformed_inputs_never_500(http, signed_in):
    attempts = [
        ("POST", "/__clerk/v1/client/sign_ins", {"json": {"identifier": "x"}}),
        (
            "POST",
            "/__clerk/v1/client/sign_ins",
            {
                "content": b"identifier=%ff%fe&password=",
                "headers": {"content-type": "application/x-www-form-urlencoded"},
            },
        ),
        ("POST", "/__clerk/v1/client/sessions/%00/tokens", {}),
        ("POST", "/__clerk/v1/client/sessions?_method=BOGUS", {}),
        ("GET", "/?clerk_js=1.2.3&instance=prod", {}),
        ("GET", "/__harness/journal?since=-4", {}),
        ("GET", "/__harness/journal/wait?count=zero", {}),
        ("POST", "/__harness/clock/advance", {"json": {"seconds": "soon"}}),
        ("POST", "/__harness/faults", {"json": {"path": "no-slash", "action": "drop"}}),
        ("POST", "/__harness/faults/abc/release", {}),
    ]
    for method, path, kwargs in attempts:
        answer = http.request(method, path, **kwargs)
        assert 400 <= answer.status_code < 500, (method, path, answer.status_code, answer.text)
        assert answer.json()["errors"][0]["code"], (method, path)
