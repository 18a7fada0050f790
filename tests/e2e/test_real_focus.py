"""Real window focus in Chromium: a headed Chromium (under Xvfb where there is no display) whose windows
take the focus from each other, for the stories that need it (focus-multi-tab); headless Chromium gives
every window the focus, and there the story proves nothing. What the headed browser starts (Xvfb
included) ends with it."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import pytest

from clerk_harness.browser.warm import WarmBrowser
from clerk_harness.matrix.runner import run_scenario
from clerk_harness.reports.text import render
from clerk_harness.stories.scenarios import get_scenario

pytestmark = pytest.mark.e2e


def test_a_window_left_visible_without_the_focus_keeps_the_session_in_chromium(
    playwright, clerk_config, clerk_fake, clerk_warm_browser
):
    outcome = run_scenario(
        playwright, clerk_config, clerk_fake, "focus-multi-tab", "6.40.0", browsers=clerk_warm_browser
    )
    assert outcome.verdict == get_scenario("focus-multi-tab").expected("6.40.0") == "survived", render(outcome)
    proof = outcome.proof
    assert proof is not None and proof.proven and proof.kind == "focus", render(outcome)
    assert proof.unfocused_while_visible and {"blur", "focus"} <= set(proof.focus_events), proof
    assert proof.token_requests_unfocused and outcome.observations.user_after_reload


def test_in_headless_chromium_the_two_windows_story_proves_nothing(
    playwright, clerk_config, clerk_fake, clerk_warm_browser
):
    """The same story in the headless warm browser: both windows keep the focus, the first never stood
    visible without it, and the run is inconclusive, never `survived`."""
    headless = replace(get_scenario("focus-multi-tab"), real_focus=False)
    outcome = run_scenario(playwright, clerk_config, clerk_fake, headless, "6.40.0", browsers=clerk_warm_browser)
    assert outcome.verdict == "inconclusive", render(outcome)
    assert any("did not stay visible without the focus" in reason for reason in outcome.reasons), outcome.reasons


def test_the_headed_browser_and_its_display_end_with_it(playwright, clerk_config):
    if os.environ.get("DISPLAY"):
        pytest.skip("a display is set: the headed browser uses it and starts no Xvfb")
    browsers = WarmBrowser(playwright, clerk_config.browser).for_real_focus()
    lease = browsers.lease()
    try:
        assert lease.page.evaluate("document.hasFocus()")
        profile = str(Path(lease.exit_file).parent)  # the guard writes its exit file in the profile
        displays = [pid for pid in _processes_with_tmpdir(profile) if "Xvfb" in _cmdline(pid)]
        assert displays, "the headed browser runs on an Xvfb of its own"
    finally:
        lease.close()
        browsers.close()
    assert not Path(profile).exists()
    # the guard ends the group once its leader (xvfb-run) is gone; the browser and Xvfb, signalled with
    # it, are gone a moment later
    deadline = time.monotonic() + 5
    while _processes_with_tmpdir(profile) and time.monotonic() < deadline:
        time.sleep(0.05)  # sleep-ok: no event tells that another process has ended; bounded
    assert _processes_with_tmpdir(profile) == []


def _processes_with_tmpdir(folder: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"TMPDIR={folder}".encode() in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
