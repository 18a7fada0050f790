"""Set-up finds a browser in the documented order and installs Debian's chromium only as root."""

from __future__ import annotations

import subprocess

import pytest

from clerk_harness.config import HarnessConfig
from clerk_harness.errors import HarnessError
from clerk_harness.releases import setup as harness_setup


def test_configured_browser_must_exist(tmp_path):
    config = HarnessConfig()
    config.browser.executable_path = str(tmp_path / "no-chromium")
    with pytest.raises(HarnessError, match="does not exist"):
        harness_setup.ensure_browser(config, progress=lambda _: None)


def test_root_installs_chromium_with_apt_get(monkeypatch):
    found = iter([HarnessError("none"), "/usr/bin/chromium"])

    def find(_config, _playwright=None):
        result = next(found)
        if isinstance(result, Exception):
            raise result
        return result

    commands = []
    monkeypatch.setattr(harness_setup, "find_chromium", find)
    monkeypatch.setattr(harness_setup.os, "geteuid", lambda: 0)
    monkeypatch.setattr(harness_setup.shutil, "which", lambda name: "/usr/bin/apt-get")
    monkeypatch.setattr(
        harness_setup.subprocess,
        "run",
        lambda cmd, **kw: commands.append(cmd) or subprocess.CompletedProcess(cmd, 0, "", ""),
    )
    assert harness_setup.ensure_browser(HarnessConfig(), progress=lambda _: None) == "/usr/bin/chromium"
    assert commands == [["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]]


def test_without_root_one_line_says_how_to_get_one(monkeypatch):
    def find(_config, _playwright=None):
        raise HarnessError("none")

    monkeypatch.setattr(harness_setup, "find_chromium", find)
    monkeypatch.setattr(harness_setup.os, "geteuid", lambda: 1000)
    with pytest.raises(HarnessError, match="playwright install chromium.*apt-get install chromium"):
        harness_setup.ensure_browser(HarnessConfig(), progress=lambda _: None)


def test_no_driver_is_started_when_playwright_installed_no_chromium(monkeypatch, tmp_path):
    """`run` finds the browser before its workers start: with nothing in Playwright's browser folder it
    goes to the system Chromium without starting Playwright's driver just to ask."""
    import playwright.sync_api

    from clerk_harness.browser import launch as browser

    def no_driver():
        raise AssertionError("Playwright's driver was started")

    monkeypatch.setattr(playwright.sync_api, "sync_playwright", no_driver)
    monkeypatch.setattr(browser.shutil, "which", lambda name: f"/usr/bin/{name}")
    for empty in (tmp_path / "never-made", tmp_path):
        monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(empty))
        assert not browser.playwright_browsers_may_exist()
        assert browser.find_chromium(HarnessConfig().browser) == "/usr/bin/chromium"
    (tmp_path / "chromium-1200").mkdir()
    assert browser.playwright_browsers_may_exist()  # then the driver is asked where it is
    monkeypatch.delenv("PLAYWRIGHT_BROWSERS_PATH")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert not browser.playwright_browsers_may_exist()  # <cache>/ms-playwright holds nothing
    (tmp_path / "ms-playwright" / "chromium_headless_shell-1200").mkdir(parents=True)
    assert browser.playwright_browsers_may_exist()
