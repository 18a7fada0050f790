"""Fixtures the e2e tests share."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def short_temp_dir() -> Iterator[Path]:
    """A temp dir for a command (its TMPDIR), short enough for Chromium's singleton socket path."""
    folder = Path(tempfile.mkdtemp(prefix="ch-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
