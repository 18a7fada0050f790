"""Only Playwright's driver gets the harness's Node settings: the preload works beside an ESM app's
package.json, os.environ is the same before and after (from the CLI's start and from the pytest plugin),
the driver itself has them, and a driver that cannot start is one line with Node's own words."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from clerk_harness.browser import driver_env, firefox_driver_patch

NODE = shutil.which("node") or str(firefox_driver_patch.driver_bundle().parents[2] / "node")


@pytest.mark.parametrize("suffix, loads", [(".cjs", True), (".js", False)])
def test_the_preload_loads_below_an_esm_apps_package_json(tmp_path, suffix, loads):
    """The script sits in a venv inside the user's repo; Node takes a `.js` file's module type from the
    nearest package.json, which is the app's `"type": "module"`. The `.js` copy is the control."""
    (tmp_path / "package.json").write_text(json.dumps({"type": "module"}))
    script = tmp_path / ".venv" / "lib" / f"firefox_driver_patch{suffix}"
    script.parent.mkdir(parents=True)
    shutil.copy(firefox_driver_patch.script_path(), script)
    done = subprocess.run(
        [NODE, "-e", "0", "run-driver"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "NODE_OPTIONS": f'--require "{script}"'},
        timeout=30,
    )
    assert (done.returncode == 0) is loads, done.stderr
    assert firefox_driver_patch.script_path().suffix == ".cjs"


DRIVER_CHECK = """
import json, os, sys
sys.path.insert(0, sys.argv[1])
from test_driver_env import _driver_environ
from clerk_harness.browser import driver_env
before = dict(os.environ)
playwright = driver_env.start_playwright()
during = dict(os.environ)
driver = _driver_environ()
playwright.stop()
print(json.dumps({"same": before == during == dict(os.environ), "driver": driver.get("NODE_OPTIONS", "")}))
"""


def test_the_driver_gets_the_settings_and_os_environ_does_not():
    """In a process of its own: a sync Playwright cannot start beside another one's event loop."""
    env = {**os.environ, "NODE_OPTIONS": "--max-old-space-size=512"}
    done = subprocess.run(
        [sys.executable, "-c", DRIVER_CHECK, str(Path(__file__).parent)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["same"], "os.environ changed around the driver's start"
    assert seen["driver"].startswith("--max-old-space-size=512 --require")
    assert str(firefox_driver_patch.script_path()) in seen["driver"]


def test_the_temp_dir_moves_only_inside_the_block(monkeypatch):
    monkeypatch.setenv("TMPDIR", "/somewhere")
    with driver_env.applied(temp_dir="/scratch"):
        assert os.environ["TMPDIR"] == "/scratch"
    assert os.environ["TMPDIR"] == "/somewhere"
    monkeypatch.delenv("TMPDIR")
    with driver_env.applied(temp_dir="/scratch"):
        assert os.environ["TMPDIR"] == "/scratch"
    assert "TMPDIR" not in os.environ


def _driver_environ() -> dict[str, str]:
    """The environment of this process's Playwright driver (a child running `cli.js run-driver`)."""
    for child in Path("/proc").glob("[0-9]*"):
        try:
            if int((child / "stat").read_text().rsplit(")", 1)[1].split()[1]) != os.getpid():
                continue
            if b"run-driver" not in (child / "cmdline").read_bytes():
                continue
            raw = (child / "environ").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        return dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)
    raise AssertionError("no Playwright driver among this process's children")


def test_a_driver_that_cannot_start_is_one_line_with_nodes_words(tmp_path):
    code = (
        "from clerk_harness.browser import driver_env\n"
        "try:\n    driver_env.start_playwright()\n"
        "except driver_env.DriverDidNotStart as error:\n    print(error)"
    )
    env = {**os.environ, "NODE_OPTIONS": f"--require {tmp_path / 'missing.cjs'}"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    message = done.stdout.strip()
    assert "\n" not in message and "did not start" in message, done.stdout + done.stderr
    assert "Cannot find module" in message and "check your NODE_OPTIONS" in message


def test_first_error_line_picks_the_error_over_the_stack():
    stderr = textwrap.dedent("""\
        file:///repo/.venv/lib/firefox_driver_patch.js:6
          const Module = require("module");
                         ^

        ReferenceError: require is not defined in ES module scope, you can use import instead
            at file:///repo/.venv/lib/firefox_driver_patch.js:6:18
        """)
    assert driver_env.first_error_line(stderr).startswith("ReferenceError: require is not defined")


PLUGIN_RUN = """
import os, subprocess

def environ():
    return {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}

BEFORE = environ()

def test_a_users_own_test_sees_nothing_of_the_harness(playwright):
    assert environ() == BEFORE
    node_options = subprocess.run(["node", "-p", "process.env.NODE_OPTIONS || ''"], capture_output=True,
                                  text=True).stdout.strip()
    assert node_options == "", node_options
"""


def test_the_pytest_plugin_leaves_os_environ_unchanged(tmp_path):
    """pytest-playwright's own `playwright` fixture starts the driver with the settings (the plugin's hook);
    the test beside it, and every process it starts, sees the environment it had."""
    (tmp_path / "test_users_own.py").write_text(PLUGIN_RUN)
    env = {k: v for k, v in os.environ.items() if k not in ("NODE_OPTIONS", "NODE_COMPILE_CACHE")}
    env["PATH"] = f"{Path(NODE).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-q", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


LOGGED_ERROR = """
import logging
from clerk_harness.browser import driver_log
driver_log.one_line_errors()
try:
    raise RuntimeError('Cannot find object to "__dispose__": page@1\\nsecond line')
except RuntimeError as error:
    logging.getLogger("playwright").error("Error occurred in event listener", exc_info=error)
"""


def test_an_error_playwright_logs_is_one_line_not_a_traceback():
    """A killed browser can leave a driver message with nothing to dispatch it to; Playwright logs that,
    and the run that was hit reports its own `error` verdict. Without the handler it is a whole traceback."""
    done = subprocess.run([sys.executable, "-c", LOGGED_ERROR], capture_output=True, text=True, timeout=30)
    assert done.stderr.splitlines() == [
        '[playwright] Error occurred in event listener: RuntimeError: Cannot find object to "__dispose__": page@1 '
        "(at <string>:6)"
    ]
    control = subprocess.run(
        [sys.executable, "-c", LOGGED_ERROR.replace("driver_log.one_line_errors()", "")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "Traceback" in control.stderr


def test_a_driver_on_first_use_starts_when_used_and_stops_only_if_started(monkeypatch):
    """WebKit's runs never use Playwright: a driver nobody asked for is never started, nor stopped."""
    started: list[str | None] = []

    class Driver:
        stopped = False
        chromium = "the chromium browser type"

        def stop(self) -> None:
            self.stopped = True

    driver = Driver()
    monkeypatch.setattr(driver_env, "start_playwright", lambda temp_dir=None: started.append(temp_dir) or driver)
    unused = driver_env.start_on_first_use(temp_dir="/scratch")
    unused.stop()
    assert started == [] and not driver.stopped

    used = driver_env.start_on_first_use(temp_dir="/scratch")
    assert used.chromium == "the chromium browser type" and started == ["/scratch"]
    assert used.chromium and started == ["/scratch"]  # once
    used.stop()
    assert driver.stopped
