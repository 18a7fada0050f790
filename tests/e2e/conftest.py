"""Fixtures the e2e tests share."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from clerk_harness.browser.warm import WarmBrowser
from clerk_harness.config import HarnessConfig


@pytest.fixture
def short_temp_dir() -> Iterator[Path]:
    """A temp dir for a command (its TMPDIR), short enough for Chromium's singleton socket path."""
    folder = Path(tempfile.mkdtemp(prefix="ch-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def firefox_config(clerk_config: HarnessConfig) -> HarnessConfig:
    return replace(clerk_config, browser=replace(clerk_config.browser, engine="firefox"))


@pytest.fixture(scope="session")
def warm_firefox(playwright, firefox_config: HarnessConfig) -> Iterator[WarmBrowser]:
    """One warm Firefox per test process, as `clerk_warm_browser` is one warm Chromium: a launch costs
    seconds, and the modules that drive Firefox take turns in it."""
    browsers = WarmBrowser(playwright, firefox_config.browser)
    yield browsers
    browsers.close()
