"""One-shot, idempotent set-up: a browser to drive (Chromium, or Firefox) and the configured clerk-js bundles
in the cache."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

from clerk_harness.browser import driver_env, driver_scratch
from clerk_harness.browser.launch import HOW_TO_GET_ONE, find_chromium
from clerk_harness.config import HarnessConfig
from clerk_harness.errors import HarnessError
from clerk_harness.releases.clerk_js import ClerkJsCache

if TYPE_CHECKING:
    from playwright.sync_api import Playwright

Progress = Callable[[str], None]


def _say(message: str) -> None:
    print(f"[setup] {message}", file=sys.stderr, flush=True)


def _apt_get_install(package: str, progress: Progress, *more: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", package, *more]):
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise HarnessError(f"`{' '.join(command)}` failed: {tail}")


def ensure_firefox(config: HarnessConfig, progress: Progress = _say) -> str:
    """The configured Firefox, else one on PATH; as root, apt-get installs Debian's firefox-esr. Then its
    version and Playwright's driver are checked (clerk_harness.browser.firefox)."""
    from clerk_harness.browser import firefox

    if config.browser.cdp_endpoints:
        raise HarnessError("a remote browser (--cdp-endpoint) is a Chromium: run Firefox here, without --cdp-endpoint")
    try:
        path = firefox.find_firefox(config.browser)
    except HarnessError:
        if config.browser.firefox_executable_path or os.geteuid() != 0 or shutil.which("apt-get") is None:
            raise
        progress("no Firefox found: installing Debian's firefox-esr with apt-get (about a minute, once)")
        _apt_get_install("firefox-esr", progress)
        path = firefox.find_firefox(config.browser)
    version = firefox.check_firefox(path)
    progress(f"browser: {path} (Firefox {version}, experimental: WebDriver BiDi)")
    return path


def ensure_webkit(progress: Progress = _say) -> str:
    """WebKitGTK for the system's python3, a virtual display and `ip` (clerk_harness.browser.webkit); as root,
    apt-get installs Debian's packages. Linux only."""
    from clerk_harness.browser.webkit import launch as webkit

    if webkit.missing() and os.geteuid() == 0 and shutil.which("apt-get") is not None:
        progress("installing Debian's WebKitGTK and xvfb with apt-get (about a minute, once)")
        _apt_get_install(webkit.PACKAGES[0], progress, *webkit.PACKAGES[1:])
    version = webkit.check_webkit()
    progress(f"browser: WebKitGTK {version} (Safari's engine, through its own API, in a network namespace)")
    return f"WebKitGTK {version}"


def ensure_browser(config: HarnessConfig, progress: Progress = _say, playwright: Playwright | None = None) -> str:
    """The configured engine's browser: for Firefox see `ensure_firefox`. The configured Chromium, else Playwright's, else a system one; as root, apt-get installs Debian's.
    With remote browsers (`browser.cdpEndpoint`) nothing is needed here. A caller that has started
    Playwright passes it: asking Playwright where its own browser is otherwise starts its driver (0.35 s)."""
    if config.browser.engine == "firefox":
        return ensure_firefox(config, progress)
    if config.browser.engine == "webkit":
        if config.browser.cdp_endpoints:
            raise HarnessError(
                "a remote browser (--cdp-endpoint) is a Chromium: run WebKit here, without --cdp-endpoint"
            )
        return ensure_webkit(progress)
    if config.browser.cdp_endpoints:
        from clerk_harness.browser.remote import check_cdp_endpoint

        for endpoint in config.browser.cdp_endpoints:
            check_cdp_endpoint(endpoint)
        progress(f"browser: remote, over CDP ({', '.join(config.browser.cdp_endpoints)})")
        return config.browser.cdp_endpoints[0]
    try:
        path = find_chromium(config.browser, playwright)
        progress(f"browser: {path}")
        return path
    except HarnessError:
        if config.browser.executable_path:
            raise
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise HarnessError(HOW_TO_GET_ONE)
    progress("no Chromium found: installing Debian's chromium with apt-get (a few minutes, once)")
    _apt_get_install("chromium", progress)
    path = find_chromium(config.browser)
    progress(f"browser: {path}")
    return path


@contextmanager
def playwright_with_browser(config: HarnessConfig) -> Iterator[Playwright]:
    """Playwright's driver, once it has found the browser: asked of this driver, not of a second one, so a
    missing browser is one line before anything else runs. Its temp dir is a scratch folder of this
    command's own (see clerk_harness.browser.driver_scratch). WebKit's runs never use Playwright: for
    WebKit its driver starts only if something asks for it."""
    scratch = driver_scratch.make()
    try:
        playwright = driver_env.playwright_for(scratch, webkit_only=config.browser.engine == "webkit")
        try:
            ensure_browser(config, progress=lambda _: None, playwright=playwright)
            yield playwright
        finally:
            playwright.stop()
    finally:
        driver_scratch.remove(scratch)


def ensure_versions(config: HarnessConfig, versions: list[str] | None = None, progress: Progress = _say) -> list[str]:
    cache = ClerkJsCache(config.clerk_js.cache_dir)
    wanted = list(dict.fromkeys(versions or [*config.clerk_js.versions, *config.clerk_js.demo_versions]))
    ready = []
    for spec in wanted:
        bundle = cache.ensure(spec)
        progress(f"clerk-js {bundle.version}: cached ({bundle.integrity[:19]}…)")
        ready.append(bundle.version)
    return ready


def with_engine(config: HarnessConfig, engine: str) -> HarnessConfig:
    return replace(config, browser=replace(config.browser, engine=engine))


def ensure_app_clock(progress: Progress = _say) -> str | None:
    """libfaketime, which puts a user's app on the harness's virtual clock (clerk_harness.faketime); as root,
    apt-get installs Debian's. Without it, runs against an app use real time: one line says so."""
    from clerk_harness.faketime import INSTALL_HINT, find_libfaketime

    library = find_libfaketime()
    if library is None and os.geteuid() == 0 and shutil.which("apt-get") is not None:
        progress("installing Debian's faketime with apt-get (for your app on the virtual clock; once)")
        try:
            _apt_get_install("faketime", progress)
        except HarnessError as error:
            progress(f"could not install faketime ({error})")
        library = find_libfaketime()
    if library is None:
        progress(f"libfaketime is not installed: runs against your app use real time ({INSTALL_HINT})")
        return None
    progress(f"your app's clock: virtual (libfaketime: {library})")
    return str(library)


def ensure_display(progress: Progress = _say) -> str | None:
    """xvfb-run, which gives a headed Chromium a display where there is none: the stories of real window
    focus need one (headless Chromium gives every window the focus). As root, apt-get installs Debian's
    xvfb; without it, those stories in Chromium say so in one line (Firefox needs none)."""
    found = shutil.which("xvfb-run")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get") is not None:
        progress("installing Debian's xvfb with apt-get (a display for Chromium's real-focus stories; once)")
        try:
            _apt_get_install("xvfb", progress, "xauth")
        except HarnessError as error:
            progress(f"could not install xvfb ({error})")
        found = shutil.which("xvfb-run")
    if found is None:
        progress("xvfb is not installed: Chromium cannot run the real-focus stories here (apt-get install xvfb)")
        return None
    progress(f"a display for headed Chromium: {found}")
    return found


def run_setup(
    config: HarnessConfig,
    versions: list[str] | None = None,
    progress: Progress = _say,
    *,
    engines: list[str] | None = None,
) -> None:
    for engine in dict.fromkeys(engines or [config.browser.engine]):
        ensure_browser(with_engine(config, engine), progress)
    ensure_versions(config, versions, progress)
    ensure_app_clock(progress)
    if "chromium" in (engines or [config.browser.engine]) and not os.environ.get("DISPLAY"):
        ensure_display(progress)
