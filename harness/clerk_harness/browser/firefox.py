"""Firefox, the second engine: a stock Firefox (Debian's `firefox-esr`) driven over WebDriver BiDi.

Playwright's own Firefox build (its Juggler protocol) cannot be downloaded everywhere; Playwright's
`moz-firefox` channel drives an unmodified Firefox over BiDi instead. That channel is experimental, and
with Firefox ESR 153 it needs one change in Playwright's driver (see clerk_harness.browser.firefox_driver_patch).

How the harness's promises hold on Firefox:
- isolation: one warm Firefox per worker, a new context for each run (closing it takes every cookie,
  storage and clock with it: nothing to clean);
- real visibility: a page opened by the app page (`window.open`) is a tab in the app page's window, so
  bringing it to the front really hides the app page (trusted `visibilitychange`); a page from
  `context.new_page()` would open a window of its own and hide nothing;
- the realistic profile: Firefox says `navigator.webdriver = true` under remote control and no preference
  turns that off, so an init script redefines the getter (clerk-js reads the flag); Firefox has no
  `navigator.connection`, so clerk-js's rtt check always passes there and the `rtt0` profile has nothing to
  change;
- no egress: every http(s) request beyond loopback goes to a proxy that is not there, DNS over HTTPS and
  the background services are off, and the production topology's hosts resolve to loopback
  (`network.dns.localDomains`); the context accepts the fakes' certificate (`ignore_https_errors`).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, Playwright

from clerk_harness.browser import firefox_driver_patch
from clerk_harness.config import BrowserConfig
from clerk_harness.errors import HarnessError

SYSTEM_FIREFOXES = ("firefox-esr", "firefox")
OLDEST_MAJOR = 153  # the oldest Firefox measured to take every BiDi command the harness's Playwright sends
HOW_TO_GET_ONE = (
    "no Firefox found: run `clerk-harness setup --browser firefox` as root (apt-get install "
    "firefox-esr), or set browser.firefoxExecutablePath in playwright.config.json"
)
PROXY_NOWHERE = ("127.0.0.1", 9)  # nothing listens there: a request that would leave the machine fails at once

HIDE_WEBDRIVER_SCRIPT = """
Object.defineProperty(Navigator.prototype, "webdriver", { configurable: true, enumerable: true, get: () => false });
"""


def find_firefox(config: BrowserConfig) -> str:
    """The configured Firefox, else `firefox-esr` or `firefox` on PATH; or a one-line error."""
    if config.firefox_executable_path:
        path = Path(config.firefox_executable_path).expanduser()
        if not path.is_file():
            raise HarnessError(
                f"browser.firefoxExecutablePath {str(path)!r} does not exist; fix playwright.config.json"
            )
        return str(path)
    for name in SYSTEM_FIREFOXES:
        found = shutil.which(name)
        if found:
            return found
    raise HarnessError(HOW_TO_GET_ONE)


def firefox_version(executable: str) -> str:
    try:
        result = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise HarnessError(f"cannot run {executable} --version: {error}") from None
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", result.stdout)
    if result.returncode != 0 or match is None:
        raise HarnessError(f"{executable} is not a Firefox (`--version` said {result.stdout.strip() or 'nothing'!r})")
    return match.group(0)


def check_firefox(executable: str) -> str:
    """Its version, when it is new enough and the driver workaround still matches; else one line."""
    version = firefox_version(executable)
    if int(version.split(".")[0]) < OLDEST_MAJOR:
        raise HarnessError(
            f"Firefox {version} at {executable} is too old: the harness drives Firefox {OLDEST_MAJOR} "
            f"or newer over WebDriver BiDi (apt-get install firefox-esr)"
        )
    firefox_driver_patch.check()
    return version


def firefox_prefs(*, production_hosts: bool = True) -> dict[str, str | float | bool]:
    """Preferences for a harness Firefox: zero egress, no background services, popups from the page allowed
    (the cover tab), the network state the harness's alone, and the production topology's hosts on loopback."""
    from clerk_harness_fake.settings import APP_HOST, FAPI_HOST

    nowhere, port = PROXY_NOWHERE
    local = ["localhost", "127.0.0.1", "[::1]", *([FAPI_HOST, APP_HOST] if production_hosts else [])]
    prefs: dict[str, str | float | bool] = {
        "network.proxy.type": 1,
        "network.proxy.http": nowhere,
        "network.proxy.http_port": port,
        "network.proxy.ssl": nowhere,
        "network.proxy.ssl_port": port,
        "network.proxy.no_proxies_on": ", ".join(local),
        "network.proxy.allow_hijacking_localhost": False,
        "network.trr.mode": 5,  # no DNS over HTTPS
        "network.dns.disablePrefetch": True,
        "network.prefetch-next": False,
        "network.http.speculative-parallel-limit": 0,
        "network.captive-portal-service.enabled": False,
        "network.connectivity-service.enabled": False,
        "network.manage-offline-status": False,  # offline is the harness's to say (set_offline), not the OS's
        "network.dns.native_https_query": False,  # no HTTPS-record lookups (DNS) ahead of a proxied request
        # No DNS query leaves: every name the system resolver would be asked resolves to loopback (Remote
        # Settings looked up its host at every start, whatever its server pref said).
        "network.dns.native-is-localhost": True,
        "services.settings.server": "data:,#remote-settings-off/v1",  # Remote Settings looked its host up at start
        "browser.region.network.url": "",
        "browser.region.update.enabled": False,
        "captivedetect.canonicalURL": "",
        "browser.safebrowsing.malware.enabled": False,
        "browser.safebrowsing.phishing.enabled": False,
        "browser.safebrowsing.downloads.enabled": False,
        "browser.safebrowsing.blockedURIs.enabled": False,
        "extensions.update.enabled": False,
        "extensions.getAddons.cache.enabled": False,
        "app.update.auto": False,
        "datareporting.policy.dataSubmissionEnabled": False,
        "datareporting.healthreport.uploadEnabled": False,
        "toolkit.telemetry.enabled": False,
        "browser.ping-centre.telemetry": False,
        "dom.disable_open_during_load": False,  # the cover tab is opened by the app page, without a click
    }
    if production_hosts:
        prefs["network.dns.localDomains"] = f"{FAPI_HOST},{APP_HOST}"
    return prefs


def check_profile(config: BrowserConfig) -> None:
    if config.profile == "rtt0":
        raise HarnessError(
            "the rtt0 profile mimics navigator.connection.rtt = 0, and Firefox has no "
            "navigator.connection: use it with --browser chromium"
        )


def launch_firefox(playwright: Playwright, config: BrowserConfig) -> tuple[Browser, str]:
    """A Firefox of the harness (Playwright's driver starts it, in a profile of its own that it removes)."""
    check_profile(config)
    if config.cdp_endpoints:
        raise HarnessError("a remote browser (--cdp-endpoint) is a Chromium: use it with --browser chromium")
    executable = find_firefox(config)
    version = check_firefox(executable)
    try:
        browser = playwright.firefox.launch(
            channel="moz-firefox",
            executable_path=executable,
            headless=config.headless,
            slow_mo=config.slow_mo_ms,
            firefox_user_prefs=firefox_prefs(),
        )
    except Exception as error:  # noqa: BLE001 - whatever stops the launch is one line, with Firefox's reason
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise HarnessError(f"cannot launch Firefox {version} at {executable}: {reason}") from None
    return browser, f"{executable} (Firefox {version})"


def new_context(browser: Browser, config: BrowserConfig) -> tuple[BrowserContext, Page]:
    """A fresh context and its first page, with the configured profile."""
    check_profile(config)
    width, height = config.window_size
    context = browser.new_context(viewport={"width": width, "height": height}, ignore_https_errors=True)
    try:
        if config.profile == "realistic":
            context.add_init_script(HIDE_WEBDRIVER_SCRIPT)
        return context, context.new_page()
    except BaseException:
        context.close()
        raise
