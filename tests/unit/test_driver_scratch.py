"""The harness's temp folder for Playwright's driver: marked with its owner, removed when the owner is gone."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from clerk_harness.browser import driver_scratch


@pytest.fixture
def temp_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def _reaped_pid() -> int:
    """The pid of a process that has exited and been waited for: no process has it now."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_a_folder_is_marked_with_its_owner(temp_dir):
    folder = Path(driver_scratch.make())
    assert folder.parent == temp_dir and folder.name.startswith(driver_scratch.PREFIX)
    assert (folder / driver_scratch.OWNER_FILE).read_text() == str(os.getpid())
    driver_scratch.remove(str(folder))
    assert not folder.exists()


def test_only_folders_whose_owner_is_gone_are_removed(temp_dir):
    gone = Path(tempfile.mkdtemp(prefix=driver_scratch.PREFIX))
    (gone / driver_scratch.OWNER_FILE).write_text(str(_reaped_pid()))
    (gone / "playwright-artifacts-x").mkdir()  # what a driver that was cut off leaves
    alive = Path(tempfile.mkdtemp(prefix=driver_scratch.PREFIX))
    (alive / driver_scratch.OWNER_FILE).write_text(str(os.getpid()))
    unmarked = Path(tempfile.mkdtemp(prefix=driver_scratch.PREFIX))  # just created: no marker yet
    other = Path(tempfile.mkdtemp(prefix="playwright-artifacts-"))  # not the harness's: never touched
    assert driver_scratch.remove_stale() == 1
    assert not gone.exists() and alive.exists() and unmarked.exists() and other.exists()


def test_what_still_runs_on_a_folder_ends_before_the_folder_goes(temp_dir):
    """A browser its driver left behind runs on a profile inside the folder: it is ended with the folder."""
    folder = driver_scratch.make()
    left = _running_on(folder)
    driver_scratch.remove(folder)
    assert left.wait(timeout=10) == -9 and not Path(folder).exists()


def test_an_orphaned_folder_ends_what_runs_on_it_too(temp_dir):
    gone = Path(tempfile.mkdtemp(prefix=driver_scratch.PREFIX))
    (gone / driver_scratch.OWNER_FILE).write_text(str(_reaped_pid()))
    left = _running_on(str(gone))
    assert driver_scratch.remove_stale() == 1
    assert left.wait(timeout=10) == -9 and not gone.exists()


STAND_IN = "import time; time.sleep(60)"  # sleep-ok: a left-behind browser's stand-in, alive until the test ends it


def _running_on(folder: str) -> subprocess.Popen:
    """A process whose command line names a profile inside `folder`, once it does (right after the fork
    it is still its parent's copy). The interpreter itself, not a launcher that execs it again: between
    two execs a process's command line cannot be read, and a kill looking for it would miss it."""
    process = subprocess.Popen([sys.executable, "-c", STAND_IN, f"--profile={folder}/profile"])  # no shim between
    cmdline = Path(f"/proc/{process.pid}/cmdline")
    deadline = time.monotonic() + 10
    while folder.encode() not in cmdline.read_bytes() and time.monotonic() < deadline:
        time.sleep(0.01)  # sleep-ok: polling for the exec, a few milliseconds
    return process
