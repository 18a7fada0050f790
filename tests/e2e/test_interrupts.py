"""A repro interrupted at several moments (Ctrl-C to the process group, SIGTERM, SIGKILL) leaves no
browser process and no profile folder behind; Ctrl-C and SIGTERM say "interrupted" and exit 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from clerk_harness.browser import driver_scratch

pytestmark = pytest.mark.e2e
CLI = str(Path(sys.executable).with_name("clerk-harness"))


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(") ", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def cmdline(pid: int) -> list[str]:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def live_processes_using(profile: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and any(profile in arg for arg in cmdline(int(entry.name))):
            try:
                if (entry / "stat").read_text().rsplit(") ", 1)[1][0] != "Z":
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def interrupt(run: subprocess.Popen, how: str, timeout: float) -> None:
    """Ctrl-C (as a terminal sends it: to every process of the job), SIGTERM or SIGKILL; then, unless
    killed or finished before the signal landed (exit 0), the command says "interrupted" and exits 130."""
    if how == "ctrl-c":
        os.killpg(run.pid, signal.SIGINT)
    else:
        run.send_signal(signal.SIGTERM if how == "sigterm" else signal.SIGKILL)
    _, err = run.communicate(timeout=timeout)
    if how != "sigkill" and run.returncode != 0:
        assert run.returncode == 130 and "interrupted" in err, (run.returncode, err[-500:])


def start_in_own_group(command: list[str], temp_dir: Path | None = None) -> subprocess.Popen:
    """A command in a process group of its own, as a terminal starts it (Ctrl-C reaches the whole group),
    its temp files in `temp_dir` when given."""
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "TMPDIR": str(temp_dir)} if temp_dir is not None else None,
    )


def browser_guard_of(run: subprocess.Popen) -> int | None:
    """The guard the command started its browser under (None if it never did)."""
    return wait_for(
        lambda: next((p for p in children(run.pid) if "clerk_harness.browser.guard" in cmdline(p)), None),
        timeout=30,
    )


def wait_for(condition, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.02)  # sleep-ok: polls /proc for another process's state, bounded by `timeout`
    return condition()


@pytest.mark.parametrize(
    "how, delay_s", [("ctrl-c", 0.0), ("ctrl-c", 1.0), ("sigterm", 0.5), ("sigkill", 0.0), ("sigkill", 1.0)]
)
def test_an_interrupted_repro_leaves_nothing_behind(how, delay_s, tmp_path, clerk_js_bundle_610):
    run = start_in_own_group(
        [CLI, "repro", "offline-visibility", "--clerk-js", "6.1.0", "--quiet", "--artifacts", str(tmp_path)]
    )
    try:
        guard = browser_guard_of(run)
        assert guard, "the repro never started its browser"
        profile = cmdline(guard)[3]
        time.sleep(delay_s)  # sleep-ok: the moment of the interrupt is what this test varies
        interrupt(run, how, timeout=20)
    finally:
        if run.poll() is None:
            run.kill()
    assert wait_for(lambda: not live_processes_using(profile), timeout=10), live_processes_using(profile)
    assert wait_for(lambda: not Path(profile).exists(), timeout=10), f"{profile} was left behind"
    # Its Playwright driver's temp folder: removed by the repro, or (SIGKILL) by the next command.
    scratch = [
        folder
        for folder in Path(tempfile.gettempdir()).glob(driver_scratch.PREFIX + "*")
        if (folder / driver_scratch.OWNER_FILE).is_file()
        and (folder / driver_scratch.OWNER_FILE).read_text() == str(run.pid)
    ]
    if how == "sigkill":
        assert wait_for(lambda: not in_group(run.pid), timeout=10), in_group(run.pid)  # its driver too
        driver_scratch.remove_stale()
    assert not [folder for folder in scratch if folder.exists()], scratch


def in_group(pgid: int) -> list[int]:
    """Live processes of a process group (zombies aside)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(") ", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                pids.append(int(entry.name))
    return pids


@pytest.mark.parametrize("how", ["ctrl-c", "sigkill"])
def test_an_interrupted_run_leaves_nothing_behind(how, short_temp_dir, clerk_js_bundle_610):
    """Ctrl-C: `run` ends its workers at once, their browsers' guards remove the profiles, and the run
    removes the folder its Playwright drivers kept their artifacts in (they used to stay in /tmp).
    SIGKILL: the workers die with the run (they used to live on, each with its driver), and so do their
    browsers; only the run's own scratch folder stays, for the next command to remove."""
    temp = short_temp_dir
    run = start_in_own_group(
        [CLI, "run", "--scenario", "offline-visibility", "--clerk-js", "6.1.0", "--repeat", "6"], temp
    )
    try:
        assert wait_for(lambda: list(temp.glob(driver_scratch.PREFIX + "*/playwright-artifacts-*")), timeout=30), (
            "no worker started its Playwright driver"
        )
        if how == "ctrl-c":
            os.killpg(run.pid, signal.SIGINT)
        else:
            run.kill()
        out, err = run.communicate(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
    if how == "ctrl-c":
        assert run.returncode == 130 and "interrupted" in out + err, (run.returncode, (out + err)[-500:])
    assert wait_for(lambda: not in_group(run.pid), timeout=10), f"left running: {in_group(run.pid)}"
    allowed = {"node-compile-cache"} | (
        {p.name for p in temp.glob(driver_scratch.PREFIX + "*")} if how == "sigkill" else set()
    )
    left = lambda: sorted(p.name for p in temp.iterdir() if p.name not in allowed)
    # A guard ends Chromium's group with 3 s of grace (SIGTERM, then SIGKILL) and 1 s more for its helpers
    # before it removes the profile; on a loaded machine (2 cores, two workers' browsers) once more than 10 s.
    assert wait_for(lambda: not left(), timeout=20), left()


@pytest.fixture
def clerk_js_bundle_610(clerk_config):
    from clerk_harness.releases.clerk_js import ClerkJsCache

    return ClerkJsCache(clerk_config.clerk_js.cache_dir).ensure("6.1.0")


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm", "sigkill"])
def test_an_interrupted_firefox_repro_leaves_nothing_behind(how, short_temp_dir, clerk_js_bundle_610, monkeypatch):
    """Firefox is started by Playwright's driver, in a process group and a profile folder of its own: the
    repro's end (Ctrl-C, SIGTERM) or its driver's (it sees the harness go, SIGKILL) ends the whole group
    and removes the profile; the driver's scratch folder is the next command's to remove after SIGKILL."""
    temp = short_temp_dir
    run = start_in_own_group(
        [
            CLI,
            "repro",
            "offline-visibility",
            "--clerk-js",
            "6.1.0",
            "--quiet",
            "--browser",
            "firefox",
            "--artifacts",
            str(temp / "artifacts"),
        ],
        temp,
    )

    def firefox() -> int | None:
        return next(
            (
                pid
                for pid in all_processes()
                if "firefox" in Path((cmdline(pid) or [""])[0]).name and any(str(temp) in arg for arg in cmdline(pid))
            ),
            None,
        )

    try:
        main = wait_for(firefox, timeout=30)
        assert main, "the repro never started Firefox"
        profile = next(arg for arg in cmdline(main) if str(temp) in arg)
        assert in_group(main), "Firefox runs in a process group of its own"
        interrupt(run, how, timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
    assert wait_for(lambda: not in_group(main), timeout=10), f"Firefox left running: {in_group(main)}"
    assert wait_for(lambda: not Path(profile).exists(), timeout=10), f"{profile} was left behind"
    if how == "sigkill":  # the driver's scratch folder stays behind: the next command (its TMPDIR) removes it
        monkeypatch.setattr(tempfile, "tempdir", str(temp))
        driver_scratch.remove_stale()
    left = sorted(p.name for p in temp.iterdir() if p.name not in ("node-compile-cache", "artifacts"))
    assert not left, left


def all_processes() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def test_a_firefox_whose_driver_was_cut_off_ends_with_the_scratch_folder(short_temp_dir, monkeypatch):
    """Playwright's driver and its command killed outright (as when a call into Firefox hung and the run was
    ended) leave Firefox running on a profile inside the driver's scratch folder: the next command, which
    removes the orphaned folder, ends it. (In a process of its own: this test's worker has a driver already.)"""
    started = subprocess.Popen(
        [sys.executable, "-c", CUT_OFF_FIREFOX],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(short_temp_dir)},
        start_new_session=True,
    )
    try:
        scratch, firefox = started.stdout.readline().split()
        main = int(firefox)
        driver = int(Path(f"/proc/{main}/stat").read_text().split(") ", 1)[1].split()[1])
        os.kill(driver, signal.SIGKILL)
        started.kill()
        started.wait(timeout=10)
        assert wait_for(lambda: Path(f"/proc/{main}").exists(), timeout=2), "Firefox went with its driver"
        monkeypatch.setattr(tempfile, "tempdir", str(short_temp_dir))
        assert driver_scratch.remove_stale() == 1
        assert wait_for(lambda: not running(main), timeout=10), f"Firefox {main} left running"
        assert not Path(scratch).exists()
    finally:
        if started.poll() is None:
            started.kill()


CUT_OFF_FIREFOX = """
import time
from pathlib import Path
from clerk_harness.browser import driver_env, driver_scratch
from clerk_harness.browser.firefox import launch_firefox
from clerk_harness.config import load_config
from dataclasses import replace

config = load_config()
scratch = driver_scratch.make()
playwright = driver_env.start_playwright(temp_dir=scratch)
launch_firefox(playwright, replace(config.browser, engine="firefox"))
main = next(int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and "firefox" in
            (p / "cmdline").read_bytes().split(b"\\0")[0].decode() and scratch.encode() in (p / "cmdline").read_bytes())
print(scratch, main, flush=True)
time.sleep(120)  # sleep-ok: held until the test kills this process and its driver
"""


def running(pid: int) -> bool:
    """Alive and not a zombie waiting for its parent."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].split()[0] != "Z"
    except OSError:
        return False
