"""A stateful fake of Clerk's Frontend API (FAPI) plus the app under test, served same-origin."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fake_backend.app import create_app
    from fake_backend.backend import FakeClerk
    from fake_backend.server import FakeClerkServer
    from fake_backend.settings import BackendSettings

# Imported on first use, so that `python -m fake_backend` can start work before the web framework loads.
_EXPORTS = {"create_app": "fake_backend.app", "FakeClerk": "fake_backend.backend",
            "FakeClerkServer": "fake_backend.server", "BackendSettings": "fake_backend.settings"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'fake_backend' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
