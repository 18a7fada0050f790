"""Node's compile cache for Playwright's driver: on by default, in Node's own folder; a user's own setting
wins; and the driver really fills it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest

from clerk_harness.browser import driver_cache

START_THE_DRIVER = "from clerk_harness.browser import driver_env\ndriver_env.start_playwright().stop()"


@pytest.fixture
def clean_env(monkeypatch):
    for name in (driver_cache.VARIABLE, "NODE_DISABLE_COMPILE_CACHE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_it_is_on_in_nodes_own_folder(clean_env, tmp_path):
    clean_env.setenv("TMPDIR", str(tmp_path))
    clean_env.setattr(tempfile, "tempdir", None)  # Python caches its temporary folder; ask again
    assert driver_cache.variables(dict(os.environ)) == {driver_cache.VARIABLE: str(tmp_path / "node-compile-cache")}


@pytest.mark.parametrize("users_own", [{"NODE_COMPILE_CACHE": "/srv/cache"}, {"NODE_DISABLE_COMPILE_CACHE": "1"}])
def test_a_users_own_setting_wins(clean_env, users_own):
    assert driver_cache.variables({**os.environ, **users_own}) == {}


def test_playwrights_driver_fills_it(clean_env, tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", START_THE_DRIVER],
        env={**os.environ, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    cached = [path for path in (tmp_path / "node-compile-cache").rglob("*") if path.is_file()]
    assert cached, "Playwright's driver wrote nothing to the compile cache"
