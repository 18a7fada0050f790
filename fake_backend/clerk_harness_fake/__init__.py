"""A stateful fake of Clerk's Frontend API (FAPI) plus the app under test, served same-origin."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clerk_harness_fake.app import create_app
    from clerk_harness_fake.backend import FakeClerk
    from clerk_harness_fake.server import FakeClerkServer
    from clerk_harness_fake.settings import BackendSettings

# Imported on first use, so that `python -m clerk_harness_fake` can start work before the web framework loads.
_EXPORTS = {
    "create_app": "clerk_harness_fake.app",
    "FakeClerk": "clerk_harness_fake.backend",
    "FakeClerkServer": "clerk_harness_fake.server",
    "BackendSettings": "clerk_harness_fake.settings",
}
__all__ = ["BackendSettings", "FakeClerk", "FakeClerkServer", "create_app"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'clerk_harness_fake' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
