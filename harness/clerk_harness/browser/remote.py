"""A Chromium that runs elsewhere (`browser.cdpEndpoint`, `--cdp-endpoint`), driven over CDP: its default
context for real visibility, cleaned and handed back after each run; the remote browser keeps running."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from playwright.sync_api import Playwright

from clerk_harness.browser.session import BrowserSession
from clerk_harness.config import BrowserConfig
from clerk_harness.errors import HarnessError


def check_cdp_endpoint(endpoint: str, timeout_s: float = 5) -> None:
    """A remote Chromium that does not listen is one clear line before any run starts."""
    parts = urlsplit(endpoint)
    port = parts.port or (443 if parts.scheme in ("https", "wss") else 80)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=timeout_s).close()
    except OSError as error:
        raise HarnessError(
            f"no Chromium answers at {endpoint} ({error.strerror or error}); start it with "
            f"--remote-debugging-port and the flags of `clerk-harness browser-flags`"
        ) from None


def connect_remote(
    playwright: Playwright, config: BrowserConfig, endpoint: str, *, timeout_s: float = 30
) -> BrowserSession:
    """A Chromium that runs elsewhere, driven over CDP: its default context (real visibility) or, with
    synthetic visibility, a new context in it. Closing the session cleans what the run left and
    disconnects; the remote browser keeps running for the next run."""
    if config.profile == "webdriver":
        raise HarnessError(
            "the webdriver profile needs launch flags; a remote Chromium is launched by you: start it "
            "with --enable-automation instead"
        )
    try:
        browser = playwright.chromium.connect_over_cdp(
            endpoint, no_defaults=config.visibility == "real", slow_mo=config.slow_mo_ms, timeout=timeout_s * 1000
        )
    except Exception as error:  # noqa: BLE001 - whatever stops the connection is one line, with its reason
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise HarnessError(
            f"cannot reach the Chromium at {endpoint} over CDP ({reason}); start it with "
            f"--remote-debugging-port (see `clerk-harness browser-flags`)"
        ) from None
    try:
        if config.visibility == "real":
            context = browser.contexts[0]
            page = context.pages[0] if context.pages else context.new_page()
            for other in context.pages[1:]:  # left by an earlier run that was killed
                other.close()
            context.clear_cookies()
            context.set_offline(False)
        else:
            width, height = config.window_size
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
    except BaseException:
        browser.close()
        raise
    session = BrowserSession(browser, context, page, config.visibility, f"Chromium at {endpoint}")
    if config.visibility == "real":
        session._release = _hand_back_remote
    return session


def _hand_back_remote(session: BrowserSession) -> None:
    """The remote default context as the next harness run expects to find it, then disconnect."""
    try:
        context = session.context
        keep = session.page if not session.page.is_closed() else context.new_page()
        for page in context.pages:
            if page is not keep:
                page.close()
        keep.goto("about:blank")
        context.clear_cookies()
        context.set_offline(False)
    except Exception:  # noqa: BLE001 - the remote went away: nothing left to clean
        pass
    finally:
        session.browser.close()  # over CDP this disconnects; the remote Chromium keeps running
