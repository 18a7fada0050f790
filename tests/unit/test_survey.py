"""The survey's search with scripted verdicts: both edges, confirmation, agreement with the catalogue."""

from __future__ import annotations

import pytest

from clerk_harness.errors import HarnessError
from clerk_harness.oracle.verdict import Outcome
from clerk_harness.releases.survey import in_range, survey

RELEASES = [f"5.{m}.0" for m in range(0, 130, 3)] + [f"6.{m}.0" for m in range(0, 41)]


def truth(lost_range: str, flaky: str | None = None, broken: str | None = None):
    calls: list[str] = []

    def run(version: str) -> Outcome:
        calls.append(version)
        if version == broken:
            return Outcome("s", version, "error", ["clerk-js did not load"], None)
        verdict = "lost" if in_range(lost_range, version) else "survived"
        if version == flaky and calls.count(version) > 1:
            verdict = "survived" if verdict == "lost" else "lost"
        return Outcome("s", version, verdict, [verdict], None)

    return run, calls


def test_a_bug_that_came_and_went_is_measured_at_both_edges():
    run, calls = truth(">=5.60.0 <6.1.0")
    result = survey(run, "rate-limit-signout", RELEASES, "<6.1.0")
    assert result.measured == ">=5.60.0 <6.1.0"
    assert [(e.kind, e.first, e.last_before) for e in result.edges] == [
        ("came", "5.60.0", "5.57.0"),
        ("went", "6.1.0", "6.0.0"),
    ]
    assert not result.agrees and result.disagreements()[0] == "5.0.0" and "5.57.0" in result.disagreements()
    for edge in result.edges:  # each side of each edge ran 1 + 2 more times
        assert calls.count(edge.first) == 3 and calls.count(edge.last_before) == 3
    assert result.runs == len(calls) < 40


def test_a_bug_present_from_the_oldest_release_has_no_lower_edge():
    run, _ = truth("<6.1.0")
    result = survey(run, "offline-reload", RELEASES, "<6.1.0")
    assert result.measured == "<6.1.0" and result.agrees and [e.kind for e in result.edges] == ["went"]


def test_a_regression_still_present_in_the_newest_has_no_upper_edge():
    run, _ = truth(">=6.30.0")
    result = survey(run, "x", RELEASES, "")
    assert result.measured == ">=6.30.0" and not result.agrees


def test_no_loss_anywhere():
    run, calls = truth("")
    result = survey(run, "api-down", RELEASES, "")
    assert result.measured == "" and result.agrees and result.edges == [] and len(calls) <= 2 + 8


def test_lost_everywhere_is_sampled_for_a_hole():
    run, calls = truth("*")
    result = survey(run, "signout-control", RELEASES, "*")
    assert result.measured == "*" and result.agrees and len(calls) == 2 + 8


def test_a_hole_in_the_losing_run_stops_the_survey():
    run, _ = truth("<5.60.0 || >=6.10.0")
    with pytest.raises(HarnessError, match="keeps the session between two losing ends"):
        survey(run, "x", RELEASES, "*")


def test_a_narrow_loss_is_found_where_the_catalogue_expects_it():
    run, calls = truth(">=6.0.0 <6.3.0")
    result = survey(run, "offline-online-race", RELEASES, "<6.3.0")
    assert result.measured == ">=6.0.0 <6.3.0" and calls[2] in ("6.0.0", "6.1.0", "6.2.0")


def test_a_flaky_edge_stops_the_survey():
    run, _ = truth("<6.1.0", flaky="6.1.0")
    with pytest.raises(HarnessError, match="6.1.0 gave different verdicts.*the survey stops"):
        survey(run, "offline-reload", RELEASES, "<6.1.0")


def test_an_error_stops_the_survey():
    run, _ = truth("<6.1.0", broken="6.40.0")
    with pytest.raises(HarnessError, match="6.40.0 was error"):
        survey(run, "offline-reload", RELEASES, "<6.1.0")


def test_sample_minor_lines_takes_the_newest_patch_of_every_nth_line():
    from clerk_harness.releases.published import sample_minor_lines

    available = ["5.0.0", "5.0.1", "5.1.0", "5.2.0", "5.2.3", "5.3.0-beta.1", "5.3.0", "6.0.0", "6.1.0", "6.1.1"]
    assert sample_minor_lines("^6.0.0", 1, available) == ["6.0.0", "6.1.1"]
    assert sample_minor_lines("^5.0.0", 2, available) == ["5.0.1", "5.2.3"]
    assert sample_minor_lines("*", 1, available)[-1] == "6.1.1"
    with pytest.raises(HarnessError, match="no published clerk-js release matches"):
        sample_minor_lines("^7.0.0", 1, available)
    with pytest.raises(HarnessError, match="is not an npm range"):
        sample_minor_lines("six", 1, available)


def test_a_range_measured_in_another_engine_is_that_engines_expectation_and_list_shows_both(capsys, monkeypatch):
    """Every scenario measured the same in Firefox as in Chromium (278 releases, 2026-12-03); the day one
    differs, the catalogue keeps Firefox's own range beside Chromium's and every command expects it."""
    from dataclasses import replace

    from clerk_harness.cli import main
    from clerk_harness.stories import scenarios

    base = scenarios.get_scenario("offline-reload")
    differs = replace(base, lost_on_by_engine=(("firefox", "<6.3.0"),))
    assert differs.expected("6.1.0", engine="chromium") == "survived"
    assert (
        differs.expected("6.1.0", engine="firefox") == "lost"
        and differs.expected("6.3.0", engine="firefox") == "survived"
    )
    monkeypatch.setitem(scenarios.CATALOGUE, "offline-reload", differs)
    assert main(["list"]) == 0
    header, row = capsys.readouterr().out.splitlines()[:2]
    assert "LOST ON (chromium)" in header and "LOST ON (firefox)" in header
    assert row.split()[:3] == ["offline-reload", "<6.1.0", "<6.3.0"]
