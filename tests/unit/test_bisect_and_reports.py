"""Bisect logic with a scripted runner; the verdict table and the HTML report from synthetic outcomes."""

from __future__ import annotations

import pytest

from clerk_harness.errors import HarnessError
from clerk_harness.matrix.jobs import Job, MatrixResult, verdict_table
from clerk_harness.oracle.verdict import Outcome
from clerk_harness.releases.bisect import bisect, releases_between
from clerk_harness.reports.html import render_report

RELEASES = ["5.125.13", "5.128.0", "6.0.0", "6.1.0-snapshot.1", "6.1.0", "6.3.2", "6.40.0"]


def outcome(version: str, verdict: str) -> Outcome:
    return Outcome("offline-reload", version, verdict, [f"{verdict} on {version}"], None)


def scripted(verdicts: dict[str, str]):
    calls = []

    def run(version: str) -> Outcome:
        calls.append(version)
        return outcome(version, verdicts[version])

    return run, calls


def test_releases_between_skips_prereleases_and_sorts():
    assert releases_between("6.40.0", "5.128.0", RELEASES) == ["5.128.0", "6.0.0", "6.1.0", "6.3.2", "6.40.0"]
    with pytest.raises(HarnessError, match="9.9.9 is not published"):
        releases_between("6.0.0", "9.9.9", RELEASES)


def test_bisect_finds_the_fix():
    truth = {
        "5.125.13": "lost",
        "5.128.0": "lost",
        "6.0.0": "lost",
        "6.1.0": "survived",
        "6.3.2": "survived",
        "6.40.0": "survived",
    }
    run, calls = scripted(truth)
    result = bisect(run, good="6.40.0", bad="5.125.13", available=RELEASES)
    assert (result.first_flipped, result.last_before) == ("6.1.0", "6.0.0")
    assert calls[:2] == ["5.125.13", "6.40.0"] and result.runs == len(calls) <= 2 + 3


def test_bisect_finds_a_regression():
    truth = {
        "5.125.13": "survived",
        "5.128.0": "survived",
        "6.0.0": "lost",
        "6.1.0": "lost",
        "6.3.2": "lost",
        "6.40.0": "lost",
    }
    run, _ = scripted(truth)
    assert bisect(run, good="5.125.13", bad="6.40.0", available=RELEASES).first_flipped == "6.0.0"


def test_bisect_stops_on_an_inconclusive_step():
    truth = {
        "5.125.13": "lost",
        "5.128.0": "lost",
        "6.0.0": "inconclusive",
        "6.1.0": "survived",
        "6.3.2": "survived",
        "6.40.0": "survived",
    }
    run, _ = scripted(truth)
    with pytest.raises(HarnessError, match="6.0.0 was inconclusive"):
        bisect(run, good="6.40.0", bad="5.125.13", available=RELEASES)


def test_a_step_the_infrastructure_broke_stops_the_bisect_or_runs_again_under_retry_errors():
    truth = {
        "5.125.13": "lost",
        "5.128.0": "lost",
        "6.0.0": "lost",
        "6.1.0": "survived",
        "6.3.2": "survived",
        "6.40.0": "survived",
    }
    crashes = {"6.1.0": 1}

    def run(version: str) -> Outcome:
        if crashes.get(version):
            crashes[version] -= 1
            return Outcome(
                "offline-reload", version, "error", ["the page crashed (its renderer process died)"], None, broke="page"
            )
        return outcome(version, truth[version])

    with pytest.raises(HarnessError, match=r"clerk-js 6.1.0: the page crashed .*the bisect stops \(`--retry-errors"):
        bisect(run, good="6.40.0", bad="5.125.13", available=RELEASES)
    crashes["6.1.0"] = 1
    result = bisect(run, good="6.40.0", bad="5.125.13", available=RELEASES, retry_errors=1)
    assert (result.first_flipped, result.last_before) == ("6.1.0", "6.0.0")


def test_bisect_stops_on_a_flaky_step():
    flips = iter(["lost", "survived"])

    def run(version: str) -> Outcome:
        return outcome(version, next(flips))

    with pytest.raises(HarnessError, match="flaky"):
        bisect(run, good="6.40.0", bad="5.125.13", runs_per_step=2, available=RELEASES)


def test_bisect_refuses_ends_that_do_not_match_their_labels():
    run, _ = scripted({v: "survived" for v in RELEASES})
    with pytest.raises(HarnessError, match="bad end clerk-js 5.125.13 survived"):
        bisect(run, good="6.40.0", bad="5.125.13", available=RELEASES)


def test_verdict_table_marks_unexpected_and_collapses_repeats():
    results = [MatrixResult(Job("offline-reload", "6.0.0", r), outcome("6.0.0", "lost"), "lost") for r in range(3)]
    results.append(MatrixResult(Job("offline-reload", "6.1.0"), outcome("6.1.0", "lost"), "survived"))
    table = verdict_table(results, ["offline-reload"], ["6.0.0", "6.1.0"])
    assert "lost x3" in table and "lost!" in table


def test_html_report_is_self_contained_and_draws_the_timeline():
    lost = outcome("6.0.0", "lost")
    lost.chart = {
        "end": 2.0,
        "offline": [(0.5, 1.5)],
        "hidden": [(0.7, 0.8)],
        "cookie": [
            {"t": 0.2, "action": "write", "source": "document.cookie", "detail": ""},
            {"t": 0.9, "action": "remove", "source": "document.cookie", "detail": "expires=..."},
        ],
        "marks": [{"t": 0.5, "label": "offline"}],
        "requests": [
            {
                "t": 0.9,
                "method": "POST",
                "path": "/__clerk/v1/client/sessions/s/tokens",
                "status": 429,
                "note": "fault #1 429 too_many_requests",
                "fault_id": 1,
            }
        ],
    }
    page = render_report([(lost, "lost"), (outcome("6.1.0", "survived"), "lost")], "demo <run>")
    assert "demo &lt;run&gt;" in page and "<svg" in page and 'href="#run-1"' in page
    assert "<script" not in page and "<link" not in page and "src=" not in page  # nothing fetched
    assert "fault #1" in page and "removal" in page
    grid = page[page.index('<table class="grid">') : page.index("</table>")]  # the report opens with the grid
    assert grid.count("<tr>") == 2 and "<th>6.0.0</th><th>6.1.0</th>" in grid  # one scenario, two versions
    assert 'class="cell" href="#run-0"' in grid and 'class="cell unexpected" href="#run-1"' in grid
    assert "survived!" in grid and page.index("grid") < page.index('id="run-0"')
