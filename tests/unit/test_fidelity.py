"""The fake Frontend API answers in the shapes clerk-js is compiled against: every answer on the sign-in,
token, touch, sign-out, revoked and error paths, on a live and a development instance, is checked
against @clerk/shared's JSON types (tools/clerk-types, turned into JSON Schema at set-up), for the
declared types and for every declared field (see tests/clerk_types.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clerk_harness_fake import FakeClerk, create_app, modelled_instance, payloads
from tests.clerk_types import LEFT_OUT, NULL_ON_THE_WIRE, pinned_version, shape_errors, unsent_fields

API = "/__clerk/v1"
QUERY = {"__clerk_api_version": "2025-11-10", "_clerk_js_version": "6.40.0"}
Answers = list[tuple[str, str, Any]]  # (where it was answered, the type it must have, the JSON)


@pytest.fixture(params=["live", "test"], ids=["live instance", "development instance"])
def instance_http(request, clerk: FakeClerk) -> Iterator[tuple[FakeClerk, TestClient]]:
    clerk.settings = replace(clerk.settings, instance=request.param)
    clerk.origin = "http://testserver"
    with TestClient(create_app(clerk), base_url="http://testserver") as client:
        yield clerk, client


def envelope(answers: Answers, where: str, body: dict[str, Any], response_type: str | None) -> None:
    """A FAPI answer: `response` (of `response_type`) and the piggybacked `client` (a ClientJSON or null)."""
    if response_type is not None:
        answers.append((where + " response", response_type, body["response"]))
    if body.get("client") is not None:
        answers.append((where + " client", "ClientJSON", body["client"]))


def errors_of(answers: Answers, where: str, answer, status: int) -> None:
    assert answer.status_code == status, (where, answer.text)
    for index, error in enumerate(answer.json()["errors"]):
        answers.append((f"{where} errors[{index}]", "ClerkAPIErrorJSON", error))


def walk_every_path(clerk: FakeClerk, http: TestClient) -> Answers:
    """What clerk-js meets from its load to a revoked session, as a user's session goes."""
    answers: Answers = []
    user = clerk.create_user("ada@example.test", "s3cret-pass")
    answers.append(("GET /environment", "EnvironmentJSON", http.get(f"{API}/environment", params=QUERY).json()))
    answers.append(
        (
            "PATCH /environment",
            "EnvironmentJSON",
            http.post(f"{API}/environment", params={**QUERY, "_method": "PATCH"}).json(),
        )
    )
    errors_of(
        answers,
        "sign-in with a wrong password",
        http.post(f"{API}/client/sign_ins", params=QUERY, data={"identifier": user.email, "password": "nope"}),
        422,
    )
    errors_of(
        answers,
        "sign-in of an unknown user",
        http.post(f"{API}/client/sign_ins", params=QUERY, data={"identifier": "who@example.test", "password": "x"}),
        422,
    )
    signed_in = http.post(
        f"{API}/client/sign_ins",
        params=QUERY,
        data={"identifier": user.email, "password": user.password, "strategy": "password"},
    ).json()
    envelope(answers, "POST /client/sign_ins", signed_in, "SignInJSON")
    sid = signed_in["response"]["created_session_id"]
    envelope(answers, "GET /client", http.get(f"{API}/client", params=QUERY).json(), "ClientJSON")
    answers.append(("POST tokens", "TokenJSON", http.post(f"{API}/client/sessions/{sid}/tokens", params=QUERY).json()))
    envelope(answers, "POST touch", http.post(f"{API}/client/sessions/{sid}/touch", params=QUERY).json(), "SessionJSON")
    envelope(answers, "POST end", http.post(f"{API}/client/sessions/{sid}/end", params=QUERY).json(), "SessionJSON")
    errors_of(
        answers, "tokens of an ended session", http.post(f"{API}/client/sessions/{sid}/tokens", params=QUERY), 401
    )
    again = http.post(
        f"{API}/client/sign_ins",
        params=QUERY,
        data={"identifier": user.email, "password": user.password, "strategy": "password"},
    ).json()
    sid = again["response"]["created_session_id"]
    envelope(
        answers,
        "DELETE /client/sessions (sign-out)",
        http.delete(f"{API}/client/sessions", params=QUERY).json(),
        "ClientJSON",
    )
    again = http.post(
        f"{API}/client/sign_ins",
        params=QUERY,
        data={"identifier": user.email, "password": user.password, "strategy": "password"},
    ).json()
    sid = again["response"]["created_session_id"]
    clerk.revoke_session(sid)
    envelope(answers, "GET /client after a revocation", http.get(f"{API}/client", params=QUERY).json(), "ClientJSON")
    errors_of(
        answers, "tokens of a revoked session", http.post(f"{API}/client/sessions/{sid}/tokens", params=QUERY), 401
    )
    again = http.post(
        f"{API}/client/sign_ins",
        params=QUERY,
        data={"identifier": user.email, "password": user.password, "strategy": "password"},
    ).json()
    envelope(
        answers,
        "POST remove",
        http.post(f"{API}/client/sessions/{again['response']['created_session_id']}/remove", params=QUERY).json(),
        "SessionJSON",
    )
    envelope(answers, "PUT /client", http.put(f"{API}/client", params=QUERY).json(), "ClientJSON")
    envelope(answers, "DELETE /client", http.delete(f"{API}/client", params=QUERY).json(), "ClientJSON")
    errors_of(answers, "an unknown route", http.get(f"{API}/nowhere", params=QUERY), 404)
    return answers


def test_every_answer_has_the_shape_clerk_js_types_declare(instance_http):
    clerk, http = instance_http
    answers = walk_every_path(clerk, http)
    assert {kind for _, kind, _ in answers} == {
        "EnvironmentJSON",
        "ClientJSON",
        "SessionJSON",
        "SignInJSON",
        "TokenJSON",
        "ClerkAPIErrorJSON",
    }
    sessions = [s for _, kind, body in answers if kind == "ClientJSON" for s in body["sessions"]]
    sessions += [body for _, kind, body in answers if kind == "SessionJSON"]
    assert {s["status"] for s in sessions} == {
        "active",
        "ended",
        "removed",
    }  # a revoked one leaves the client: its token is a 401
    assert any(s["last_active_token"] is None for s in sessions), "an ended session, without a token, is covered"
    problems = [
        f"{where}: {problem}"
        for where, kind, body in answers
        for problem in shape_errors(kind, body) + unsent_fields(kind, body)
    ]
    assert not problems, "\n".join(problems)


def test_a_required_field_the_fake_drops_is_named(http, monkeypatch):
    """The contract fails the day the fake stops sending a field the types require."""
    from clerk_harness_fake import fapi

    original = fapi.environment_json
    monkeypatch.setattr(
        fapi,
        "environment_json",
        lambda *a, **k: {key: v for key, v in original(*a, **k).items() if key != "maintenance_mode"},
    )
    body = http.get(f"{API}/environment", params=QUERY).json()
    assert shape_errors("EnvironmentJSON", body) == [
        "EnvironmentJSON.(root): 'maintenance_mode' is a required property"
    ]
    assert unsent_fields("EnvironmentJSON", body) == ["EnvironmentJSON.maintenance_mode (at the top)"]


def test_an_optional_field_the_fake_does_not_send_is_named_too(clerk):
    """What a newer @clerk/shared adds shows up the same way: its name, and where in the answer."""
    body = payloads.environment_json(clerk.settings)
    del body["client_debug_mode"], body["display_config"]["clerk_js_version"]
    assert shape_errors("EnvironmentJSON", body) == []  # both are optional
    assert unsent_fields("EnvironmentJSON", body) == [
        "EnvironmentJSON.client_debug_mode (at the top)",
        "DisplayConfigJSON.clerk_js_version (at display_config)",
    ]


def test_a_field_of_the_wrong_type_is_named(clerk):
    body = payloads.environment_json(clerk.settings)
    body["display_config"]["support_email"] = None
    assert shape_errors("EnvironmentJSON", body) == [
        "EnvironmentJSON.display_config.support_email: None is not of type 'string'"
    ]


def test_the_fake_says_which_types_it_was_checked_against_and_tools_pin_the_same():
    assert modelled_instance.TYPES_PACKAGE == "@clerk/shared"
    assert modelled_instance.TYPES_CHECKED == pinned_version(), (
        "tools/clerk-types pins other types than modelled_instance.TYPES_CHECKED names: check the fake against them"
    )


def test_every_exception_to_the_types_says_why():
    for table in (LEFT_OUT, NULL_ON_THE_WIRE):
        for owner, fields in table.items():
            assert fields and all(len(reason) > 20 for reason in fields.values()), owner


@pytest.mark.parametrize("newest, behind", [("4.41.0", False), ("4.42.0", True), ("4.40.9", False)])
def test_versions_says_when_npm_has_newer_types_than_the_fake_knows(monkeypatch, newest, behind):
    from clerk_harness.releases import clerk_js

    asked = []
    monkeypatch.setattr(clerk_js, "_npm", lambda *args: asked.append(args) or f'"{newest}"')
    monkeypatch.setattr(modelled_instance, "TYPES_CHECKED", "4.41.0")
    line = clerk_js.types_note()
    assert asked == [("view", "@clerk/shared", "version", "--json")]
    assert line.startswith(f"Clerk's types (@clerk/shared): the fake answers as 4.41.0 declares; npm latest {newest}")
    assert ("newer than the fake knows" in line) == behind


def test_a_session_minter_instance_answers_in_the_declared_shapes(clerk):
    """The Session Minter on: the environment, a token minted from the body's token (and one from the
    origin), and the 422 `missing_expired_token` are each of the declared type."""
    clerk.session_minter = True
    clerk.origin = "http://testserver"
    with TestClient(create_app(clerk), base_url="http://testserver") as http:
        user = clerk.create_user("ada@example.test", "s3cret-pass")
        answers: Answers = [
            ("GET /environment", "EnvironmentJSON", http.get(f"{API}/environment", params=QUERY).json())
        ]
        assert answers[0][2]["auth_config"]["session_minter"] is True
        signed_in = http.post(
            f"{API}/client/sign_ins",
            params=QUERY,
            data={"identifier": user.email, "password": user.password, "strategy": "password"},
        ).json()
        sid = signed_in["response"]["created_session_id"]
        seed = signed_in["client"]["sessions"][0]["last_active_token"]["jwt"]
        tokens = f"{API}/client/sessions/{sid}/tokens"
        answers.append(
            ("POST tokens (token=)", "TokenJSON", http.post(tokens, params=QUERY, data={"token": seed}).json())
        )
        answers.append(
            (
                "POST tokens (forceOrigin)",
                "TokenJSON",
                http.post(tokens, params=QUERY, data={"token": seed, "forceOrigin": "true"}).json(),
            )
        )
        errors_of(
            answers,
            "POST tokens with a token it cannot mint from",
            http.post(tokens, params=QUERY, data={"token": "not.a.jwt"}),
            422,
        )
    problems = [
        f"{where}: {problem}"
        for where, kind, body in answers
        for problem in shape_errors(kind, body) + unsent_fields(kind, body)
    ]
    assert not problems, "\n".join(problems)


def test_a_partitioned_instance_says_so_in_its_environment_and_a_run_resets_it(instance_http):
    clerk, http = instance_http
    assert http.get(f"{API}/environment", params=QUERY).json()["partitioned_cookies"] is False
    clerk.partitioned_cookies = True  # a run's setting (the partitioned-late scenario's)
    body = http.get(f"{API}/environment", params=QUERY).json()
    assert body["partitioned_cookies"] is True and shape_errors("EnvironmentJSON", body) == []
    clerk.reset()
    assert http.get(f"{API}/environment", params=QUERY).json()["partitioned_cookies"] is False
