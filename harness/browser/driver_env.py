"""What the harness adds to its own environment before Playwright's driver starts (Node's compile cache,
Firefox's driver workaround), and a user's app's environment without any of it."""

from __future__ import annotations

from clerk_harness.browser import driver_cache, firefox_driver_patch


def prepare() -> None:
    """Call before any Playwright driver starts (a command's, or pytest-playwright's)."""
    driver_cache.enable()
    firefox_driver_patch.enable()


def for_user_app(env: dict[str, str]) -> dict[str, str]:
    """`env` as the user gave it: what `prepare` added is taken out again."""
    return firefox_driver_patch.for_user_app(driver_cache.for_user_app(env))
