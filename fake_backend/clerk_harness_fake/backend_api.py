"""The Backend API subset SDK servers call (their `CLERK_API_URL` points here), below BAPI_PREFIX.

With `CLERK_JWT_KEY` set an SDK server verifies session tokens without any call; it calls this API to
resolve a handshake nonce, and may fetch the JWKS or a user. Everything else answers a Clerk-shaped 501,
so that an app that needs more says so instead of failing quietly.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Query, Request

from clerk_harness_fake.backend import FAKE_SECRET_KEY, FakeClerk
from clerk_harness_fake.errors import ClerkAPIError, no_route
from clerk_harness_fake.payloads import user_json
from clerk_harness_fake.settings import BAPI_PREFIX


def require_secret_key(request: Request) -> None:
    """SDKs send `Authorization: Bearer <CLERK_SECRET_KEY>`: the one the harness handed to the app."""
    sent = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not secrets.compare_digest(sent.encode(), FAKE_SECRET_KEY.encode()):
        raise ClerkAPIError(
            401,
            "authentication_invalid",
            "The Backend API needs `Authorization: Bearer <secret "
            "key>`, with the CLERK_SECRET_KEY the harness gave the app.",
        )


router = APIRouter(prefix=f"{BAPI_PREFIX}/v1")


def clerk_of(request: Request) -> FakeClerk:
    return request.app.state.clerk


@router.get("/jwks")
async def jwks(request: Request) -> dict[str, Any]:
    require_secret_key(request)
    return clerk_of(request).tokens.jwks()


@router.get("/clients/handshake_payload")
async def handshake_payload(request: Request, nonce: str = Query(min_length=1, max_length=200)) -> dict[str, Any]:
    require_secret_key(request)
    directives = clerk_of(request).handshakes.take(nonce)
    if directives is None:
        raise ClerkAPIError(404, "resource_not_found", "No handshake with this nonce (unknown, used or expired).")
    request.state.journal_note = "handshake payload: " + ", ".join(d.split("=", 1)[0] for d in directives)
    return {"directives": directives}


@router.get("/users/{user_id}")
async def user(request: Request, user_id: str) -> dict[str, Any]:
    require_secret_key(request)
    found = clerk_of(request).state.users.get(user_id)
    if found is None:
        raise ClerkAPIError(404, "resource_not_found", f"No user {user_id!r}.")
    return user_json(found)


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
async def not_in_the_fake(request: Request, rest: str) -> None:
    error = no_route(request, "Backend API route", router.routes)
    if error.status == 405:
        raise error
    raise ClerkAPIError(
        501, "not_implemented_in_fake", f"The fake Backend API does not implement {request.method} /v1/{rest}."
    )
