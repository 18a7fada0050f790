"""The pytest door to `explore`, strict both ways. By default: a small budget on 6.40.0 finds no loss (a
finding fails the test with its minimal story), and a minimal story explore finds on 6.0.0 replays as a
loss there and holds on 6.40.0. Nightly (`-m nightly`; shrinking is a hundred-odd browser runs): on
6.0.0 explore finds the loss by itself within 50 stories and shrinks it to at most 5 steps; 5.125.13
loses too, 6.1.0 does not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from clerk_harness.explore.findings import Finding, replay
from clerk_harness.explore.steps import Step

pytestmark = pytest.mark.e2e
CLI = str(Path(sys.executable).with_name("clerk-harness"))


@pytest.mark.clerk_js("6.40.0")
def test_explore_finds_no_loss_where_the_catalogue_expects_none(clerk_explore):
    result = clerk_explore(runs=8, seed=2)
    assert result.finding is None, (
        f"a NEW finding on 6.40.0 (or a false alarm of the invariant): "
        f"{result.finding.describe()}\n\n{result.finding.scenario_source()}"
    )
    assert result.coverage.runs >= 8 and result.coverage.not_carried_out == 0
    assert result.coverage.steps["go_offline"] > 0  # the budget reached the offline steps


def test_a_minimal_story_replays_as_a_loss_only_where_the_bug_is(
    tmp_path, playwright, clerk_config, clerk_fake, clerk_warm_browser
):
    """`explore --replay` exits 1 with the loss on 6.0.0; the same story holds on 6.40.0."""
    finding = Finding("6.0.0", 1, [Step("go_offline"), Step("ask_for_a_token")], ["found by explore"])
    path = finding.write(tmp_path / "finding") / "finding.json"
    lost = subprocess.run([CLI, "explore", "--replay", str(path)], capture_output=True, text=True, timeout=120)
    assert lost.returncode == 1 and "loses the session" in lost.stdout and "__session removed" in lost.stdout, (
        lost.stdout + lost.stderr
    )
    assert (tmp_path / "finding" / "replay-6.0.0" / "report.html").is_file()
    finding.version = "6.40.0"
    held = replay(playwright, clerk_config, clerk_fake, clerk_warm_browser, finding)
    assert held.verdict != "lost" and not held.removals, held.reasons


@pytest.mark.nightly
@pytest.mark.clerk_js("6.0.0")
def test_explore_finds_the_known_loss_by_itself(clerk_explore):
    result = clerk_explore(runs=50, seed=4)
    assert result.finding is not None, f"no loss found on 6.0.0:\n{result.coverage.render(faults=False)}"
    finding = result.finding
    assert result.coverage.first_loss_at <= 50 and len(finding.steps) <= 5, finding.describe()
    assert finding.reproduced, finding.describe()  # both replays lost the session too
    assert any("__session removed" in reason for reason in finding.reasons)
    assert finding.folder is not None and (finding.folder / "report.html").is_file()
    assert (finding.folder / "scenario.py").read_text().startswith('@scenario("explored-6.0.0-')


@pytest.mark.nightly
@pytest.mark.clerk_js("5.125.13", "6.1.0")
def test_explore_on_the_other_default_versions(clerk_js_version, clerk_explore):
    """5.x loses offline as 6.0.0 does; 6.1.0 keeps the session in every story of the vocabulary."""
    result = clerk_explore(runs=50, seed=3)
    found = result.finding
    assert (found is not None) == (clerk_js_version == "5.125.13"), (
        found.describe() if found else result.coverage.render(faults=False)
    )
