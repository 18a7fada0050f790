"""A run that hangs in a command that tells its story in its own process (`repro`, `demo`, `bisect`,
`survey`, `explore`) ends the command after `--run-timeout` seconds: exit 2, one line, and nothing left behind.

The hang is a real one: the story waits in the page on a promise that never settles, as Playwright waited
on a Firefox that spun in a tab switch (no call of Playwright's has a timeout of its own). The command is
`clerk_harness.cli.main`, in a process of its own, with `run_scenario` telling that story instead."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from clerk_harness.browser import driver_scratch, owned_folders
from tests.e2e.test_interrupts import wait_for

pytestmark = pytest.mark.e2e

# The command's own guard, armed where the story starts to hang: on a loaded machine a browser's launch and
# clerk-js's load alone took over 3 s beside WebKit's six-worker matrix, and the guard then fired before the
# hang. The command must still call it (with its --run-timeout), or nothing ever ends the hang.
ARMED_AT_THE_HANG = """
    import contextlib
    from clerk_harness.commands import hang_guard

    the_guard, given = hang_guard.ends_a_hung_run, []

    @contextlib.contextmanager
    def noted(seconds):
        given.append(seconds)
        yield

    hang_guard.ends_a_hung_run = noted  # before the commands import it
"""
RUN_TIMEOUT_S = 2

HANGING_REPRO = textwrap.dedent(
    ARMED_AT_THE_HANG
    + """
    import sys
    from clerk_harness.matrix import runner
    from clerk_harness.stories.scenario import Scenario

    hang_guard.GRACE_S = float(sys.argv[1])
    told = runner.run_scenario
    IGNORES_THE_INTERRUPT = sys.argv[2] == "ignores"

    def hangs(story):
        print("profile:", story.session.browser.folder, flush=True)
        print("the app is open, now waiting on the page", flush=True)
        with the_guard(given[-1]):
            while True:
                try:
                    story.page.evaluate("new Promise(() => {})")  # never settles: the call never returns
                except KeyboardInterrupt:
                    if not IGNORES_THE_INTERRUPT:
                        raise

    def run_scenario(playwright, config, backend, scenario_id, version, **options):
        return told(playwright, config, backend, Scenario("hangs", "a page that never answers", "test", "", hangs),
                    version, **options)

    runner.run_scenario = run_scenario
    from clerk_harness.cli import main
    sys.exit(main(["repro", "signout-control", "--clerk-js", "6.40.0", "--run-timeout", "%(timeout)d", "--quiet",
                   "--artifacts", sys.argv[3]]))
"""
)


def hanging_repro(tmp_path: Path, *, grace_s: float, cleanup: str) -> subprocess.CompletedProcess:
    script = tmp_path / "hanging_repro.py"
    script.write_text(HANGING_REPRO % {"timeout": RUN_TIMEOUT_S})
    return subprocess.run(
        [sys.executable, str(script), str(grace_s), cleanup, str(tmp_path / "run")],
        capture_output=True,
        text=True,
        timeout=120,
    )


def its_profile(done: subprocess.CompletedProcess) -> Path:
    """The browser profile of the hung repro (other tests' browsers may come and go meanwhile)."""
    said = next(line for line in done.stdout.splitlines() if line.startswith("profile: "))
    profile = Path(said.split(": ", 1)[1])
    assert profile.name.startswith(owned_folders.PROFILE_PREFIX), said
    return profile


def test_a_repro_whose_page_never_answers_ends_after_the_run_timeout_with_one_line(tmp_path):
    done = hanging_repro(tmp_path, grace_s=15, cleanup="cleans up")
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr[-2000:])
    assert "the app is open, now waiting on the page" in done.stdout  # the run was under way when it hung
    lines = done.stderr.strip().splitlines()
    assert lines == [
        f"clerk-harness: error: the run hung (no answer for {RUN_TIMEOUT_S} s from the browser, the app or "
        "Playwright's driver): it was ended (--run-timeout)"
    ], done.stderr[-2000:]
    profile = its_profile(done)
    assert wait_for(lambda: not profile.exists(), timeout=10), f"{profile} was left behind"  # its browser ended


def test_when_the_clean_up_hangs_too_the_process_ends_with_one_line(tmp_path):
    done = hanging_repro(tmp_path, grace_s=1, cleanup="ignores")
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr[-2000:])
    assert done.stderr.strip().endswith("it was ended (--run-timeout); its clean-up hung too"), done.stderr[-2000:]
    # the browser's guard saw this process go: it ended the browser and removed its profile
    profile = its_profile(done)
    assert wait_for(lambda: not profile.exists(), timeout=15), f"{profile} was left behind"
    # As after a SIGKILL, Playwright's driver leaves its temp folder to the next command, which removes it
    # once the driver is gone (it ends as this process's pipe closes).
    assert wait_for(lambda: not driver_scratch.remove_stale() and not orphaned_scratch(), timeout=15), (
        orphaned_scratch()
    )


def orphaned_scratch() -> list[Path]:
    """Drivers' temp folders whose owner process is gone."""
    gone = []
    for folder in Path(tempfile.gettempdir()).glob(driver_scratch.PREFIX + "*"):
        try:
            os.kill(int((folder / driver_scratch.OWNER_FILE).read_text()), 0)
        except ProcessLookupError:
            gone.append(folder)
        except (OSError, ValueError):
            pass
    return gone


HANGING_EXPLORE = textwrap.dedent(
    ARMED_AT_THE_HANG
    + """
    import sys
    from clerk_harness.explore import search

    def hangs(self, run, step):
        print("profile:", self.browsers._session.folder, flush=True)  # the warm browser's
        print("signed in, now waiting on the page", flush=True)
        with the_guard(given[-1]):
            run.story.page.evaluate("new Promise(() => {})")  # never settles: the call never returns

    search.Explorer.step = hangs
    from clerk_harness.cli import main
    sys.exit(main(["explore", "--clerk-js", "6.40.0", "--runs", "3", "--seed", "1", "--run-timeout", "%(timeout)d"]))
"""
)


def test_an_exploration_whose_story_hangs_stops_after_the_run_timeout_with_one_line(tmp_path):
    """Hypothesis tells explore's stories; a story whose page never answers ends the command all the same."""
    script = tmp_path / "hanging_explore.py"
    script.write_text(HANGING_EXPLORE % {"timeout": RUN_TIMEOUT_S})
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr[-2000:])
    assert "signed in, now waiting on the page" in done.stdout
    last = done.stderr.strip().splitlines()[-1]
    assert last == (
        f"clerk-harness: error: the run hung (no answer for {RUN_TIMEOUT_S} s from the browser, the app or "
        "Playwright's driver): it was ended (--run-timeout)"
    ), done.stderr[-2000:]
    profile = its_profile(done)
    assert wait_for(lambda: not profile.exists(), timeout=10), f"{profile} was left behind"
