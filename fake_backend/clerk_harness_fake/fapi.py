"""The fake Frontend API, mounted below the proxy prefix (`/__clerk/v1/...`)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse

from clerk_harness_fake.backend import FakeClerk
from clerk_harness_fake.client_cookies import client_uat_directives, session_directives
from clerk_harness_fake.errors import ClerkAPIError, no_route
from clerk_harness_fake.handshake import APP_ORIGIN, origin_of, redirect_back
from clerk_harness_fake.https.front import front_host
from clerk_harness_fake.minter import mint_from_body
from clerk_harness_fake.payloads import client_json, environment_json, session_json, sign_in_json, token_json
from clerk_harness_fake.settings import FAPI_PREFIX, NO_STORE
from clerk_harness_fake.state import Client, Session, new_id

CLIENT_COOKIE = "__client"
router = APIRouter(prefix=f"{FAPI_PREFIX}/v1")
well_known = APIRouter(prefix=FAPI_PREFIX)


def clerk_of(request: Request) -> FakeClerk:
    return request.app.state.clerk


def no_store(response: Response) -> None:
    response.headers.update(NO_STORE)


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


async def session_token(request: Request) -> JSONResponse:
    """The hottest route: a plain Starlette route, matched first, with no parameters to solve and no response
    model to validate (about 15 % more token mints a second than as a FastAPI route)."""
    clerk = clerk_of(request)
    _, session = session_of_client(request, request.path_params["session_id"])
    template = request.path_params.get("template")
    if template is not None:
        raise ClerkAPIError(404, "resource_not_found", f"No JWT template named {template!r}.")
    if clerk.session_minter:
        token, note = await mint_from_body(clerk, session, request)
        request.state.journal_note = note
        return JSONResponse(token_json(token), headers=NO_STORE)
    return JSONResponse(token_json(clerk.mint_for(session)), headers=NO_STORE)


router.add_route(f"{router.prefix}/client/sessions/{{session_id}}/tokens", session_token, methods=["POST"])
router.add_route(f"{router.prefix}/client/sessions/{{session_id}}/tokens/{{template}}", session_token, methods=["POST"])


@router.get("/environment")
@router.patch("/environment")
async def environment(request: Request, response: Response) -> dict[str, Any]:
    """Production instances GET it; development ones (`pk_test_`) PATCH it: answer as each expects."""
    no_store(response)
    clerk = clerk_of(request)
    return environment_json(
        clerk.settings,
        development=request.method == "PATCH",
        session_minter=clerk.session_minter,
        partitioned_cookies=clerk.partitioned_cookies,
    )


@router.post("/dev_browser")
async def dev_browser(response: Response) -> dict[str, Any]:
    no_store(response)
    return {"object": "dev_browser", "id": new_id("dvb")}


@router.get("/client")
async def get_client(request: Request, response: Response) -> dict[str, Any]:
    no_store(response)
    clerk, client = clerk_of(request), current_client(request)
    set_client_uat(response, clerk, client, request)
    return {"response": piggyback(clerk, client), "client": None}


@router.get("/client/handshake")
async def handshake(
    request: Request,
    redirect_url: Annotated[str, Query(min_length=1, max_length=4096)],
    suffixed_cookies: bool = True,
    format: str = "nonce",
) -> RedirectResponse:
    """Clerk's handshake for SDK servers: 307 back to `redirect_url` (an app under test, or this origin)
    with directives that set or clear `__session`/`__client_uat`: as a one-time `__clerk_handshake_nonce`
    (the SDK fetches them from the Backend API at CLERK_API_URL), or as a signed `__clerk_handshake` token.

    At the key's own host (the production topology) the token comes back even when the SDK asks for a
    nonce: there the app gets only what every SDK reads, and an SDK may fetch the nonce's payload from the
    Backend API named by the key instead (@clerk/fastify 3.1's middleware ignores CLERK_API_URL), which is
    beyond loopback. Every SDK verifies the token with CLERK_JWT_KEY, so the handshake needs no network.
    A story for an SDK known to honour CLERK_API_URL asks for the nonce everywhere (`handshake_nonce_always`)."""
    clerk = clerk_of(request)
    origin = origin_of(redirect_url)
    if origin is None or not (origin in clerk.app_origins or re.fullmatch(APP_ORIGIN, origin)):
        raise ClerkAPIError(
            400,
            "invalid_redirect_url",
            "redirect_url must be on an app under test (a loopback origin, or one the harness registered).",
            meta={"param_name": "redirect_url"},
        )
    client = current_client(request)
    session = None
    if client is not None and client.last_active_session_id:
        candidate = clerk.state.sessions.get(client.last_active_session_id)
        session = candidate if candidate is not None and candidate.status == "active" else None
    token = clerk.mint_for(session) if session is not None else None
    directives = [
        *session_directives(token, clerk.settings, suffixed=suffixed_cookies),
        *client_uat_directives(client, clerk.state, clerk.settings),
    ]
    reason = request.query_params.get("__clerk_hs_reason", "")
    request.state.journal_note = f"handshake ({reason or 'no reason'}): {'signed in' if token else 'signed out'}"
    if format == "nonce" and (parent_domain(request) is None or clerk.handshake_nonce_always):
        back = redirect_back(redirect_url, clerk.handshakes.issue(directives))
    else:  # see the docstring: the token format, which every SDK verifies with CLERK_JWT_KEY alone
        request.state.journal_note += " (token format)"
        back = redirect_back(redirect_url, clerk.tokens.sign_handshake(directives), parameter="__clerk_handshake")
    return RedirectResponse(back, status_code=307, headers=NO_STORE)


@well_known.get("/npm/@clerk/clerk-js@{spec}/dist/{asset:path}", include_in_schema=False)
async def clerk_js_for_sdks(request: Request, spec: str, asset: str) -> FileResponse:
    """Where SDKs load clerk-js from through a proxy URL. Whatever version or range the SDK asks for, the
    version under test is served (`settings.clerk_js_version`): that is the point of the run."""
    from clerk_harness_fake.pages import serve_bundle_file

    clerk = clerk_of(request)
    return serve_bundle_file(clerk, clerk.settings.clerk_js_version, asset)


@router.put("/client")
async def create_client(request: Request, response: Response) -> dict[str, Any]:
    clerk = clerk_of(request)
    client = current_client(request) or clerk.state.new_client(clerk.clock.now_ms())
    set_client_cookie(response, client, request)
    set_client_uat(response, clerk, client, request)
    no_store(response)
    return {"response": piggyback(clerk, client), "client": None}


@router.delete("/client")
async def destroy_client(request: Request, response: Response) -> dict[str, Any]:
    clerk = clerk_of(request)
    client = current_client(request)
    if client is not None:
        end_all_sessions(clerk, client)
    set_client_uat(response, clerk, client, request)
    no_store(response)
    return {"response": piggyback(clerk, client), "client": None}


def parent_domain(request: Request) -> str | None:
    """`harness.test` when the request came to the Frontend API at the key's host (through the HTTPS
    front), where Clerk sets `__client_uat` on the domain it shares with the app; else None (host-only)."""
    from clerk_harness_fake.settings import FAPI_HOST, HARNESS_DOMAIN

    return HARNESS_DOMAIN if front_host(request.headers) == FAPI_HOST else None


def set_client_cookie(response: Response, client: Client, request: Request) -> None:
    secure = front_host(request.headers) is not None  # over HTTPS: Secure, as Clerk's
    response.set_cookie(
        CLIENT_COOKIE, client.id, httponly=True, samesite="lax", path="/", secure=secure, max_age=365 * 24 * 3600
    )


def set_client_uat(response: Response, clerk: FakeClerk, client: Client | None, request: Request) -> None:
    """As Clerk's FAPI does on every answer about the client: SDK servers read it (see client_cookies).
    At the key's own host (the production topology) it goes on the parent domain, where the app reads it."""
    domain = parent_domain(request)
    for directive in client_uat_directives(client, clerk.state, clerk.settings, domain=domain):
        response.headers.append("set-cookie", directive)


@router.post("/client/sign_ins")
async def sign_in(
    request: Request,
    response: Response,
    identifier: Annotated[str, Form(min_length=1)],
    password: Annotated[str | None, Form()] = None,
    strategy: Annotated[str | None, Form()] = None,
) -> dict[str, Any]:
    clerk = clerk_of(request)
    if strategy not in (None, "password"):
        raise ClerkAPIError(
            422,
            "strategy_for_user_invalid",
            f"The strategy {strategy!r} is not supported here.",
            meta={"param_name": "strategy"},
        )
    user = clerk.state.user_by_email(identifier)
    if user is None:
        raise ClerkAPIError(
            422, "form_identifier_not_found", "Couldn't find your account.", meta={"param_name": "identifier"}
        )
    if password is None:
        raise ClerkAPIError(422, "form_param_missing", "Enter password.", meta={"param_name": "password"})
    if password != user.password:
        raise ClerkAPIError(
            422,
            "form_password_incorrect",
            "Password is incorrect. Try again, or use another method.",
            meta={"param_name": "password"},
        )
    now = clerk.clock.now_ms()
    client = current_client(request) or clerk.state.new_client(now)
    session = clerk.state.start_session(client, user, now, clerk.settings.session_lifetime_seconds)
    set_client_cookie(response, client, request)
    set_client_uat(response, clerk, client, request)
    no_store(response)
    return {"response": sign_in_json(identifier, session, user, now), "client": piggyback(clerk, client)}


@router.post("/client/sessions/{session_id}/touch")
@router.patch("/client/sessions/{session_id}/touch")
async def touch(request: Request, response: Response, session_id: str) -> dict[str, Any]:
    clerk = clerk_of(request)
    client, session = session_of_client(request, session_id)
    session.last_active_at_ms = clerk.clock.now_ms()
    no_store(response)
    user = clerk.state.users[session.user_id]
    lag = clerk.touch_token_lag_s
    if lag:  # a lagging copy of the session answers: the token it holds was minted `lag` seconds ago
        request.state.journal_note = f"answered with a token minted {lag:g}s ago (touch_token_lag_s)"
        issued_at = clerk.clock.now() - lag
        mint = lambda s: clerk.mint_for(s, issued_at=issued_at)
        return {
            "response": session_json(session, user, mint(session)),
            "client": client_json(client, clerk.state, mint),
        }
    return {"response": session_json(session, user, clerk.mint_for(session)), "client": piggyback(clerk, client)}


def end_all_sessions(clerk: FakeClerk, client: Client) -> None:
    for session in clerk.state.client_sessions(client):
        clerk.state.set_session_status(session, "ended", clerk.clock.now_ms())


@router.delete("/client/sessions")
async def sign_out(request: Request, response: Response) -> dict[str, Any]:
    clerk = clerk_of(request)
    client = current_client(request)
    if client is None:
        raise ClerkAPIError(404, "resource_not_found", "No client to sign out of.")
    end_all_sessions(clerk, client)
    set_client_uat(response, clerk, client, request)
    no_store(response)
    body = piggyback(clerk, client)
    return {"response": body, "client": body}


@router.post("/client/sessions/{session_id}/end")
@router.post("/client/sessions/{session_id}/remove")
async def end_session(request: Request, response: Response, session_id: str) -> dict[str, Any]:
    clerk = clerk_of(request)
    client, session = session_of_client(request, session_id)
    status = "removed" if request.url.path.endswith("/remove") else "ended"
    clerk.state.set_session_status(session, status, clerk.clock.now_ms())
    set_client_uat(response, clerk, client, request)
    no_store(response)
    user = clerk.state.users[session.user_id]
    return {"response": session_json(session, user, None), "client": piggyback(clerk, client)}


@router.get("/jwks")
@well_known.get("/.well-known/jwks.json")
async def jwks(request: Request, response: Response) -> dict[str, Any]:
    no_store(response)
    return clerk_of(request).tokens.jwks()


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
async def not_found(request: Request, rest: str) -> None:
    raise no_route(request, "route", router.routes)


@well_known.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
async def outside_v1(request: Request, rest: str) -> None:
    raise no_route(request, "route", well_known.routes)
