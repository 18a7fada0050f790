"""Node's compile cache for Playwright's driver: on by default, in Node's own folder; a user's own setting
wins; the driver really fills it; and the apps a user hands to the harness never inherit it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest

from clerk_harness.browser import driver_cache

START_THE_DRIVER = ("from clerk_harness.browser import driver_cache; driver_cache.enable()\n"
                    "from playwright.sync_api import sync_playwright\n"
                    "with sync_playwright() as playwright: pass")


@pytest.fixture
def clean_env(monkeypatch):
    for name in (driver_cache.VARIABLE, "NODE_DISABLE_COMPILE_CACHE", driver_cache._SET_HERE):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_it_is_on_in_nodes_own_folder_and_never_handed_to_a_users_app(clean_env, tmp_path):
    clean_env.setenv("TMPDIR", str(tmp_path))
    clean_env.setattr(tempfile, "tempdir", None)  # Python caches its temporary folder; ask again
    driver_cache.enable()
    assert os.environ[driver_cache.VARIABLE] == str(tmp_path / "node-compile-cache")
    app_env = driver_cache.for_user_app({**os.environ, "PORT": "3000"})
    assert driver_cache.VARIABLE not in app_env and driver_cache._SET_HERE not in app_env and app_env["PORT"] == "3000"


@pytest.mark.parametrize("users_own", [{"NODE_COMPILE_CACHE": "/srv/cache"}, {"NODE_DISABLE_COMPILE_CACHE": "1"}])
def test_a_users_own_setting_wins_and_reaches_their_app(clean_env, users_own):
    for name, value in users_own.items():
        clean_env.setenv(name, value)
    driver_cache.enable()
    assert os.environ.get(driver_cache.VARIABLE) == users_own.get(driver_cache.VARIABLE)
    assert driver_cache.for_user_app(dict(os.environ)).items() >= users_own.items()


def test_playwrights_driver_fills_it(clean_env, tmp_path):
    done = subprocess.run([sys.executable, "-c", START_THE_DRIVER], env={**os.environ, "TMPDIR": str(tmp_path)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    cached = [path for path in (tmp_path / "node-compile-cache").rglob("*") if path.is_file()]
    assert cached, "Playwright's driver wrote nothing to the compile cache"
