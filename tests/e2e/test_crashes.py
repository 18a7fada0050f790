"""A crash is one run's error: when the harness's own browser breaks under a run (its page's renderer
dies), that run is an `error` that says so, never a verdict about clerk-js, its clean-up raises nothing,
and the next run on the same warm browser gets a working one."""

from __future__ import annotations

import pytest

from clerk_harness.matrix.runner import run_scenario
from clerk_harness.stories.scenarios import Scenario, get_scenario
from clerk_harness.stories.story import Story

pytestmark = pytest.mark.e2e


def crash_the_page_then_reload(story: Story) -> None:
    story.sign_in()
    try:  # the renderer dies, as one the kernel kills when memory runs out
        story.page.goto("chrome://crash", timeout=5_000)
    except Exception:  # noqa: BLE001 - the navigation fails with the page
        pass
    story.reload()


CRASH = Scenario("renderer-crash", "The page's renderer dies mid-story", "issue 27", "", crash_the_page_then_reload)


@pytest.mark.clerk_js("6.40.0")
def test_a_crashed_page_is_that_runs_error_and_the_next_run_is_fine(playwright, harness_config, fake_clerk,
                                                                  clerk_js_version, clerk_warm_browser):
    crashed = run_scenario(playwright, harness_config, fake_clerk, CRASH, clerk_js_version,
                           browsers=clerk_warm_browser)
    assert crashed.verdict == "error", crashed.reasons
    assert "the page crashed" in crashed.reasons[0] and "says nothing about clerk-js" in crashed.reasons[0]
    after = run_scenario(playwright, harness_config, fake_clerk, "offline-reload", clerk_js_version,
                         browsers=clerk_warm_browser)
    assert after.verdict == get_scenario("offline-reload").expected(clerk_js_version) == "survived", after.reasons


def test_a_run_whose_worker_process_dies_finishes_its_matrix(tmp_path, harness_config):
    """SIGKILL one worker of `run` after the first result (as the kernel ends one out of memory): its job
    is an error that says so, the other jobs run (in a new pool) with their expected verdicts, the results
    file is complete, and the exit code is 2."""
    import json
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from tests.e2e.test_interrupts import children, cmdline

    results = tmp_path / "results.json"
    cli = str(Path(sys.executable).with_name("clerk-harness"))
    run = subprocess.Popen([cli, "run", "--scenario", "offline-reload", "--clerk-js", "6.40.0", "--repeat", "4",
                            "--workers", "2", "--json", str(results)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        assert run.stderr is not None
        for line in run.stderr:  # progress: one line per finished run
            if " 1/4 " in line:
                break
        workers = [pid for pid in children(run.pid) if "resource_tracker" not in " ".join(cmdline(pid))
                   and any("clerk-harness" in arg for arg in cmdline(pid))]
        assert workers, "no worker process"
        os.kill(workers[0], signal.SIGKILL)
        out, _ = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 2, out
    verdicts = [(r["verdict"], r["reasons"][0]) for r in json.loads(results.read_text())["results"]]
    assert len(verdicts) == 4, verdicts
    died = [reason for verdict, reason in verdicts if verdict == "error"]
    assert len(died) == 1 and "the worker process running it died (signal 9)" in died[0], verdicts
    assert sum(verdict == "survived" for verdict, _ in verdicts) == 4 - len(died), verdicts
