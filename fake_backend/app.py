"""App factory: the fake FAPI, the control API and the app pages on one origin."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from clerk_harness_fake import backend_api, control, fapi, pages
from clerk_harness_fake.backend import FakeClerk
from clerk_harness_fake.errors import install_error_handlers
from clerk_harness_fake.handshake import APP_ORIGIN
from clerk_harness_fake.middleware import FaultInjector, HostCheck, JournalRecorder, MethodOverride, RequestLimits
from clerk_harness_fake.settings import BackendSettings


def create_app(clerk: FakeClerk | BackendSettings | None = None, *, control_token: str | None = None,
               any_host: bool = False) -> FastAPI:
    """`control_token`: when set, every control API call must send it (`Authorization: Bearer ...`).
    `any_host`: answer any Host header (a fake bound to every address; see middleware.HostCheck)."""
    if not isinstance(clerk, FakeClerk):
        clerk = FakeClerk(clerk)
    # The docs page is served by the control API itself, with no asset from any CDN.
    app = FastAPI(title="Fake Clerk backend", docs_url=None, redoc_url=None,
                  openapi_url=f"{control.CONTROL_PREFIX}/openapi.json")
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
    app.add_middleware(CORSMiddleware, allow_origin_regex=APP_ORIGIN, allow_credentials=True,
                       allow_methods=["*"], allow_headers=["*"])
    app.add_middleware(HostCheck, clerk=clerk, any_host=any_host)
    app.add_middleware(RequestLimits)
    return app
