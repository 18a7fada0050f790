"""`run --shard`, `--junit` and `merge`, on made-up results (no browser): the split covers every job once,
merging gives back the whole grid, JUnit XML and the job summary say what happened."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from junitparser import Error, Failure, JUnitXml

from clerk_harness.cli import main
from clerk_harness.matrix.jobs import Job, MatrixResult, verdict_table
from clerk_harness.matrix.junit import case_name
from clerk_harness.matrix.results import ResultSet, merge_results
from clerk_harness.matrix.shards import Shard, recorded_durations, split
from clerk_harness.oracle.verdict import Outcome
from clerk_harness.stories.scenarios import CATALOGUE, get_scenario

VERSIONS = ["5.125.13", "6.0.0", "6.1.0", "6.40.0"]


def result(job: Job, verdict: str | None = None, seconds: float = 0.5) -> MatrixResult:
    expected = get_scenario(job.scenario).expected(job.version)
    outcome = Outcome(
        job.scenario,
        job.version,
        verdict or expected,
        [f"because {verdict or expected}"],
        None,
        duration_s=seconds,
        artifacts={"trace": f"/runs/{job.scenario}-{job.version}/trace.zip"},
        engine=job.engine,
    )
    return MatrixResult(job, outcome, expected)


def full_matrix(repeat: int = 1) -> ResultSet:
    return ResultSet([], list(CATALOGUE), VERSIONS, repeat, {"latest": "6.40.0"})


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_shards_cover_every_job_exactly_once_and_are_balanced(count):
    jobs = full_matrix(repeat=2).planned()
    parts = [Shard(i, count).pick(jobs) for i in range(1, count + 1)]
    assert sorted(job for part in parts for job in part) == sorted(jobs)
    assert max(map(len, parts)) - min(map(len, parts)) <= 1
    for part in parts:  # each part keeps run's order
        assert part == [job for job in jobs if job in part]


def test_the_split_is_stable_whatever_the_order_of_the_jobs():
    jobs = full_matrix().planned()
    assert split(jobs, 3) == [sorted(part, key=jobs.index) for part in split(list(reversed(jobs)), 3)]


def test_recorded_durations_balance_the_shards():
    jobs = full_matrix().planned()
    slow = {(job.scenario, job.version, job.engine): (6.0 if job.scenario == "multi-tab" else 0.5) for job in jobs}
    parts = split(jobs, 3, slow)
    loads = [sum(slow[(j.scenario, j.version, j.engine)] for j in part) for part in parts]
    assert max(loads) - min(loads) <= 6.0  # within one job of each other
    assert [sum(j.scenario == "multi-tab" for j in part) for part in parts] in ([2, 1, 1], [1, 2, 1], [1, 1, 2])
    # a pair never measured is estimated from its scenario on other versions
    assert split(jobs + [Job("multi-tab", "6.41.0")], 3, slow) != split(
        jobs + [Job("offline-reload", "6.41.0")], 3, slow
    )
    durations = recorded_durations([result(Job("multi-tab", "6.0.0"), seconds=s) for s in (1.0, 2.0, 9.0)])
    assert durations == {("multi-tab", "6.0.0", "chromium"): 2.0}


def test_each_engine_is_its_own_part_of_the_matrix_and_keeps_it_through_a_merge(tmp_path):
    """`run --browser chromium --browser firefox`: every job carries its engine into the shards' files, the
    merge, the grids (one per engine) and the JUnit names."""
    from clerk_harness.matrix.jobs import verdict_tables
    from clerk_harness.matrix.results import ResultSet

    matrix = ResultSet([], ["offline-reload"], ["6.0.0", "6.1.0"], engines=["chromium", "firefox"])
    jobs = matrix.planned()
    assert [(j.version, j.engine) for j in jobs] == [
        ("6.0.0", "chromium"),
        ("6.1.0", "chromium"),
        ("6.0.0", "firefox"),
        ("6.1.0", "firefox"),
    ]
    paths = write_shards(tmp_path, matrix, 2, {})
    merged = merge_results(paths)
    assert merged.engines == ["chromium", "firefox"] and not merged.missing()
    assert {(r.job.engine, r.outcome.engine) for r in merged.results} == {
        ("chromium", "chromium"),
        ("firefox", "firefox"),
    }
    grids = verdict_tables(merged.ordered(), merged.scenarios, merged.versions, merged.engines)
    assert grids.startswith("chromium:\n") and "\n\nfirefox:\n" in grids
    names = {case_name(r) for r in merged.results}
    assert "offline-reload[clerk-js 6.1.0, firefox]" in names and "offline-reload[clerk-js 6.1.0, chromium]" in names


def test_bad_shard_arguments_exit_2_with_one_line(capsys):
    for argv in (["run", "--shard", "4/3"], ["run", "--shard", "0/3"], ["run", "--shard", "two"]):
        with pytest.raises(SystemExit) as stop:
            main(argv)
        err = capsys.readouterr().err
        assert stop.value.code == 2 and len(err.strip().splitlines()) == 1 and "--shard" in err


def write_shards(tmp_path, matrix: ResultSet, count: int, verdicts: dict[Job, str] | None = None) -> list:
    verdicts = verdicts or {}
    paths = []
    for shard in range(1, count + 1):
        part = Shard(shard, count).pick(matrix.planned())
        done = ResultSet(
            [result(job, verdicts.get(job)) for job in part],
            matrix.scenarios,
            matrix.versions,
            matrix.repeat,
            matrix.aliases,
            engines=matrix.engines,
        )
        paths.append(done.write(tmp_path / f"shard-{shard}.json", f"{shard}/{count}"))
    return paths


def test_merge_gives_the_grid_of_one_unsharded_run(tmp_path, capsys):
    matrix = full_matrix()
    whole = ResultSet([result(job) for job in matrix.planned()], matrix.scenarios, matrix.versions)
    paths = write_shards(tmp_path, matrix, 3)
    merged = merge_results(paths)
    assert merged.missing() == [] and merged.shards == ["1/3", "2/3", "3/3"]
    grid = verdict_table(merged.ordered(), merged.scenarios, merged.versions)
    assert grid == verdict_table(whole.results, whole.scenarios, whole.versions)
    out_json, junit, report, summary = (tmp_path / name for name in ("all.json", "all.xml", "all.html", "summary.md"))
    code = main(
        [
            "merge",
            *map(str, paths),
            "--json",
            str(out_json),
            "--junit",
            str(junit),
            "--report",
            str(report),
            "--summary",
            str(summary),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and grid in out
    assert len(json.loads(out_json.read_text())["results"]) == len(matrix.planned())
    assert summary.read_text().startswith(f"All {len(matrix.planned())} verdicts as expected")
    assert report.read_text().count('class="cell"') == len(matrix.planned())
    suite = next(iter(JUnitXml.fromfile(str(junit))))
    assert suite.tests == len(matrix.planned()) and suite.failures == 0 and suite.errors == 0


def test_junit_names_each_run_and_says_why_it_failed(tmp_path):
    from clerk_harness.matrix.junit import write_junit

    runs = [
        result(Job("offline-reload", "6.0.0")),
        result(Job("offline-reload", "6.1.0"), "lost"),
        result(Job("offline-reload", "6.1.0", 1), "inconclusive"),
    ]
    path = write_junit(tmp_path / "junit.xml", runs)
    suite = next(iter(JUnitXml.fromfile(str(path))))
    cases = {case.name: case for case in suite}
    assert set(cases) == {
        "offline-reload[clerk-js 6.0.0, chromium]",
        "offline-reload[clerk-js 6.1.0, chromium]",
        "offline-reload[clerk-js 6.1.0, chromium] (run 2)",
    }
    assert suite.tests == 3 and suite.failures == 1 and suite.errors == 1
    assert cases["offline-reload[clerk-js 6.0.0, chromium]"].is_passed
    failure = cases["offline-reload[clerk-js 6.1.0, chromium]"].result[0]
    assert isinstance(failure, Failure) and "lost, expected survived" in failure.message
    assert "because lost" in failure.text
    assert isinstance(cases["offline-reload[clerk-js 6.1.0, chromium] (run 2)"].result[0], Error)
    case = ET.parse(path).find(
        ".//testcase[@name='offline-reload[clerk-js 6.0.0, chromium]']"
    )  # properties as pytest writes them
    properties = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert properties["verdict"] == "lost" and properties["clerk-js"] == "6.0.0"
    assert properties["artifact:trace"] == "/runs/offline-reload-6.0.0/trace.zip"


def test_a_changed_verdict_on_the_newest_release_is_the_summary_first_line(tmp_path, capsys):
    matrix = full_matrix()
    paths = write_shards(tmp_path, matrix, 2, {Job("offline-reload", "6.40.0"): "lost"})
    summary = tmp_path / "summary.md"
    code = main(["merge", *map(str, paths), "--summary", str(summary)])
    capsys.readouterr()
    first = summary.read_text().splitlines()[0]
    assert code == 1
    assert first == "**clerk-js 6.40.0 (npm latest) changed 1 verdict(s)**: `offline-reload` lost (expected survived)"


def test_merge_refuses_a_job_twice_and_reports_missing_shards(tmp_path, capsys):
    paths = write_shards(tmp_path, full_matrix(), 3)
    assert main(["merge", str(paths[0]), str(paths[0])]) == 2
    err = capsys.readouterr().err
    assert "give each shard's file once" in err and len(err.strip().splitlines()) == 1
    assert main(["merge", str(paths[0]), str(paths[2])]) == 2
    assert "job(s) of the matrix are in no results file" in capsys.readouterr().out


def test_merge_names_a_file_that_is_not_results(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    assert main(["merge", str(bad)]) == 2
    assert main(["merge", str(tmp_path / "nowhere.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "not a results file" in err[0] and "no such results file" in err[1]


def test_a_retried_run_keeps_both_attempts_and_its_verdict_is_the_last_ones(tmp_path, capsys):
    """`--retry-errors`: the attempt the infrastructure broke stays in the file, marked; the grid, JUnit,
    the summary and the exit code go by the last attempt; merge takes both attempts as one job."""
    matrix = ResultSet([], ["offline-reload"], ["6.0.0", "6.40.0"])
    jobs = matrix.planned()
    broken = result(jobs[1], "error")
    broken.outcome.broke, broken.outcome.reasons, broken.retried = "page", ["the page crashed"], True
    again = result(jobs[1])
    again.attempt = 2
    matrix.results = [result(jobs[0]), broken, again]
    path = matrix.write(tmp_path / "results.json")
    assert [(r["verdict"], r["attempt"], r["retried"]) for r in json.loads(path.read_text())["results"]] == [
        ("lost", 1, False),
        ("error", 1, True),
        ("survived", 2, False),
    ]
    assert main(["merge", str(path), "--junit", str(tmp_path / "j.xml"), "--summary", str(tmp_path / "s.md")]) == 0
    out = capsys.readouterr().out
    assert "ERROR" not in verdict_table(matrix.results, ["offline-reload"], ["6.0.0", "6.40.0"])
    assert "~ offline-reload @ 6.40.0: the page broke (attempt 1), run again: the page crashed" in out
    suite = next(iter(JUnitXml.fromfile(str(tmp_path / "j.xml"))))
    assert suite.tests == 2 and suite.errors == 0
    summary = (tmp_path / "s.md").read_text()
    assert summary.startswith("All 2 verdicts as expected") and "1 of them run again" in summary
    assert "attempt 1: the page crashed" in summary


def test_merge_of_independent_runs_is_the_union_of_their_matrices(tmp_path, capsys):
    """A Chromium run with --repeat 3 and a Firefox run of one repeat: nothing is missing, exit 0, and the
    HTML grid has one table per engine, each cell saying its engine."""
    chromium = ResultSet([], ["offline-reload"], ["6.0.0", "6.1.0"], repeat=3, engines=["chromium"])
    firefox = ResultSet([], ["offline-reload"], ["6.0.0", "6.1.0"], repeat=1, engines=["firefox"])
    paths = []
    for name, matrix in (("chromium", chromium), ("firefox", firefox)):
        done = ResultSet(
            [result(job) for job in matrix.planned()],
            matrix.scenarios,
            matrix.versions,
            matrix.repeat,
            engines=matrix.engines,
        )
        paths.append(done.write(tmp_path / f"{name}.json"))
    merged = merge_results(paths)
    assert merged.missing() == [] and len(merged.planned()) == 6 + 2
    report = tmp_path / "grid.html"
    assert main(["merge", *map(str, paths), "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "in no results file" not in out
    page = report.read_text()
    assert page.count('<table class="grid">') == 2 and ">Chromium</h2>" in page and ">Firefox</h2>" in page
    assert "offline-reload on 6.0.0 in firefox: lost" in page
    paths[1].unlink()  # a shard that did not finish is still reported missing
    shards = write_shards(tmp_path, ResultSet([], ["offline-reload"], ["6.0.0", "6.1.0"]), 2)
    assert main(["merge", str(shards[0])]) == 2 and "in no results file" in capsys.readouterr().out
