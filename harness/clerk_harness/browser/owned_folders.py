"""Temp folders marked with the pid of the process that owns them: a browser profile (owned by its
guard), a Playwright driver's scratch folder (owned by the command). An owner killed outright (SIGKILL)
cannot remove its folder, so a later command removes the folders whose owner is gone.

A browser can outlive its owner too: Playwright's driver, cut off while a call into Firefox hung, left
Firefox running on a profile inside its scratch folder. Whatever still runs on a folder (its command line
names it) is ended before the folder is removed."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import tempfile
from pathlib import Path

from clerk_harness.browser.guard import GUARD_PID_FILE
from clerk_harness.faketime import remove_shared_state

PROFILE_PREFIX = "clerk-harness-profile-"  # a browser's folder, owned by its guard (clerk_harness.browser.guard)


def new_profile_name() -> str:
    """A path for a browser's folder, which its guard makes (a folder named, not made, is nobody's to remove)."""
    return os.path.join(tempfile.gettempdir(), PROFILE_PREFIX + secrets.token_hex(6))


def remove_stale_profiles() -> int:
    """Browser folders whose guard is gone (it was killed with SIGKILL): remove them. Returns how many."""
    return remove_orphans(PROFILE_PREFIX, GUARD_PID_FILE)


def mark(folder: str, marker: str, owner: int) -> None:
    Path(folder, marker).write_text(str(owner))


def remove_orphans(prefix: str, marker: str) -> int:
    """Folders named `prefix*` in the temp dir whose marked owner is gone: remove them. Returns how many."""
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(prefix + "*"):
        try:
            os.kill(int((folder / marker).read_text()), 0)
            continue  # its owner is alive: in use
        except ProcessLookupError:
            pass
        except (OSError, ValueError):  # no marker yet (just created) or unreadable: leave it
            continue
        remove(str(folder))
        removed += 1
    return removed


def remove(folder: str) -> None:
    """End what still runs on `folder`, then remove it."""
    for pid in processes_using(folder):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass  # already gone
    remove_shared_state(folder)
    shutil.rmtree(folder, ignore_errors=True)


def processes_using(folder: str) -> list[int]:
    """The processes whose command line names `folder` (Linux's /proc; elsewhere none are found)."""
    found, named = [], folder.rstrip("/").encode()
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            line = (entry / "cmdline").read_bytes()
            if (named + b"/" in line or named + b"\0" in line) and int(entry.name) != os.getpid():
                found.append(int(entry.name))
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return found
