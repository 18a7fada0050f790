"""One isolated browser session as a run holds it: the browser, its context and first page, and what ends
it (its guard and profile folder, or the warm browser it is leased from)."""

from __future__ import annotations

import shutil
import subprocess
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from playwright.sync_api import Browser, BrowserContext, Page

from clerk_harness.browser import guard as browser_guard


@dataclass
class BrowserSession:
    """One isolated browser session: a context with its first page."""

    browser: Browser
    context: BrowserContext
    page: Page
    visibility_mode: str
    executable: str
    _guard: subprocess.Popen | None = None  # clerk_harness.browser.guard, Chromium's parent
    _profile_dir: str | None = None
    _log: deque = field(default_factory=lambda: deque(maxlen=50))
    _release: Callable[["BrowserSession"], None] | None = None  # a lease of a warm browser goes back to it
    engine: str = "chromium"  # or "firefox" (clerk_harness/firefox.py)

    def close(self) -> None:
        if self._release is not None:
            release, self._release = self._release, None
            release(self)
            return
        try:
            self.browser.close()
        except BaseException:  # noqa: BLE001 - already gone, or interrupted: the guard still ends it
            pass
        if self._guard is not None:
            browser_guard.release(self._guard)
        if self._profile_dir is not None:
            shutil.rmtree(self._profile_dir, ignore_errors=True)
