"""Clerk-shaped error answers: `{"errors": [{code, message, long_message, meta}], "clerk_trace_id"}`."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from clerk_harness_fake.settings import NO_STORE


def no_route(request: Request, what: str, routes: list) -> ClerkAPIError:
    """For a router's catch-all route: 405 (with `Allow`) when one of `routes` has this path for other
    methods, else 404."""
    allowed = sorted(
        {
            method
            for route in routes
            if isinstance(route, Route)
            and route.methods
            and "{rest:path}" not in route.path
            and route.path_regex.match(request.url.path)
            for method in route.methods
        }
    )
    if allowed:
        return ClerkAPIError(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed on {request.url.path}.",
            headers={"Allow": ", ".join(allowed)},
        )
    return ClerkAPIError(404, "resource_not_found", f"No {what} {request.url.path}.")


class ClerkAPIError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        long_message: str | None = None,
        meta: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.long_message = long_message or message
        self.meta = meta or {}
        self.headers = headers or {}


def error_body(
    code: str, message: str, long_message: str | None = None, meta: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "errors": [{"code": code, "message": message, "long_message": long_message or message, "meta": meta or {}}],
        "clerk_trace_id": secrets.token_hex(16),
    }


def error_response(error: ClerkAPIError) -> JSONResponse:
    headers = {**NO_STORE, **error.headers}
    return JSONResponse(
        error_body(error.code, error.message, error.long_message, error.meta), status_code=error.status, headers=headers
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ClerkAPIError)
    async def _clerk_error(_: Request, error: ClerkAPIError) -> JSONResponse:
        return error_response(error)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        if first.get("type") == "json_invalid":
            return error_response(ClerkAPIError(400, "malformed_request", "The request body is not valid JSON."))
        location = [str(part) for part in first.get("loc", ["body", "param"])]
        name = location[-1] if location[-1] not in ("body", "query") else "body"
        missing = first.get("type") == "missing"
        code = "form_param_missing" if missing else "form_param_format_invalid"
        detail = str(first.get("msg", "")).removeprefix("Value error, ")
        message = f"{name} is missing" if missing else f"{name} is invalid: {detail}"
        return error_response(ClerkAPIError(422, code, message[:300], meta={"param_name": name}))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, error: Exception) -> JSONResponse:
        # A bug in the fake, not bad input: still answer in Clerk's shape so clerk-js parses it.
        return error_response(ClerkAPIError(500, "internal_clerk_error", f"Fake backend error: {type(error).__name__}"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 404:
            return error_response(ClerkAPIError(404, "resource_not_found", "Resource not found"))
        if error.status_code == 405:  # Starlette names the allowed methods in its `Allow` header: keep it
            allow = {"Allow": error.headers["Allow"]} if error.headers and "Allow" in error.headers else {}
            return error_response(ClerkAPIError(405, "method_not_allowed", "Method not allowed", headers=allow))
        return error_response(ClerkAPIError(error.status_code, "request_error", str(error.detail)))
