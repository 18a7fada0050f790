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
import subprocess
import sys
import threading
from collections import deque
from dataclasses import replace
from pathlib import Path

from playwright.sync_api import Page, Playwright

from clerk_harness.browser import guard as browser_guard
from clerk_harness.browser import owned_folders
from clerk_harness.browser.session import BrowserSession
from clerk_harness.config import BrowserConfig
from clerk_harness.errors import HarnessError, InfrastructureBroke

SYSTEM_CHROMIUMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
HOW_TO_GET_ONE = (
    "no Chromium found: set browser.executablePath in playwright.config.json, "
    "run `playwright install chromium`, or `apt-get install chromium`"
)


def playwright_browsers_may_exist() -> bool:
    """False when `playwright install` has put no Chromium in its folder (Playwright's rule, Linux): then
    there is no need to start Playwright's driver (0.35 s) only to hear so. Anywhere else: maybe."""
    if not sys.platform.startswith("linux"):
        return True
    configured = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if configured == "0":  # inside the installed package
        import playwright

        folder = Path(playwright.__file__).parent / "driver" / "package" / ".local-browsers"
    elif configured:
        folder = Path(configured).expanduser()
    else:
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ms-playwright"
    try:
        return any(entry.name.startswith("chromium") for entry in folder.iterdir())
    except OSError:  # no such folder: nothing was ever installed there
        return False


def playwright_chromium(playwright: Playwright | None = None) -> str | None:
    """Playwright's own Chromium, if it was downloaded on this machine."""
    try:
        if playwright is not None:
            path = playwright.chromium.executable_path
        elif not playwright_browsers_may_exist():
            return None
        else:
            from clerk_harness.browser import driver_env

            pw = driver_env.start_playwright()
            try:
                path = pw.chromium.executable_path
            finally:
                pw.stop()
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


# Zero egress by construction: no host name resolves except localhost, every non-loopback HTTP(S)
# connection goes to a proxy that is not there, and the background services that phone home are off.
NO_EGRESS_FEATURES = (
    "OptimizationHints",
    "MediaRouter",
    "DialMediaRouteProvider",
    "Translate",
    "AutofillServerCommunication",
    "NetworkTimeServiceQuerying",
    "CertificateTransparencyComponentUpdater",
)
# Chromium preloads its omnibox popups as two WebUI pages in a renderer of their own at every start, even
# headless: 0.7 of the 1.2 s of CPU a launch took. No run ever opens the omnibox.
LEAN_FEATURES = ("WebUIOmniboxPopup", "WebUIOmniboxAimPopup")
NO_EGRESS_ARGS = [
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE [::1]",
    "--proxy-server=http://127.0.0.1:9",  # loopback itself is never proxied
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-pings",
    "--disable-breakpad",
    "--metrics-recording-only",
    "--no-service-autorun",
    "--password-store=basic",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--force-webrtc-ip-handling-policy",
]
DISABLE_FEATURES = "--disable-features="


def with_disabled_features(args: list[str], *features: str) -> list[str]:
    """`args` with one `--disable-features` switch that holds `features` and those of any such switch in
    `args` (Chromium reads only the last one: a second switch would undo the first)."""
    listed = [arg for arg in args if arg.startswith(DISABLE_FEATURES)]
    names = list(features) + [name for arg in listed for name in arg[len(DISABLE_FEATURES) :].split(",") if name]
    return [arg for arg in args if arg not in listed] + [DISABLE_FEATURES + ",".join(dict.fromkeys(names))]


def with_harness_features(args: list[str]) -> list[str]:
    """`args` with the features every harness Chromium runs without (no egress, no omnibox popups)."""
    return with_disabled_features(args, *NO_EGRESS_FEATURES, *LEAN_FEATURES)


def production_hosts_args() -> list[str]:
    """A local Chromium reaches the production topology's made-up hosts (the Frontend API at the key's
    host, the app beside it) on loopback, and trusts exactly the certificate the fakes of this process
    serve them with (by its key's hash); every other certificate is checked as usual."""
    from clerk_harness_fake.https.certificate import process_certificate
    from clerk_harness_fake.settings import APP_HOST, FAPI_HOST

    return [
        f"MAP {FAPI_HOST} 127.0.0.1, MAP {APP_HOST} 127.0.0.1",
        f"--ignore-certificate-errors-spki-list={process_certificate().spki_sha256}",
        f"{FAPI_HOST};{APP_HOST}",
    ]


def no_egress_args(reach: list[str] | tuple[str, ...] = (), *, production_hosts: bool = False) -> list[str]:
    """`NO_EGRESS_ARGS`, opened for the addresses the browser must `reach` (a fake beyond loopback) and,
    for a browser on this machine, for the production topology's hosts (mapped to loopback)."""
    hosts = [address.strip("[]") for address in reach]
    mapped, trust, bypass = production_hosts_args() if production_hosts else ("", None, "")
    flags = []
    for flag in NO_EGRESS_ARGS:
        if flag.startswith("--host-resolver-rules="):  # the first rule that matches wins: the maps go first
            rules = flag.split("=", 1)[1] + "".join(f", EXCLUDE {host}" for host in hosts)
            flag = "--host-resolver-rules=" + (f"{mapped}, {rules}" if mapped else rules)
        flags.append(flag)
    if hosts or bypass:
        flags.append("--proxy-bypass-list=" + ";".join([*hosts, *([bypass] if bypass else [])]))
    if trust:
        flags.append(trust)
    return flags


def harness_flags(
    config: BrowserConfig, reach: list[str] | tuple[str, ...] = (), *, production_hosts: bool = False
) -> list[str]:
    """The flags every Chromium of the harness runs with: no egress (except to the addresses it must
    `reach`, a fake beyond loopback, and the production topology's hosts on loopback), the window,
    headless or not, and the configured (profiled) args."""
    flags = no_egress_args(reach, production_hosts=production_hosts)
    width, height = config.window_size
    flags += [f"--window-size={width},{height}", "--no-default-browser-check"]
    if config.headless:
        flags.append("--headless")
    return with_harness_features([*flags, *[arg for arg in config.args if arg not in flags]])


def remote_browser_flags(config: BrowserConfig, reach: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The harness's own flags for a Chromium started elsewhere (`clerk-harness browser-flags`); the
    remote-debugging flags and the profile folder are the starter's to add."""
    return harness_flags(_apply_profile(config), reach)


def _chromium_command(executable: str, config: BrowserConfig, profile: str) -> list[str]:
    """DevTools listens on a free loopback port only; the sandbox is off only where it cannot run (root)."""
    command = [
        executable,
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        f"--user-data-dir={profile}",
    ]
    if os.geteuid() == 0:
        command.append("--no-sandbox")
    return [*on_a_display(config), *command, *harness_flags(config, production_hosts=True), "about:blank"]


def on_a_display(config: BrowserConfig) -> list[str]:
    """A headed browser where there is no display gets a virtual one of its own (Debian's xvfb: `xvfb-run`
    starts Xvfb on a free display, runs the browser there and ends Xvfb with it, in the guard's group)."""
    if config.headless or os.environ.get("DISPLAY"):
        return []
    if shutil.which("xvfb-run") is None:
        raise HarnessError(
            "a headed browser here needs a display: install Debian's xvfb (apt-get install xvfb, "
            "or `clerk-harness setup` as root), or set DISPLAY"
        )
    return ["xvfb-run", "--auto-servernum", "--server-args=-screen 0 1920x1080x24 -nolisten tcp"]


def _start_chromium(
    executable: str, config: BrowserConfig, timeout_s: float
) -> tuple[subprocess.Popen, str, str, deque]:
    owned_folders.remove_stale_profiles()
    # Named here, made by the guard (see guard.main): a worker ended between the two leaves no folder behind.
    profile = owned_folders.new_profile_name()
    command = _chromium_command(executable, config, profile)
    # xvfb-run keeps its authority file in a temp folder of its own: inside the profile, removed with it
    env = {**os.environ, "TMPDIR": profile} if command[0] == "xvfb-run" else None
    process = browser_guard.spawn(
        profile, command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env
    )
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
        browser_guard.release(process)
        shutil.rmtree(profile, ignore_errors=True)
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


def launch_firefox_session(playwright: Playwright, config: BrowserConfig) -> BrowserSession:
    """A Firefox of the run's own, with one context (see clerk_harness.browser.firefox)."""
    from clerk_harness.browser import firefox

    browser, executable = firefox.launch_firefox(playwright, config)
    try:
        context, page = firefox.new_context(browser, config)
    except BaseException:
        browser.close()
        raise
    return BrowserSession(browser, context, page, config.visibility, executable, engine="firefox")


def launch_session(
    playwright: Playwright, config: BrowserConfig, *, timeout_s: float = 30, movable_clock: bool = False
) -> BrowserSession:
    """A browser of the run's own. `movable_clock`: WebKit's own wall clock can be moved (a story that asks)."""
    if config.engine == "firefox":
        return launch_firefox_session(playwright, config)
    if config.engine == "webkit":
        from clerk_harness.browser.webkit.launch import launch_webkit_session

        return launch_webkit_session(config, movable_clock=movable_clock)
    if config.cdp_endpoints:
        from clerk_harness.browser.remote import connect_remote

        session = connect_remote(playwright, config, config.cdp_endpoints[0], timeout_s=timeout_s)
        if config.profile == "rtt0":
            session.context.add_init_script(RTT_ZERO_SCRIPT)
        return session
    executable = find_chromium(config, playwright)
    config = _apply_profile(config)
    if config.visibility == "real":
        process, endpoint, profile, log = _start_chromium(executable, config, timeout_s)
        try:
            browser = playwright.chromium.connect_over_cdp(endpoint, no_defaults=True, slow_mo=config.slow_mo_ms)
            context = browser.contexts[0]
            page = context.pages[0] if context.pages else context.new_page()
        except BaseException as error:  # Ctrl-C included: never leave the browser behind
            code = browser_guard.wait_for_exit_code(Path(profile, browser_guard.CHILD_EXIT_FILE), within_s=0.5)
            browser_guard.release(process)
            shutil.rmtree(profile, ignore_errors=True)
            if isinstance(error, Exception) and code is not None:  # killed as it started: the run's error
                raise InfrastructureBroke(
                    f"Chromium exited ({browser_guard.exit_status(code)}) under the run, as it started", "browser"
                ) from error
            if isinstance(error, Exception):
                raise HarnessError(f"cannot connect to Chromium over CDP: {error}") from error
            raise
        session = BrowserSession(
            browser,
            context,
            page,
            "real",
            executable,
            process,
            profile,
            log,
            exit_file=str(Path(profile, browser_guard.CHILD_EXIT_FILE)),
        )
    else:
        try:
            args = with_harness_features([*no_egress_args(production_hosts=True), *config.args])
            browser = playwright.chromium.launch(
                executable_path=executable, headless=config.headless, args=args, slow_mo=config.slow_mo_ms
            )
        except Exception as error:
            raise HarnessError(f"cannot launch Chromium at {executable}: {error}") from error
        width, height = config.window_size
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            session = BrowserSession(browser, context, context.new_page(), "synthetic", executable)
        except BaseException:
            browser.close()
            raise
    if config.profile == "rtt0":
        session.context.add_init_script(RTT_ZERO_SCRIPT)
    return session


def screencast_is_cheap(session: BrowserSession) -> bool:
    """A trace's screencast (its screenshots): Chromium streams frames; over WebDriver BiDi Playwright asks
    Firefox for a screenshot again and again (60 in a 5 s run, a third of its protocol traffic), which
    slowed each Firefox run by seconds. Firefox traces keep their DOM snapshots, without the screencast."""
    return session.engine != "firefox"


def read_profile(page: Page) -> dict:
    return page.evaluate("""() => ({
        webdriver: navigator.webdriver,
        onLine: navigator.onLine,
        rtt: navigator.connection ? navigator.connection.rtt : null,
        userAgent: navigator.userAgent,
    })""")


def assert_realistic_profile(page: Page, engine: str = "chromium") -> dict:
    """clerk-js treats a webdriver browser, or rtt 0, as offline/invalid: fail loudly instead of misjudging.
    (Firefox has no `navigator.connection`: clerk-js's rtt check then passes, as it does for a Firefox user.)"""
    profile = read_profile(page)
    if profile["webdriver"]:
        raise HarnessError(
            "navigator.webdriver is true: launch Chromium with "
            "--disable-blink-features=AutomationControlled (see browser.args)"
            if engine == "chromium"
            else "navigator.webdriver is true on WebKit: it is driven through WebKitGTK's API, never WebDriver"
            if engine == "webkit"
            else "navigator.webdriver is true on Firefox: the realistic profile's init script did not "
            "run (clerk_harness.browser.firefox)"
        )
    has_rtt = engine == "chromium" or profile["rtt"] is not None
    if not profile["onLine"] or (has_rtt and not profile["rtt"]):
        raise HarnessError(
            f"the browser does not look online to clerk-js (onLine={profile['onLine']}, "
            f"rtt={profile['rtt']}): clerk-js <= 6.0.0 would think it is offline"
        )
    return profile
