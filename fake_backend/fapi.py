"""The fake Frontend API, mounted below the proxy prefix (`/__clerk/v1/...`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response

from fake_backend.backend import FakeClerk
from fake_backend.errors import ClerkAPIError, no_route
from fake_backend.payloads import client_json, environment_json, session_json, sign_in_json
from fake_backend.ids import new_id
from fake_backend.settings import FAPI_PREFIX
from fake_backend.state import Client, Session

CLIENT_COOKIE = "__client"
router = APIRouter(prefix=f"{FAPI_PREFIX}/v1")
well_known = APIRouter(prefix=FAPI_PREFIX)


def clerk_of(request: Request) -> FakeClerk:
    return request.app.state.clerk


def no_store(response: Response) -> None:
    response.headers["Cache-Control"] = "no-store"


def current_client(request: Request) -> Client | None:
    clerk = clerk_of(request)
    client_id = request.cookies.get(CLIENT_COOKIE)
    return clerk.state.clients.get(client_id) if client_id else None


def piggyback(clerk: FakeClerk, client: Client | None) -> dict[str, Any] | None:
    return client_json(client, clerk.state, clerk.mint_for) if client else None


def session_of_client(request: Request, session_id: str) -> tuple[Client, Session]:
    """The requester's session, or the 401 that makes clerk-js sign out."""
    clerk = clerk_of(request)
    client = current_client(request)
    session = clerk.state.sessions.get(session_id)
    if client is None or session is None or session.client_id != client.id:
        raise ClerkAPIError(401, "signed_out", "Signed out", "This session is not known to this client.")
    if session.status != "active":
        raise ClerkAPIError(401, "signed_out", "Signed out", f"This session is {session.status}.")
    return client, session


@router.get("/environment")
@router.patch("/environment")
def environment(request: Request, response: Response) -> dict[str, Any]:
    """Production instances GET it; development ones (`pk_test_`) PATCH it: answer as each expects."""
    no_store(response)
    return environment_json(clerk_of(request).settings, development=request.method == "PATCH")


@router.post("/dev_browser")
def dev_browser(response: Response) -> dict[str, Any]:
    no_store(response)
    return {"object": "dev_browser", "id": new_id("dvb")}


@router.get("/client")
def get_client(request: Request, response: Response) -> dict[str, Any]:
    no_store(response)
    return {"response": piggyback(clerk_of(request), current_client(request)), "client": None}


@router.put("/client")
def create_client(request: Request, response: Response) -> dict[str, Any]:
    clerk = clerk_of(request)
    client = current_client(request) or clerk.state.new_client(clerk.clock.now_ms())
    set_client_cookie(response, client)
    no_store(response)
    return {"response": piggyback(clerk, client), "client": None}


@router.delete("/client")
def destroy_client(request: Request, response: Response) -> dict[str, Any]:
    clerk = clerk_of(request)
    client = current_client(request)
    if client is not None:
        end_all_sessions(clerk, client)
    no_store(response)
    return {"response": piggyback(clerk, client), "client": None}


def set_client_cookie(response: Response, client: Client) -> None:
    response.set_cookie(CLIENT_COOKIE, client.id, httponly=True, samesite="lax", path="/",
                        max_age=365 * 24 * 3600)


@router.post("/client/sign_ins")
def sign_in(request: Request, response: Response,
            identifier: Annotated[str, Form(min_length=1)],
            password: Annotated[str | None, Form()] = None,
            strategy: Annotated[str | None, Form()] = None) -> dict[str, Any]:
    clerk = clerk_of(request)
    if strategy not in (None, "password"):
        raise ClerkAPIError(422, "strategy_for_user_invalid", f"The strategy {strategy!r} is not supported here.",
                            meta={"param_name": "strategy"})
    user = clerk.state.user_by_email(identifier)
    if user is None:
        raise ClerkAPIError(422, "form_identifier_not_found", "Couldn't find your account.",
                            meta={"param_name": "identifier"})
    if password is None:
        raise ClerkAPIError(422, "form_param_missing", "Enter password.", meta={"param_name": "password"})
    if password != user.password:
        raise ClerkAPIError(422, "form_password_incorrect", "Password is incorrect. Try again, or use another method.",
                            meta={"param_name": "password"})
    now = clerk.clock.now_ms()
    client = current_client(request) or clerk.state.new_client(now)
    session = clerk.state.start_session(client, user, now, clerk.settings.session_lifetime_seconds)
    set_client_cookie(response, client)
    no_store(response)
    return {"response": sign_in_json(identifier, session, now), "client": piggyback(clerk, client)}


@router.post("/client/sessions/{session_id}/tokens")
@router.post("/client/sessions/{session_id}/tokens/{template}")
def session_token(request: Request, response: Response, session_id: str, template: str | None = None) -> dict[str, Any]:
    clerk = clerk_of(request)
    _, session = session_of_client(request, session_id)
    if template is not None:
        raise ClerkAPIError(404, "resource_not_found", f"No JWT template named {template!r}.")
    no_store(response)
    return {"object": "token", "jwt": clerk.mint_for(session)}


@router.post("/client/sessions/{session_id}/touch")
@router.patch("/client/sessions/{session_id}/touch")
def touch(request: Request, response: Response, session_id: str) -> dict[str, Any]:
    clerk = clerk_of(request)
    client, session = session_of_client(request, session_id)
    session.last_active_at_ms = clerk.clock.now_ms()
    no_store(response)
    user = clerk.state.users[session.user_id]
    return {"response": session_json(session, user, clerk.mint_for(session)), "client": piggyback(clerk, client)}


def end_all_sessions(clerk: FakeClerk, client: Client) -> None:
    for session in clerk.state.client_sessions(client):
        clerk.state.set_session_status(session, "ended", clerk.clock.now_ms())


@router.delete("/client/sessions")
def sign_out(request: Request, response: Response) -> dict[str, Any]:
    clerk = clerk_of(request)
    client = current_client(request)
    if client is None:
        raise ClerkAPIError(404, "resource_not_found", "No client to sign out of.")
    end_all_sessions(clerk, client)
    no_store(response)
    body = piggyback(clerk, client)
    return {"response": body, "client": body}


@router.post("/client/sessions/{session_id}/end")
@router.post("/client/sessions/{session_id}/remove")
def end_session(request: Request, response: Response, session_id: str) -> dict[str, Any]:
    clerk = clerk_of(request)
    client, session = session_of_client(request, session_id)
    status = "removed" if request.url.path.endswith("/remove") else "ended"
    clerk.state.set_session_status(session, status, clerk.clock.now_ms())
    no_store(response)
    user = clerk.state.users[session.user_id]
    return {"response": session_json(session, user, None), "client": piggyback(clerk, client)}


@router.get("/jwks")
@well_known.get("/.well-known/jwks.json")
def jwks(request: Request, response: Response) -> dict[str, Any]:
    no_store(response)
    return clerk_of(request).tokens.jwks()


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def not_found(request: Request, rest: str) -> None:
    raise no_route(request, "route", router.routes)


@well_known.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def outside_v1(request: Request, rest: str) -> None:
    raise no_route(request, "route", well_known.routes)
