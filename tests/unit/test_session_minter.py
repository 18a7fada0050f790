"""The fake as a Session Minter instance: the environment says so, the token route mints from the token
in the body (carrying `oiat` forward), `forceOrigin` reads the claims anew, and nothing to mint from is
Clerk's 422 `missing_expired_token`. Off (the default), the route ignores the body."""

from __future__ import annotations

import jwt
import pytest

from tests.unit.test_fapi import TOKENS, assert_clerk_error


@pytest.fixture
def minter(clerk):
    clerk.session_minter = True
    return clerk


def last_token(http) -> tuple[str, str]:
    session = http.get("/__clerk/v1/client").json()["response"]["sessions"][0]
    return session["id"], session["last_active_token"]["jwt"]


def oiat(token: str) -> int | None:
    return jwt.get_unverified_header(token).get("oiat")


def test_the_environment_says_the_minter_is_on(http, minter):
    assert http.get("/__clerk/v1/environment").json()["auth_config"]["session_minter"] is True
    minter.reset()  # a new run starts from the setting: off
    assert http.get("/__clerk/v1/environment").json()["auth_config"]["session_minter"] is False


def test_it_mints_from_the_body_token_and_carries_oiat_forward(http, signed_in, minter):
    sid, seed = last_token(http)
    seeded_at = jwt.decode(seed, options={"verify_signature": False})["iat"]
    minter.clock.advance(30)
    before = int(minter.clock.now())  # the server's clock flows: 30 s on, and whatever real time passed
    first = http.post(TOKENS.format(sid=sid), data={"token": seed, "organizationId": ""})
    assert first.status_code == 200, first.text
    minted = first.json()["jwt"]
    assert oiat(minted) == seeded_at and seeded_at + 30 <= before
    assert before <= jwt.decode(minted, options={"verify_signature": False})["iat"] <= int(minter.clock.now())
    minter.clock.advance(90)  # the seed has expired: the minter still mints from it
    second = http.post(TOKENS.format(sid=sid), data={"token": minted}).json()["jwt"]
    assert oiat(second) == seeded_at
    assert "minted from the body's token" in minter.journal.entries()[-1].note


def test_force_origin_reads_the_claims_anew(http, signed_in, minter):
    sid, seed = last_token(http)
    minter.clock.advance(10)
    before = int(minter.clock.now())  # the server's clock flows: the request may cross a second's boundary
    minted = http.post(TOKENS.format(sid=sid), data={"token": seed, "forceOrigin": "true"}).json()["jwt"]
    assert before <= oiat(minted) <= int(minter.clock.now())


def test_a_release_that_sends_no_token_gets_one_from_the_origin(http, signed_in, minter):
    sid, _ = last_token(http)
    before = int(minter.clock.now())
    answer = http.post(TOKENS.format(sid=sid))
    assert answer.status_code == 200 and before <= oiat(answer.json()["jwt"]) <= int(minter.clock.now())


@pytest.mark.parametrize("body", [{"token": ""}, {"token": "not.a.jwt"}])
def test_a_token_it_cannot_mint_from_is_missing_expired_token(http, signed_in, minter, body):
    sid, _ = last_token(http)
    assert_clerk_error(http.post(TOKENS.format(sid=sid), data=body), 422, "missing_expired_token")


def test_another_sessions_token_is_refused(http, signed_in, minter, user):
    sid, seed = last_token(http)
    foreign = minter.tokens.mint(session_id="sess_other", user_id=user.id, authorized_party=None)
    assert_clerk_error(http.post(TOKENS.format(sid=sid), data={"token": foreign}), 422, "missing_expired_token")


def test_off_the_body_is_ignored_and_no_oiat_is_sent(http, signed_in, clerk):
    sid, _ = last_token(http)
    answer = http.post(TOKENS.format(sid=sid))
    assert answer.status_code == 200 and oiat(answer.json()["jwt"]) is None
