"""A stateful fake of Clerk's Frontend API (FAPI) plus the app under test, served same-origin."""

from fake_backend.app import create_app
from fake_backend.backend import FakeClerk
from fake_backend.settings import BackendSettings
from fake_backend.server import FakeClerkServer

__all__ = ["BackendSettings", "FakeClerk", "FakeClerkServer", "create_app"]
