"""Temp folders marked with the pid of the process that owns them: a browser profile (owned by its
guard), a Playwright driver's scratch folder (owned by the command). An owner killed outright (SIGKILL)
cannot remove its folder, so a later command removes the folders whose owner is gone."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


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
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed
