"""pytest-playwright's own options work with the Clerk fixtures as they do there: `--browser firefox` drives
Firefox (and `--browser webkit` WebKit), `--tracing on` keeps a full trace (DOM snapshots), `--screenshot on` a screenshot, `--output` says
where; two engines in one run stop it with one line."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

A_USERS_TEST = """
import pytest

@pytest.mark.clerk_js("6.40.0")
def test_the_app_opens(clerk_session, clerk_config):
    assert clerk_config.browser.engine == "chromium"

def test_the_engine_is_the_one_asked_for(clerk_config):
    assert clerk_config.browser.engine == "{engine}"
"""


def pytest_in(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-q", *args],
        cwd=folder,
        env={**env, "CLERK_HARNESS_CONFIG": str(Path.cwd() / "playwright.config.json")},
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.parametrize("engine", ["firefox", "webkit"])
def test_browser_selects_the_engine(tmp_path, engine):
    """The engine the fixtures launch is the config's (the Firefox and WebKit tests drive it); no browser
    starts here."""
    (tmp_path / "test_users.py").write_text(A_USERS_TEST.format(engine=engine))
    done = pytest_in(tmp_path, "--browser", engine, "-k", "engine")
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout + done.stderr


def test_tracing_screenshot_and_output(tmp_path):
    (tmp_path / "test_users.py").write_text(A_USERS_TEST.format(engine="chromium"))
    output = tmp_path / "results"
    done = pytest_in(tmp_path, "--tracing", "on", "--screenshot", "on", "--output", str(output), "-k", "opens")
    assert done.returncode == 0, done.stdout + done.stderr
    kept = [folder for folder in output.iterdir() if folder.is_dir()]
    assert len(kept) == 1, list(output.iterdir())
    assert (kept[0] / "screenshot.png").is_file()
    with zipfile.ZipFile(kept[0] / "trace.zip") as trace:
        events = "".join(
            trace.read(name).decode(errors="ignore") for name in trace.namelist() if name.endswith(".trace")
        )
    assert '"frame-snapshot"' in events, "--tracing on keeps DOM snapshots, as pytest-playwright's full trace does"


def test_two_engines_in_one_run_stop_it(tmp_path):
    (tmp_path / "test_users.py").write_text(A_USERS_TEST.format(engine="chromium"))
    done = pytest_in(tmp_path, "--browser", "chromium", "--browser", "firefox")
    assert done.returncode == 4, done.stdout + done.stderr  # pytest's usage error
    assert "one engine per pytest run" in done.stderr
