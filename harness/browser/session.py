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
    broken: str | None = None  # what broke under the run (a page's renderer, the browser), once `watch`ed
    _unwatch: list[Callable[[], None]] = field(default_factory=list)

    def watch(self) -> "BrowserSession":
        """Note it when a page of the run crashes or the browser goes away: the run is then an error of the
        harness's browser, never an observation about clerk-js."""
        def crashed(_page: Page) -> None:
            self.broken = self.broken or "the page crashed (its renderer process died)"

        def gone(_browser: Browser) -> None:
            self.broken = self.broken or f"{self.engine.capitalize()} exited or was closed under the run"

        def watch_page(page: Page) -> None:
            page.on("crash", crashed)
            self._unwatch.append(lambda: page.remove_listener("crash", crashed))

        watch_page(self.page)
        self.context.on("page", watch_page)
        if not hasattr(self.context, "undo"):  # a warm browser's scoped context undoes the run's listeners itself
            self._unwatch.append(lambda: self.context.remove_listener("page", watch_page))
        self.browser.on("disconnected", gone)
        self._unwatch.append(lambda: self.browser.remove_listener("disconnected", gone))
        return self

    def close(self) -> None:
        while self._unwatch:
            try:
                self._unwatch.pop()()
            except Exception:  # noqa: BLE001 - a listener of a page or browser already gone
                pass
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
