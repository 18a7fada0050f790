"""The guard ends the browser's whole process group and removes its profile, however the harness ends.
Here the "browser" is a shell that starts a helper, as Chromium starts its zygotes and renderers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clerk_harness.browser.guard import GUARD_PID_FILE
from clerk_harness.browser.owned_folders import PROFILE_PREFIX, remove_stale_profiles

FAKE_BROWSER = ["sh", "-c", 'sleep 300 & echo $! > "$0/helper.pid"; echo ready > "$0/ready"; wait']


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def wait_for(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)  # sleep-ok: polls another process's state, bounded by `timeout`
    return condition()


def start_guard(profile: Path, **popen) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "clerk_harness.browser.guard",
        str(profile),
        "--",
        FAKE_BROWSER[0],
        FAKE_BROWSER[1],
        FAKE_BROWSER[2],
        str(profile),
    ]
    guard = subprocess.Popen(command, stdin=subprocess.PIPE, start_new_session=True, **popen)
    assert wait_for(lambda: (profile / "ready").exists())
    return guard


@pytest.fixture
def profile(tmp_path) -> Path:
    folder = tmp_path / f"{PROFILE_PREFIX}test"
    folder.mkdir()
    return folder


def test_the_guard_makes_and_marks_a_profile_the_harness_only_named(tmp_path):
    """The harness names the profile and the guard makes it: a harness ended before its guard started
    leaves no folder (a `run` worker ended at launch once left one), and the folder is marked as the guard's."""
    profile = tmp_path / f"{PROFILE_PREFIX}named"
    guard = start_guard(profile)
    assert (profile / GUARD_PID_FILE).read_text() == str(guard.pid)
    assert profile.stat().st_mode & 0o777 == 0o700
    guard.stdin.close()
    guard.wait(timeout=10)
    assert wait_for(lambda: not profile.exists())


def test_closing_stdin_ends_the_group_and_removes_the_profile(profile):
    guard = start_guard(profile)
    helper = int((profile / "helper.pid").read_text())
    guard.stdin.close()
    guard.wait(timeout=10)
    assert wait_for(lambda: not alive(helper)) and not profile.exists()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_to_the_guard_cleans_up(profile, sig):
    guard = start_guard(profile)
    helper = int((profile / "helper.pid").read_text())
    guard.send_signal(sig)
    guard.wait(timeout=10)
    assert wait_for(lambda: not alive(helper)) and not profile.exists()


def test_the_harness_killed_with_sigkill_leaves_nothing(profile):
    """A stand-in harness starts the guard and is then killed: the pipe closes, the guard cleans up."""
    harness = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"""
import subprocess, sys, time
subprocess.Popen([sys.executable, "-m", "clerk_harness.browser.guard", {str(profile)!r}, "--", *{FAKE_BROWSER!r}, {str(profile)!r}],
                 stdin=subprocess.PIPE, start_new_session=True)
time.sleep(300)  # sleep-ok: a harness busy with a run, until it is killed
""",
        ],
        cwd=Path(__file__).resolve().parents[2],
    )
    assert wait_for(lambda: (profile / "ready").exists())
    helper = int((profile / "helper.pid").read_text())
    harness.kill()
    harness.wait()
    assert wait_for(lambda: not alive(helper)) and wait_for(lambda: not profile.exists())


def test_stale_profiles_of_dead_guards_are_removed(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(tmp_path))
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale, live, fresh = (tmp_path / f"{PROFILE_PREFIX}{name}" for name in ("stale", "live", "fresh"))
    for folder in (stale, live, fresh):
        folder.mkdir()
    (stale / "guard.pid").write_text(str(dead.pid))
    (live / "guard.pid").write_text(str(os.getpid()))
    assert remove_stale_profiles() == 1
    assert not stale.exists() and live.exists() and fresh.exists()


def test_a_child_that_exits_by_itself_keeps_its_folder_until_the_harness_lets_go(tmp_path):
    folder = tmp_path / f"{PROFILE_PREFIX}crashed"
    folder.mkdir()
    guard = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "clerk_harness.browser.guard",
            str(folder),
            "--",
            "sh",
            "-c",
            f"echo last words > {folder}/app.log; exit 3",
        ],
        stdin=subprocess.PIPE,
        start_new_session=True,
    )
    assert wait_for(lambda: (folder / "guarded-child-exit-code").exists())
    assert (folder / "guarded-child-exit-code").read_text() == "3" and guard.poll() is None
    assert (folder / "app.log").read_text().strip() == "last words"
    guard.stdin.close()
    guard.wait(timeout=10)
    assert not folder.exists()
