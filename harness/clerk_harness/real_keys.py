"""Real Clerk keys are refused: the harness never talks to Clerk (its fake backend makes its own keys), and
says so rather than ignore one, so that nobody believes a run talked to their Clerk instance."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping

from clerk_harness.errors import HarnessError

CLERK_KEY_VARIABLES = (
    "CLERK_SECRET_KEY",
    "CLERK_API_KEY",
    "CLERK_PUBLISHABLE_KEY",
    "NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY",
    "VITE_CLERK_PUBLISHABLE_KEY",
)
REAL_LOOKING_KEY = re.compile(r"^(sk|pk)_(live|test)_[A-Za-z0-9+/=_-]{16,}$")


def is_real_clerk_key(value: str) -> bool:
    """A Clerk secret key, or a publishable key that does not name the fake backend's host."""
    if not REAL_LOOKING_KEY.match(value.strip()):
        return False
    if value.startswith("pk_"):
        try:
            host = base64.b64decode(value.split("_", 2)[2] + "==").decode(errors="replace").rstrip("$")
        except ValueError:
            return True
        from clerk_harness_fake.settings import BackendSettings

        return host.split(":")[0] != BackendSettings.frontend_api_host  # the fake's own key may name a port
    return True


def refuse_real_clerk_keys(environ: Mapping[str, str] = os.environ) -> None:
    found = [name for name in CLERK_KEY_VARIABLES if is_real_clerk_key(environ.get(name, ""))]
    if found:
        raise HarnessError(
            f"{', '.join(found)} holds a real Clerk key, but the harness never talks to Clerk (its fake "
            f"backend issues its own keys): unset it for this command"
        )
