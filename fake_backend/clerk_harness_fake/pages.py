"""The app under test, on the same origin as the fake FAPI: a server-rendered page and an API route.

Both check the `__session` cookie the way an SSR app with Clerk's backend SDK would.
"""

from __future__ import annotations

import html
import re
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from clerk_harness_fake.backend import FakeClerk
from clerk_harness_fake.errors import ClerkAPIError
from clerk_harness_fake.https.front import front_host
from clerk_harness_fake.settings import (
    APP_HOST,
    CLEARING_PAGE,
    CLEARING_PATH,
    FAPI_PREFIX,
    NO_STORE,
    cookie_suffix,
    publishable_key,
)
from clerk_harness_fake.tokens import TokenCheck

router = APIRouter()
VERSION_PATTERN = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]+)?$")  # ASCII digits only
# A bundle at a URL that names its version never changes: the browser may keep it (reloads then parse it
# from the code cache instead of downloading megabytes again). Pages and the API stay no-store.
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
REVALIDATE = {"Cache-Control": "no-cache"}  # asked again on each load, and a page the browser may keep
PAGE = Template(resources.files("clerk_harness_fake").joinpath("templates/app.html").read_text())


def clerk_of(request: Request) -> FakeClerk:
    return request.app.state.clerk


def session_cookie(request: Request) -> str | None:
    """The session token as Clerk's backend SDKs pick it: the key-suffixed cookie first, then `__session`."""
    settings = clerk_of(request).settings
    for instance in ("live", "test"):
        key = publishable_key(settings.frontend_api_host, instance=instance)
        suffixed = request.cookies.get(f"__session_{cookie_suffix(key)}")
        if suffixed:
            return suffixed
    return request.cookies.get("__session")


def check_request(request: Request) -> TokenCheck:
    check = clerk_of(request).verify(session_cookie(request))
    request.state.journal_note = f"server_auth={check.state}"
    return check


def bundle_dir(clerk: FakeClerk, version: str) -> Path:
    return Path(clerk.settings.clerk_js_cache) / version / "dist"


@router.get("/", response_class=HTMLResponse)
async def app_page(
    request: Request,
    clerk_js: str | None = Query(None, pattern=VERSION_PATTERN.pattern),
    instance: Literal["live", "test"] | None = None,
) -> HTMLResponse:
    """`?clerk_js=V` picks the bundle; `?instance=test` a development instance (`pk_test_` key)."""
    clerk = clerk_of(request)
    version = clerk_js or clerk.settings.clerk_js_version
    if not (bundle_dir(clerk, version) / "clerk.browser.js").is_file():
        raise ClerkAPIError(
            404,
            "clerk_js_not_cached",
            f"clerk-js {version} is not in the cache; run `clerk-harness setup --clerk-js {version}`.",
        )
    check = check_request(request)
    page = PAGE.substitute(
        application_name=html.escape(clerk.settings.application_name),
        server_auth=check.state,
        server_reason=html.escape(check.reason),
        server_user_id=html.escape(check.user_id or ""),
        clerk_js_version=html.escape(version),
        publishable_key=publishable_key(clerk.settings.frontend_api_host, instance=instance or clerk.settings.instance),
        # Opened through the HTTPS front (the production topology), clerk-js finds the Frontend API at the
        # key's own host, as in production; else behind the same-origin proxy.
        proxy_attribute="" if front_host(request.headers) == APP_HOST else f' data-clerk-proxy-url="{FAPI_PREFIX}"',
    )
    return HTMLResponse(page, headers=REVALIDATE if clerk.app_pages_cacheable else NO_STORE)


@router.get("/api/me")
async def me(request: Request) -> JSONResponse:
    check = check_request(request)
    body: dict[str, Any] = {
        "state": check.state,
        "reason": check.reason,
        "user_id": check.user_id,
        "session_id": check.session_id,
    }
    return JSONResponse(body, status_code=200 if check.state == "signed_in" else 401, headers=NO_STORE)


@router.get("/clerk-js/{version}/{asset:path}")
async def clerk_js_asset(request: Request, version: str, asset: str) -> FileResponse:
    return serve_bundle_file(clerk_of(request), version, asset, cacheable=True)


def serve_bundle_file(clerk: FakeClerk, version: str, asset: str, *, cacheable: bool = False) -> FileResponse:
    if not VERSION_PATTERN.fullmatch(version):
        raise ClerkAPIError(404, "resource_not_found", f"{version!r} is not a clerk-js version.")
    if "\x00" in asset:  # no file name holds a NUL (and `resolve()` would raise on it)
        raise ClerkAPIError(404, "resource_not_found", "No such file in a clerk-js bundle.")
    root = bundle_dir(clerk, version).resolve()
    path = (root / asset).resolve()
    if root not in path.parents or not path.is_file():
        raise ClerkAPIError(404, "resource_not_found", f"No file {asset!r} in clerk-js {version}.")
    return FileResponse(
        path,
        media_type="text/javascript" if path.suffix in (".js", ".mjs") else None,
        headers=IMMUTABLE if cacheable else NO_STORE,
    )


@router.get("/favicon.ico")
async def favicon() -> Response:
    return Response(status_code=204, headers=NO_STORE)


ELSEWHERE = (
    "<!doctype html><html><head><title>Elsewhere</title></head>"
    "<body><p>A page without Clerk, where the user spends a while before going back.</p></body></html>"
)


@router.get("/elsewhere", response_class=HTMLResponse)
async def elsewhere() -> HTMLResponse:
    """Where a story's user goes when they leave the app for a while (see clerk_harness.stories.bfcache)."""
    return HTMLResponse(ELSEWHERE, headers=NO_STORE)


@router.get(CLEARING_PATH, response_class=HTMLResponse)
async def clearing() -> HTMLResponse:
    return HTMLResponse(CLEARING_PAGE, headers=NO_STORE)
