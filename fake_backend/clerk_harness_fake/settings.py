"""Configuration of one fake backend instance."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

FAPI_PREFIX = "/__clerk"
BAPI_PREFIX = "/__clerk_api"  # the Backend API subset that SDK servers call (CLERK_API_URL)
CONTROL_PREFIX = "/__harness"
NO_STORE = {"Cache-Control": "no-store"}  # every answer but the versioned bundles
# The page a warm Firefox clears an origin's storage from at a run's hand-back: it runs no script of the
# app's. The fake serves it for its own origin; the harness answers it (a route) for any other.
CLEARING_PATH = "/__clerk-harness-clearing-storage"
CLEARING_PAGE = "<!doctype html><title>clearing</title>"
# The production topology's made-up hosts (see https/front.py): siblings, as `clerk.example.com` and
# `example.com` are. `.test` is reserved (RFC 2606): no real host can ever be named so.
HARNESS_DOMAIN = "harness.test"
FAPI_HOST = f"clerk.{HARNESS_DOMAIN}"
APP_HOST = f"app.{HARNESS_DOMAIN}"


def publishable_key(frontend_api_host: str, *, instance: str = "live") -> str:
    """A Clerk publishable key: `pk_<instance>_` + base64("<host>$")."""
    encoded = base64.b64encode(f"{frontend_api_host}$".encode()).decode()
    return f"pk_{instance}_{encoded}"


def cookie_suffix(publishable_key: str) -> str:
    """clerk-js also writes `__session_<suffix>`: the first 8 characters of URL-safe base64(SHA-1(key))."""
    digest = hashlib.sha1(publishable_key.encode()).digest()  # noqa: S324 - an identifier, not security
    return base64.urlsafe_b64encode(digest).decode()[:8]


@dataclass
class BackendSettings:
    """How the fake backend behaves. Defaults model a production instance behind a same-origin proxy."""

    clerk_js_version: str = "6.40.0"
    clerk_js_cache: Path = Path(".cache/clerk-js")
    token_ttl_seconds: int = 60
    frontend_api_host: str = FAPI_HOST  # with the HTTPS front, also its port: clerk.harness.test:PORT
    instance: str = "live"
    application_name: str = "Session Harness App"
    session_lifetime_seconds: int = 7 * 24 * 3600
    session_minter: bool = False  # Clerk's Session Minter on (see clerk_harness_fake.minter)
    partitioned_cookies: bool = False  # the environment's partitioned_cookies: clerk-js writes partitioned cookies

    @property
    def publishable_key(self) -> str:
        return publishable_key(self.frontend_api_host, instance=self.instance)

    @property
    def issuer(self) -> str:
        return f"https://{self.frontend_api_host}"
