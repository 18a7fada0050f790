"""Firefox, the second engine: the driver workaround still matches, a missing or too-old Firefox is one
line, and the profile keeps every request on loopback (only the driver gets the workaround: test_driver_env)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clerk_harness.browser import firefox, firefox_driver_patch
from clerk_harness.config import BrowserConfig, HarnessConfig
from clerk_harness.errors import HarnessError
from clerk_harness.releases import setup as harness_setup

CLI = str(Path(sys.executable).with_name("clerk-harness"))


def test_the_driver_workaround_matches_the_installed_playwright():
    """Fails loudly, naming the Playwright version, on the day Playwright's driver changes: then Firefox
    runs would fail on every context with `unknown command`."""
    found = firefox_driver_patch.sends_found()
    assert found == firefox_driver_patch.SENDS_IN_DRIVER, (
        f"Playwright {firefox_driver_patch.playwright_version()}'s driver holds {found} of the "
        f"{firefox_driver_patch.SENDS_IN_DRIVER} sends the Firefox workaround changes: update "
        f"harness/clerk_harness/browser/firefox_driver_patch.py"
    )
    firefox_driver_patch.check()


def test_a_stale_workaround_is_one_line_naming_the_playwright_version(monkeypatch):
    monkeypatch.setattr(firefox_driver_patch, "sends_found", lambda: 0)
    with pytest.raises(HarnessError, match=r"no longer matches Playwright \d+\.\d+") as caught:
        firefox_driver_patch.check()
    assert "\n" not in str(caught.value)


def test_the_script_changes_only_the_drivers_bundle_in_the_driver_process(tmp_path):
    script = firefox_driver_patch.script_path().read_text()
    assert f"'{firefox_driver_patch.SENT}'" in script and f"'{firefox_driver_patch.MAY_FAIL}'" in script
    bundle = tmp_path / "lib" / "coreBundle.js"
    bundle.parent.mkdir()
    bundle.write_text(f"module.exports = (s) => s{firefox_driver_patch.SENT}, {{}});")
    probe = (
        "const s = { send: () => 'send', sendMayFail: () => 'sendMayFail' };"
        f"console.log(require({json.dumps(str(bundle))})(s));"
    )
    node = Path(firefox_driver_patch.driver_bundle()).parents[2] / "node"
    env = {**os.environ, "NODE_OPTIONS": f'--require "{firefox_driver_patch.script_path()}"'}
    as_driver = subprocess.run([str(node), "-e", probe, "run-driver"], capture_output=True, text=True, env=env)
    as_other = subprocess.run([str(node), "-e", probe], capture_output=True, text=True, env=env)
    assert as_driver.stdout.strip() == "sendMayFail", as_driver.stderr
    assert as_other.stdout.strip() == "send", as_other.stderr


def test_every_request_beyond_loopback_goes_nowhere():
    prefs = firefox.firefox_prefs()
    assert prefs["network.proxy.type"] == 1 and prefs["network.proxy.ssl_port"] == 9
    assert prefs["network.proxy.allow_hijacking_localhost"] is False and prefs["network.trr.mode"] == 5
    bypass = [host.strip() for host in str(prefs["network.proxy.no_proxies_on"]).split(",")]
    assert set(bypass) == {"localhost", "127.0.0.1", "[::1]", "clerk.harness.test", "app.harness.test"}
    assert prefs["network.dns.localDomains"] == "clerk.harness.test,app.harness.test"


def test_a_missing_firefox_is_one_line_that_says_how_to_get_one(monkeypatch):
    monkeypatch.setattr(firefox.shutil, "which", lambda name: None)
    monkeypatch.setattr(harness_setup.os, "geteuid", lambda: 1000)
    config = HarnessConfig()
    config.browser.engine = "firefox"
    with pytest.raises(HarnessError, match="setup --browser firefox.*firefox-esr"):
        harness_setup.ensure_browser(config, progress=lambda _: None)


def test_root_installs_firefox_esr_with_apt_get(monkeypatch):
    commands = []
    installed = lambda: any("firefox-esr" in command for command in commands)
    on_path = {
        "apt-get": lambda: "/usr/bin/apt-get",
        "firefox-esr": lambda: "/usr/bin/firefox-esr" if installed() else None,
    }
    monkeypatch.setattr(firefox.shutil, "which", lambda name: on_path.get(name, lambda: None)())
    monkeypatch.setattr(harness_setup.os, "geteuid", lambda: 0)
    monkeypatch.setattr(
        harness_setup.subprocess,
        "run",
        lambda cmd, **kw: commands.append(cmd) or subprocess.CompletedProcess(cmd, 0, "", ""),
    )
    monkeypatch.setattr(firefox, "check_firefox", lambda path: "153.8.0")
    config = HarnessConfig()
    config.browser.engine = "firefox"
    assert harness_setup.ensure_browser(config, progress=lambda _: None) == "/usr/bin/firefox-esr"
    assert commands[-1] == ["apt-get", "install", "-y", "-qq", "firefox-esr"]


@pytest.mark.parametrize(
    "said, error",
    [
        ("Mozilla Firefox 115.9.1esr", "Firefox 115.9.1 at .* is too old"),
        ("", "is not a Firefox"),
    ],
)
def test_an_old_or_strange_firefox_is_one_line(tmp_path, said, error):
    fake = tmp_path / "firefox"
    fake.write_text(f"#!/bin/sh\necho '{said}'\n")
    fake.chmod(0o755)
    with pytest.raises(HarnessError, match=error):
        firefox.check_firefox(str(fake))


def test_a_configured_firefox_that_is_not_there_exits_2_with_one_line(tmp_path, clerk_config):
    config = tmp_path / "playwright.config.json"
    config.write_text(
        json.dumps(
            {
                "browser": {"firefoxExecutablePath": "/nowhere/firefox"},
                "clerkJs": {"cacheDir": str(clerk_config.clerk_js.cache_dir)},
            }
        )
    )
    done = subprocess.run(
        [CLI, "repro", "offline-reload", "--clerk-js", "6.1.0", "--browser", "firefox"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CLERK_HARNESS_CONFIG": str(config)},
    )
    assert done.returncode == 2 and "/nowhere/firefox" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_the_rtt0_profile_needs_chromium():
    with pytest.raises(HarnessError, match="rtt0.*--browser chromium"):
        firefox.launch_firefox(None, BrowserConfig(engine="firefox", profile="rtt0"))  # type: ignore[arg-type]
