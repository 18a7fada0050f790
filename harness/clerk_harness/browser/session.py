"""One isolated browser session as a run holds it: the browser, its context and first page, and what ends
it (its guard and profile folder, or the warm browser it is leased from)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from playwright.sync_api import Browser, BrowserContext, Page

from clerk_harness.browser import guard as browser_guard

PAGE_CRASHED = re.compile(r"\b(Page|Target) crashed\b")  # Playwright's errors of a page whose renderer died


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
    _release: Callable[[BrowserSession], None] | None = None  # a lease of a warm browser goes back to it
    engine: str = "chromium"  # or "firefox" (clerk_harness.browser.firefox)
    breakage: str | None = None  # the sentence saying what broke under the run (a page's renderer, the browser)
    broke: str | None = None  # "page" or "browser": which part of the infrastructure that was
    exit_file: str | None = None  # where the browser's guard writes its exit status (a Chromium it started)
    _unwatch: list[Callable[[], None]] = field(default_factory=list)

    @property
    def folder(self) -> str | None:
        """The browser's own folder (its profile), which its guard removes."""
        return self._profile_dir

    def watch(self) -> BrowserSession:
        """Note it when a page of the run crashes or the browser goes away: the run is then an error of the
        harness's browser, never an observation about clerk-js."""

        def crashed(_page: Page) -> None:
            self._note("page")

        def gone(_browser: Browser) -> None:
            self._note("browser")

        def watch_page(page: Page) -> None:
            page.on("crash", crashed)
            self._unwatch.append(lambda: page.remove_listener("crash", crashed))

        watch_page(self.page)
        self.context.on("page", watch_page)
        if not hasattr(self.context, "undo"):  # a warm browser's scoped context undoes the run's listeners itself
            self._unwatch.append(lambda: self.context.remove_listener("page", watch_page))
        self.browser.on("disconnected", gone)
        self._unwatch.append(lambda: self.browser.remove_listener("disconnected", gone))
        if not self.browser.is_connected():  # it went before the run began (killed between runs)
            self._note("browser")
        return self

    def _note(self, part: str) -> None:
        """The first thing that broke ("page" or "browser") is the one the run reports."""
        if self.breakage is None:
            self.broke = part
            self.breakage = (
                "the page crashed (its renderer process died)"
                if part == "page"
                else f"{self.engine.capitalize()} exited or was closed under the run"
            )

    def notice_breakage(self, error: str | None = None) -> str | None:
        """After a run: one round trip to the page delivers what Playwright's driver already knows (a crash, a
        disconnect), whose events otherwise wait for the next call; and the run's own error, when it was
        Playwright's word that the page crashed (its event can come after the call it failed). Returns `breakage`."""
        if error is not None and PAGE_CRASHED.search(error):
            self._note("page")
        if self.breakage is None:
            try:
                self.page.evaluate("1")
            except Exception as failed:  # noqa: BLE001 - a crashed page or a browser gone: its event is delivered by now
                if PAGE_CRASHED.search(str(failed)):  # or Playwright says so itself
                    self._note("page")
        if not self.browser.is_connected():
            self._note("browser")
        return self.breakage

    def what_broke(self) -> str | None:
        """`breakage`, with the browser's exit status when its guard has written it: "Chromium exited (signal 9)"."""
        if self.broke != "browser" or self.exit_file is None:
            return self.breakage
        code = browser_guard.wait_for_exit_code(self.exit_file)
        if code is None:  # closed, not exited: the guard has nothing to say
            return self.breakage
        return f"{self.engine.capitalize()} exited ({browser_guard.exit_status(code)}) under the run"

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
