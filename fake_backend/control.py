"""The control API (`/__harness/...`): kept apart from the fake FAPI, for tests, the CLI and humans."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from fake_backend.backend import DEFAULT_PASSWORD, FakeClerk
from fake_backend.errors import ClerkAPIError
from fake_backend.settings import CONTROL_PREFIX

router = APIRouter(prefix=CONTROL_PREFIX)


def clerk_of(request: Request) -> FakeClerk:
    return request.app.state.clerk


class NewUser(BaseModel):
    email: str = Field(min_length=3, pattern=r"^[^@\s]+@[^@\s]+$")
    password: str = Field(default=DEFAULT_PASSWORD, min_length=1)
    first_name: str = "Ada"
    last_name: str = "Lovelace"


class ClockStep(BaseModel):
    seconds: float = Field(gt=0, le=365 * 24 * 3600)


@router.get("/health")
def health(request: Request) -> dict[str, Any]:
    clerk = clerk_of(request)
    return {"ok": True, "clerk_js_version": clerk.settings.clerk_js_version,
            "publishable_key": clerk.settings.publishable_key}


@router.post("/users", status_code=201)
def create_user(request: Request, user: NewUser) -> dict[str, Any]:
    try:
        created = clerk_of(request).create_user(user.email, user.password, user.first_name, user.last_name)
    except ValueError as error:
        raise ClerkAPIError(422, "form_identifier_exists", str(error), meta={"param_name": "email"}) from error
    return {"id": created.id, "email": created.email, "password": created.password}


@router.get("/journal")
def journal(request: Request, since: int = Query(0, ge=0)) -> dict[str, Any]:
    entries = clerk_of(request).journal.entries(since)
    return {"entries": [e.to_dict() for e in entries]}


@router.get("/sessions")
def sessions(request: Request) -> dict[str, Any]:
    clerk = clerk_of(request)
    with clerk.state.lock:
        return {"sessions": [{"id": s.id, "user_id": s.user_id, "status": s.status, "client_id": s.client_id}
                             for s in clerk.state.sessions.values()]}


@router.post("/sessions/{session_id}/revoke")
def revoke(request: Request, session_id: str) -> dict[str, Any]:
    clerk = clerk_of(request)
    if session_id not in clerk.state.sessions:
        raise ClerkAPIError(404, "resource_not_found", f"No session {session_id!r}.")
    session = clerk.revoke_session(session_id)
    return {"id": session.id, "status": session.status}


@router.get("/clock")
def clock(request: Request) -> dict[str, Any]:
    clerk = clerk_of(request)
    return {"now": clerk.clock.now(), "offset_s": clerk.clock.offset_s}


@router.post("/clock/advance")
def advance_clock(request: Request, step: ClockStep) -> dict[str, Any]:
    clerk = clerk_of(request)
    clerk.clock.advance(step.seconds)
    return {"now": clerk.clock.now(), "offset_s": clerk.clock.offset_s}


@router.get("/jwks")
def jwks(request: Request) -> dict[str, Any]:
    return clerk_of(request).tokens.jwks()


@router.post("/reset")
def reset(request: Request) -> dict[str, Any]:
    clerk_of(request).reset()
    return {"ok": True}


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str) -> None:
    raise ClerkAPIError(404, "resource_not_found", f"No control route /{rest}.")
