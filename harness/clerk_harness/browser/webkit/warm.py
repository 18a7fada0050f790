"""A warm WebKit: one browser (its program, display and network namespace) whose runs take turns, each in a
context of its own, as a warm Chromium's do in its one context.

A context is WebKit's unit of isolation: its own cookie jar, storage, tracking prevention's state and web
process, its own init scripts and bindings (the run's instruments), its windows. The hand-back closes it, so
nothing of a run reaches the next. What the browser shares across runs is only the namespace: a run that
ends offline (or with the Frontend API's requests cut) retires the browser, since WebKit's network monitor
would tell the next run's page it is offline for seconds. A run that moves WebKit's own clock gets a
browser of its own (libfaketime is set at launch)."""

from __future__ import annotations

import os

from clerk_harness.browser.session import BrowserSession
from clerk_harness.browser.webkit.launch import launch_webkit_session
from clerk_harness.browser.webkit.pages import WebKitBrowser, WebKitContext
from clerk_harness.config import BrowserConfig


class WarmWebKit:
    def __init__(self, config: BrowserConfig) -> None:
        self.config = config
        self.launches = 0
        self._session: BrowserSession | None = None
        self._runs = 0
        self._contexts = 0

    def __repr__(self) -> str:
        return f"<WarmWebKit {self._runs} run(s) on the current browser, {self.launches} launch(es)>"

    def lease(self, *, movable_clock: bool = False) -> BrowserSession:
        """A new context with its first page, in the warm WebKit (launched when there is none, or when it has
        served `browser.reuse` runs or went away); `movable_clock`: a WebKit of the run's own."""
        if movable_clock:
            self.launches += 1
            return launch_webkit_session(self.config, movable_clock=True)
        if self._session is None or self._runs >= self.config.reuse or not self._session.browser.is_connected():
            self.close()
            self._session = launch_webkit_session(self.config)
            self._session.context.close()  # the launch's own context: each run gets one of its own
            self._runs = 0
            self.launches += 1
        self._runs += 1
        self._contexts += 1
        session = self._session
        browser: WebKitBrowser = session.browser  # type: ignore[assignment]  # Playwright's shape
        data = os.path.join(session.folder or "", f"data-{self._contexts}")
        context = browser.new_context(data=data)
        try:
            page = context.new_page()
        except BaseException:
            context.close()
            raise
        return BrowserSession(
            session.browser,
            context,  # type: ignore[arg-type]  # Playwright's shape
            page,  # type: ignore[arg-type]
            session.visibility_mode,
            session.executable,
            _release=self._give_back,
            engine="webkit",
            exit_file=session.exit_file,
        )

    def lost_its_browser(self) -> bool:
        return self._session is not None and not self._session.browser.is_connected()

    def _give_back(self, lease: BrowserSession) -> None:
        """Close the run's context; a run that ended offline, or that anything broke, retires the browser."""
        context: WebKitContext = lease.context  # type: ignore[assignment]
        try:
            ended_offline = context.network_changed
            context.close()
        except Exception:  # noqa: BLE001 - whatever broke, the next lease starts anew
            ended_offline = True
        except BaseException:
            self.close()
            raise
        if ended_offline:
            self.close()

    def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.close()
