"""App factory: the fake FAPI, the control API and the app pages on one origin."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from clerk_harness_fake import backend_api, control, fapi, pages
from clerk_harness_fake.backend import FakeClerk
from clerk_harness_fake.errors import ClerkAPIError, error_response, install_error_handlers
from clerk_harness_fake.handshake import APP_ORIGIN
from clerk_harness_fake.middleware import FaultInjector, HostCheck, JournalRecorder, MethodOverride, RequestLimits
from clerk_harness_fake.settings import BackendSettings


class ClerkShapedCORS(CORSMiddleware):
    """Starlette's CORS, with its refusal of a preflight in Clerk's error shape (it answers plain text)."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        reason = bytes(response.body).decode("utf-8", "replace")  # "Disallowed CORS origin, method"
        return error_response(ClerkAPIError(400, "cors_preflight_refused", reason))


def create_app(
    clerk: FakeClerk | BackendSettings | None = None, *, control_token: str | None = None, any_host: bool = False
) -> FastAPI:
    """`control_token`: when set, every control API call must send it (`Authorization: Bearer ...`).
    `any_host`: answer any Host header (a fake bound to every address; see middleware.HostCheck)."""
    if not isinstance(clerk, FakeClerk):
        clerk = FakeClerk(clerk)
    # The docs page is served by the control API itself, with no asset from any CDN.
    app = FastAPI(
        title="Fake Clerk backend", docs_url=None, redoc_url=None, openapi_url=f"{control.CONTROL_PREFIX}/openapi.json"
    )
    app.state.clerk = clerk
    app.state.control_token = control_token
    install_error_handlers(app)
    app.include_router(control.readiness)  # first: the readiness probe (a cold start's first answer)
    app.include_router(fapi.router)  # next: clerk-js's calls are most of the traffic, and routes match in order
    app.include_router(control.router)
    app.include_router(fapi.well_known)
    app.include_router(backend_api.router)
    app.include_router(pages.router)
    # Middleware added last runs first: the override rewrites the method before the journal and the
    # fault book see it; the journal wraps fault injection so that injected answers are recorded.
    app.add_middleware(FaultInjector, clerk=clerk)
    app.add_middleware(JournalRecorder, journal=clerk.journal)
    app.add_middleware(MethodOverride)
    # A user's app runs on another loopback port: its clerk-js calls the fake cross-origin, with cookies.
    app.add_middleware(
        ClerkShapedCORS, allow_origin_regex=APP_ORIGIN, allow_credentials=True, allow_methods=["*"], allow_headers=["*"]
    )
    app.add_middleware(HostCheck, clerk=clerk, any_host=any_host)
    app.add_middleware(RequestLimits)
    return app
