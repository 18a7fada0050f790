"""A temp folder of the harness's own for Playwright's driver.

The driver keeps a `playwright-artifacts-*` folder in its temp dir (the traces it is recording) and
removes it when it is stopped; cut off (a `run` worker ended at once, or the harness killed with SIGKILL)
it leaves it behind. So the harness starts its drivers with their temp dir in a folder of its own, removes
that folder when it is done, and marks it with its owner's pid: a later command removes the folders whose
owner is gone, as it does for browser profiles (see clerk_harness.browser.owned_folders).
"""

from __future__ import annotations

import os
import tempfile

from clerk_harness.browser import owned_folders

PREFIX = "clerk-harness-driver-"
OWNER_FILE = "owner.pid"


def make() -> str:
    """A new folder owned by this process (those of earlier processes that were killed are removed first)."""
    remove_stale()
    folder = tempfile.mkdtemp(prefix=PREFIX)
    owned_folders.mark(folder, OWNER_FILE, os.getpid())
    return folder


def remove(folder: str) -> None:
    """The folder, and any browser its driver left running on a profile inside it."""
    owned_folders.remove(folder)


def remove_stale() -> int:
    """Folders whose owner is gone (killed before it could remove them): remove them. Returns how many."""
    return owned_folders.remove_orphans(PREFIX, OWNER_FILE)
