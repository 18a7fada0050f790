"""The control API (`/__harness/...`): kept apart from the fake FAPI, for tests, the CLI and humans."""

from __future__ import annotations

import html
import secrets
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from clerk_harness_fake.backend import DEFAULT_PASSWORD, FakeClerk
from clerk_harness_fake.errors import ClerkAPIError, no_route
from clerk_harness_fake.faults import MAX_PATTERN
from clerk_harness_fake.settings import CONTROL_PREFIX
from clerk_harness_fake.waiters import until_disconnected


async def require_token(request: Request) -> None:
    """Beyond loopback the control API answers only to the token the server printed at start."""
    token = request.app.state.control_token
    if token is None:
        return
    sent = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not secrets.compare_digest(sent.encode(), token.encode()):
        raise ClerkAPIError(
            401,
            "authentication_invalid",
            "The control API needs the token printed at start (send `Authorization: Bearer TOKEN`).",
        )


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")


async def refuse_other_sites(request: Request) -> None:
    """A web page of another origin can neither drive the fake nor read it: a browser marks its requests
    (`Origin`, `Sec-Fetch-Site`), and a form it posts across sites can only carry a form's content type,
    which no control route takes. curl, the harness and tests send neither mark."""
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    origin = request.headers.get("origin")
    if request.headers.get("sec-fetch-site") in ("cross-site", "same-site") or (origin is not None and origin != own):
        raise ClerkAPIError(
            403,
            "origin_invalid",
            "The control API answers only to its own origin, and to "
            "clients that are no web page (curl, the harness, tests).",
        )
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and content_type in FORM_TYPES:
        raise ClerkAPIError(
            415, "unsupported_media_type", "Control API writes take application/json, or no body at all."
        )


router = APIRouter(prefix=CONTROL_PREFIX, dependencies=[Depends(require_token), Depends(refuse_other_sites)])


def clerk_of(request: Request) -> FakeClerk:
    return request.app.state.clerk


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
async def docs(request: Request) -> HTMLResponse:
    """Every control route with its description, from the OpenAPI schema: one page, nothing fetched."""
    rows = []
    for path, operations in request.app.openapi()["paths"].items():
        if path.startswith(CONTROL_PREFIX) and "{rest" not in path:
            for method, operation in operations.items():
                about = operation.get("description") or operation.get("summary") or ""
                rows.append(
                    f"<tr><td><code>{method.upper()}</code></td><td><code>{html.escape(path)}</code></td>"
                    f"<td>{html.escape(about)}</td></tr>"
                )
    return HTMLResponse(f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fake Clerk: control API</title>
<style>body{{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem}}td{{padding:.2rem .6rem;vertical-align:top}}</style>
</head><body><h1>Control API</h1><p>The fake Frontend API lives below <code>/__clerk</code>; these routes drive it.
The machine-readable schema: <a href="{CONTROL_PREFIX}/openapi.json">openapi.json</a>.</p>
<table>{"".join(rows)}</table></body></html>""")


# Strict types: no bool for a number, no string for a status; text is printable (no NUL, CR or LF).
STRICT = ConfigDict(strict=True)
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


class NewUser(BaseModel):
    model_config = STRICT
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+$")
    password: str = Field(default=DEFAULT_PASSWORD, min_length=1, max_length=256, pattern=PRINTABLE)
    first_name: str = Field(default="Ada", max_length=100, pattern=PRINTABLE)
    last_name: str = Field(default="Lovelace", max_length=100, pattern=PRINTABLE)


class ClockStep(BaseModel):
    model_config = STRICT
    seconds: float = Field(gt=0, le=365 * 24 * 3600)


# Its own router, matched before all others: FastAPI prepares a router's routes when one of them is first
# matched, so the readiness probe answers without waiting for the rest (about 20 ms of a cold start).
readiness = APIRouter(prefix=CONTROL_PREFIX, dependencies=[Depends(require_token), Depends(refuse_other_sites)])


@readiness.get("/health")
async def health(request: Request) -> dict[str, Any]:
    clerk = clerk_of(request)
    return {
        "ok": True,
        "clerk_js_version": clerk.settings.clerk_js_version,
        "publishable_key": clerk.settings.publishable_key,
    }


@router.post("/users", status_code=201)
async def create_user(request: Request, user: NewUser) -> dict[str, Any]:
    try:
        created = clerk_of(request).create_user(user.email, user.password, user.first_name, user.last_name)
    except ValueError as error:
        raise ClerkAPIError(422, "form_identifier_exists", str(error), meta={"param_name": "email"}) from error
    return {"id": created.id, "email": created.email, "password": created.password}


@router.get("/journal")
async def journal(request: Request, since: int = Query(0, ge=0)) -> dict[str, Any]:
    journal = clerk_of(request).journal
    return {"entries": [e.to_dict() for e in journal.entries(since)], "dropped": journal.dropped}


@router.get("/sessions")
async def sessions(request: Request) -> dict[str, Any]:
    clerk = clerk_of(request)
    with clerk.state.lock:
        return {
            "sessions": [
                {"id": s.id, "user_id": s.user_id, "status": s.status, "client_id": s.client_id}
                for s in clerk.state.sessions.values()
            ]
        }


@router.post("/sessions/{session_id}/revoke")
async def revoke(request: Request, session_id: str) -> dict[str, Any]:
    clerk = clerk_of(request)
    if session_id not in clerk.state.sessions:
        raise ClerkAPIError(404, "resource_not_found", f"No session {session_id!r}.")
    session = clerk.revoke_session(session_id)
    return {"id": session.id, "status": session.status}


@router.get("/clock")
async def clock(request: Request) -> dict[str, Any]:
    clerk = clerk_of(request)
    return {"now": clerk.clock.now(), "offset_s": clerk.clock.offset_s}


@router.post("/clock/advance")
async def advance_clock(request: Request, step: ClockStep) -> dict[str, Any]:
    clerk = clerk_of(request)
    clerk.clock.advance(step.seconds)
    return {"now": clerk.clock.now(), "offset_s": clerk.clock.offset_s}


@router.get("/jwks")
async def jwks(request: Request) -> dict[str, Any]:
    return clerk_of(request).tokens.jwks()


@router.get("/env")
async def sdk_env(request: Request) -> dict[str, Any]:
    """The environment variables an SDK server (Express, Next.js) needs to use this fake."""
    return {"env": clerk_of(request).sdk_env()}


class NewFault(BaseModel):
    model_config = STRICT
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] | None = None
    path: str = Field(
        min_length=1,
        max_length=MAX_PATTERN,
        pattern=r"^/",
        description="below /__clerk, e.g. /v1/client/sessions/*/tokens",
    )
    action: Literal["error", "empty_token", "wrapped_token", "latency", "hang", "drop"]
    status: int | None = None
    code: str | None = Field(default=None, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    retry_after: int | None = Field(default=None, ge=0, le=3600)
    delay_s: float | None = Field(default=None, gt=0, le=120)
    then: Literal["answer", "drop"] = "answer"
    times: int | None = Field(default=None, ge=1, le=1_000_000)


class Release(BaseModel):
    model_config = STRICT
    then: Literal["answer", "drop"] | None = None


@router.post("/faults", status_code=201)
async def add_fault(request: Request, fault: NewFault) -> dict[str, Any]:
    faults = clerk_of(request).faults
    try:
        rule = faults.on(fault.method, fault.path, times=fault.times)
        try:
            if fault.action == "error":
                if fault.status is None:
                    raise ValueError("an error fault needs a status")
                rule.error(fault.status, code=fault.code, retry_after=fault.retry_after)
            elif fault.action == "latency":
                if fault.delay_s is None:
                    raise ValueError("a latency fault needs delay_s")
                rule.latency(fault.delay_s)
            elif fault.action == "hang":
                rule.hang(then=fault.then)
            else:
                getattr(rule, fault.action)()
        except ValueError:
            faults.remove(rule.id)
            raise
    except ValueError as error:
        raise ClerkAPIError(422, "form_param_format_invalid", str(error)) from error
    return rule.to_dict()


@router.get("/faults")
async def list_faults(request: Request) -> dict[str, Any]:
    faults = clerk_of(request).faults
    return {"faults": [r.to_dict() for r in faults.rules()], "unmet": [r.id for r in faults.unmet()]}


@router.delete("/faults")
async def clear_faults(request: Request) -> dict[str, Any]:
    clerk_of(request).faults.clear()
    return {"ok": True}


@router.delete("/faults/{rule_id}")
async def remove_fault(request: Request, rule_id: int) -> dict[str, Any]:
    if not clerk_of(request).faults.remove(rule_id):
        raise ClerkAPIError(404, "resource_not_found", f"No fault #{rule_id}.")
    return {"ok": True}


@router.post("/faults/{rule_id}/release")
async def release_fault(request: Request, rule_id: int, release: Release | None = None) -> dict[str, Any]:
    rule = clerk_of(request).faults.get(rule_id)
    if rule is None or rule.latch is None:
        raise ClerkAPIError(404, "resource_not_found", f"No hanging fault #{rule_id}.")
    rule.latch.release(release.then if release else None)
    return rule.to_dict()


@router.get("/journal/wait")
async def wait_for_requests(
    request: Request,
    path: str = Query("/**", pattern=r"^/", max_length=MAX_PATTERN),
    method: str | None = Query(None, max_length=10),
    count: int = Query(1, ge=1, le=10_000),
    since: int = Query(0, ge=0),
    timeout: float = Query(10.0, gt=0, le=120),
) -> dict[str, Any]:
    """Wait until `count` FAPI requests matching `path` (`*` = one segment) have been answered. Waits on
    the event loop (any number of them leave the other routes answering) and ends when the client leaves."""
    clerk = clerk_of(request)
    try:
        hits = await clerk.journal.wait_for_async(
            clerk.request_matcher(method, path),
            count=count,
            since=since,
            timeout=timeout,
            gone=lambda: until_disconnected(request.receive),
        )
    except TimeoutError as error:
        raise ClerkAPIError(408, "request_timeout", str(error)) from error
    except ValueError as error:
        raise ClerkAPIError(422, "form_param_format_invalid", str(error)) from error
    return {"entries": [e.to_dict() for e in hits]}


@router.post("/reset")
async def reset(request: Request) -> dict[str, Any]:
    clerk_of(request).reset()
    return {"ok": True}


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
async def unknown(request: Request, rest: str) -> None:
    raise no_route(request, "control route", [*readiness.routes, *router.routes])
