"""Clerk-shaped error answers: `{"errors": [{code, message, long_message, meta}], "clerk_trace_id"}`."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class ClerkAPIError(Exception):
    def __init__(self, status: int, code: str, message: str, long_message: str | None = None,
                 meta: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.long_message = long_message or message
        self.meta = meta or {}
        self.headers = headers or {}


def error_body(code: str, message: str, long_message: str | None = None,
               meta: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "errors": [{"code": code, "message": message, "long_message": long_message or message, "meta": meta or {}}],
        "clerk_trace_id": secrets.token_hex(16),
    }


def error_response(error: ClerkAPIError) -> JSONResponse:
    headers = {"Cache-Control": "no-store", **error.headers}
    return JSONResponse(error_body(error.code, error.message, error.long_message, error.meta),
                        status_code=error.status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ClerkAPIError)
    async def _clerk_error(_: Request, error: ClerkAPIError) -> JSONResponse:
        return error_response(error)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        name = str(first.get("loc", ["", "param"])[-1])
        missing = first.get("type") == "missing"
        code = "form_param_missing" if missing else "form_param_format_invalid"
        message = f"{name} is missing" if missing else f"{name} is invalid"
        return error_response(ClerkAPIError(422, code, message, meta={"param_name": name}))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, error: Exception) -> JSONResponse:
        # A bug in the fake, not bad input: still answer in Clerk's shape so clerk-js parses it.
        return error_response(ClerkAPIError(500, "internal_clerk_error", f"Fake backend error: {type(error).__name__}"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 404:
            return error_response(ClerkAPIError(404, "resource_not_found", "Resource not found"))
        if error.status_code == 405:
            return error_response(ClerkAPIError(405, "method_not_allowed", "Method not allowed"))
        return error_response(ClerkAPIError(error.status_code, "request_error", str(error.detail)))
