"""Finding and launching Chromium with the realistic profile.

Two ways to a page:
- "real" visibility: Chromium is started here with a DevTools port and reached with
  `connect_over_cdp(no_defaults=True)`; in its default context pages really become hidden and visible
  (trusted `visibilitychange`, `blur`/`focus`). One browser per session.
- "synthetic": a normal Playwright launch + new context, where focus emulation keeps every page visible;
  visibility is then faked from an init script (labelled synthetic in results).
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, Playwright

from harness.config import BrowserConfig
from harness.errors import HarnessError

SYSTEM_CHROMIUMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
HOW_TO_GET_ONE = ("no Chromium found: set browser.executablePath in playwright.config.json, "
                  "run `playwright install chromium`, or `apt-get install chromium`")


def playwright_chromium(playwright: Playwright | None = None) -> str | None:
    """Playwright's own Chromium, if it was downloaded on this machine."""
    try:
        if playwright is not None:
            path = playwright.chromium.executable_path
        else:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as pw:
                path = pw.chromium.executable_path
    except Exception:  # noqa: BLE001 - no driver or no browser registry: simply "not installed"
        return None
    return path if path and Path(path).is_file() else None


def find_chromium(config: BrowserConfig, playwright: Playwright | None = None) -> str:
    """The configured browser, else Playwright's own, else a system Chromium; or a one-line error."""
    if config.executable_path:
        path = Path(config.executable_path).expanduser()
        if not path.is_file():
            raise HarnessError(f"browser.executablePath {str(path)!r} does not exist; fix playwright.config.json")
        return str(path)
    own = playwright_chromium(playwright)
    if own:
        return own
    for name in SYSTEM_CHROMIUMS:
        found = shutil.which(name)
        if found:
            return found
    raise HarnessError(HOW_TO_GET_ONE)


@dataclass
class BrowserSession:
    """One isolated browser session: a context with its first page."""

    browser: Browser
    context: BrowserContext
    page: Page
    visibility_mode: str
    executable: str
    _process: subprocess.Popen | None = None
    _profile_dir: tempfile.TemporaryDirectory | None = None
    _log: deque = field(default_factory=lambda: deque(maxlen=50))

    def close(self) -> None:
        try:
            self.browser.close()
        except Exception:  # noqa: BLE001 - already gone
            pass
        if self._process is not None:
            _stop_process_group(self._process)
        if self._profile_dir is not None:
            self._profile_dir.cleanup()


def _stop_process_group(process: subprocess.Popen) -> None:
    """Chromium forks helpers (renderer, GPU, zygote): end the whole group, not just the browser."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _chromium_command(executable: str, config: BrowserConfig, profile: str) -> list[str]:
    width, height = config.window_size
    command = [executable, "--remote-debugging-port=0", f"--user-data-dir={profile}",
               f"--window-size={width},{height}", "--no-sandbox", "--no-default-browser-check"]
    if config.headless:
        command.append("--headless")
    return [*command, *config.args, "about:blank"]


def _start_chromium(executable: str, config: BrowserConfig, timeout_s: float) -> tuple[subprocess.Popen, str, tempfile.TemporaryDirectory, deque]:
    profile = tempfile.TemporaryDirectory(prefix="clerk-harness-profile-", ignore_cleanup_errors=True)
    process = subprocess.Popen(_chromium_command(executable, config, profile.name), stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    endpoints: queue.Queue[str | None] = queue.Queue()
    log: deque = deque(maxlen=50)

    def read_stderr() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            log.append(line.rstrip())
            if line.startswith("DevTools listening on "):
                endpoints.put(line.split(" on ", 1)[1].strip())
        endpoints.put(None)

    threading.Thread(target=read_stderr, name="chromium-stderr", daemon=True).start()
    try:
        endpoint = endpoints.get(timeout=timeout_s)
    except queue.Empty:
        endpoint = None
    if endpoint is None:
        _stop_process_group(process)
        profile.cleanup()
        tail = " | ".join(list(log)[-3:]) or "no output"
        raise HarnessError(f"Chromium at {executable} did not open its DevTools port: {tail}")
    return process, endpoint, profile, log


RTT_ZERO_SCRIPT = """
(() => {
  if (!window.NetworkInformation) return;
  Object.defineProperty(NetworkInformation.prototype, "rtt", { configurable: true, get: () => 0 });
})();
"""


def _apply_profile(config: BrowserConfig) -> BrowserConfig:
    """The launch flags of a profile: "webdriver" drops the realistic flag and marks the browser automated."""
    if config.profile != "webdriver":
        return config
    args = [a for a in config.args if "AutomationControlled" not in a] + ["--enable-automation"]
    return replace(config, args=args)


def launch_session(playwright: Playwright, config: BrowserConfig, *, timeout_s: float = 30) -> BrowserSession:
    executable = find_chromium(config, playwright)
    config = _apply_profile(config)
    if config.visibility == "real":
        process, endpoint, profile, log = _start_chromium(executable, config, timeout_s)
        try:
            browser = playwright.chromium.connect_over_cdp(endpoint, no_defaults=True, slow_mo=config.slow_mo_ms)
        except Exception as error:
            _stop_process_group(process)
            profile.cleanup()
            raise HarnessError(f"cannot connect to Chromium over CDP: {error}") from error
        context = browser.contexts[0]
        page = context.pages[0] if context.pages else context.new_page()
        session = BrowserSession(browser, context, page, "real", executable, process, profile, log)
    else:
        try:
            browser = playwright.chromium.launch(executable_path=executable, headless=config.headless,
                                                 args=config.args, slow_mo=config.slow_mo_ms)
        except Exception as error:
            raise HarnessError(f"cannot launch Chromium at {executable}: {error}") from error
        width, height = config.window_size
        context = browser.new_context(viewport={"width": width, "height": height})
        session = BrowserSession(browser, context, context.new_page(), "synthetic", executable)
    if config.profile == "rtt0":
        session.context.add_init_script(RTT_ZERO_SCRIPT)
    return session


def read_profile(page: Page) -> dict:
    return page.evaluate("""() => ({
        webdriver: navigator.webdriver,
        onLine: navigator.onLine,
        rtt: navigator.connection ? navigator.connection.rtt : null,
        userAgent: navigator.userAgent,
    })""")


def assert_realistic_profile(page: Page) -> dict:
    """clerk-js treats a webdriver browser, or rtt 0, as offline/invalid: fail loudly instead of misjudging."""
    profile = read_profile(page)
    if profile["webdriver"]:
        raise HarnessError("navigator.webdriver is true: launch Chromium with "
                           "--disable-blink-features=AutomationControlled (see browser.args)")
    if not profile["onLine"] or not profile["rtt"]:
        raise HarnessError(f"the browser does not look online to clerk-js (onLine={profile['onLine']}, "
                           f"rtt={profile['rtt']}): clerk-js <= 6.0.0 would think it is offline")
    return profile
