"""`run` (the scenario x version x engine matrix) and `merge` (the shards' results as one grid)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clerk_harness.commands.arguments import (
    add_app_options,
    add_browser_option,
    add_instance_option,
    add_output_options,
    add_remote_options,
    add_retry_option,
    add_run_timeout_option,
    positive_int,
    shard_arg,
)
from clerk_harness.commands.exits import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_LOST, EXIT_SURVIVED
from clerk_harness.commands.options import app_from_args, remote_from_args
from clerk_harness.config import HarnessConfig
from clerk_harness.errors import HarnessError

if TYPE_CHECKING:
    from clerk_harness.matrix.results import ResultSet


def cmd_run(config: HarnessConfig, args: argparse.Namespace) -> int:
    from clerk_harness.matrix.jobs import MatrixInterrupted, print_progress, run_matrix
    from clerk_harness.matrix.results import ResultSet, read_results
    from clerk_harness.matrix.shards import recorded_durations
    from clerk_harness.releases.setup import ensure_browser, ensure_versions
    from clerk_harness.stories.scenarios import CATALOGUE, get_scenario

    binding = remote_from_args(args, config)
    if args.keep != "always" and not args.artifacts:
        raise HarnessError("--keep says which runs' artifacts to keep: give --artifacts DIR too")
    config = replace(config, artifacts=replace(config.artifacts, keep=args.keep))  # what the workers keep
    if args.durations and not args.shard:
        raise HarnessError("--durations balances the parts of --shard I/N: give --shard too")
    durations = recorded_durations(read_results(Path(args.durations)).results) if args.durations else None
    app = app_from_args(args, config)
    engines = list(dict.fromkeys(args.browser or [config.browser.engine]))
    runnable = lambda s: (app is not None or not s.needs_app) and any(e not in dict(s.not_in) for e in engines)
    chosen = (
        [get_scenario(s) for s in args.scenario] if args.scenario else [s for s in CATALOGUE.values() if runnable(s)]
    )  # the default: what can run here (in at least one of the engines; the others' runs say why not)
    for scenario in chosen:
        scenario.check_runnable(with_app=app is not None, engines=engines)
    scenarios = [scenario.id for scenario in chosen]
    from clerk_harness.releases.setup import with_engine

    for engine in engines:
        ensure_browser(with_engine(config, engine), progress=lambda _: None)
    from clerk_harness.releases.published import sample_minor_lines

    sampled = sample_minor_lines(args.releases, args.every_minor) if args.releases else []
    wanted: list[str] = list(
        dict.fromkeys([*(args.clerk_js or ([] if sampled else config.clerk_js.versions)), *sampled])
    )
    versions = ensure_versions(config, wanted)
    aliases = {spec: version for spec, version in zip(wanted, versions) if spec != version}
    matrix = ResultSet([], scenarios, list(dict.fromkeys(versions)), args.repeat, aliases, engines=engines)
    jobs = matrix.planned()
    shard = str(args.shard) if args.shard else None
    if args.shard:
        jobs = args.shard.pick(jobs, durations)
    print(
        f"{len(jobs)} run(s): {len(scenarios)} scenario(s) x {len(matrix.versions)} version(s) x {args.repeat}"
        + (
            f" x {len(engines)} engines ({', '.join(engines)})"
            if len(engines) > 1
            else f" in {engines[0]}"
            if engines != ["chromium"]
            else ""
        )
        + (f" ({left_out} left out: not in that engine yet)" if (left_out := _left_out(matrix)) else "")
        + (f", shard {shard} of {len(matrix.planned())}" if shard else "")
        + (
            f", {len(config.browser.cdp_endpoints)} remote browser(s)"
            if config.browser.cdp_endpoints
            else f", {args.workers} worker(s)"
        ),
        file=sys.stderr,
        flush=True,
    )
    try:
        matrix.results = (
            run_matrix(
                config,
                jobs,
                workers=args.workers,
                on_result=print_progress,
                artifacts=Path(args.artifacts).resolve() if args.artifacts else None,
                app=app,
                binding=binding,
                retry_errors=args.retry_errors,
                run_timeout_s=args.run_timeout,
            )
            if jobs
            else []
        )
        interrupted = False
    except MatrixInterrupted as stop:
        matrix.results, interrupted = stop.results, True
        print(
            f"interrupted: {len(matrix.results)} of {len(jobs)} run(s) finished; the table and files below hold "
            f"only those",
            flush=True,
        )
    code = report_results(
        matrix,
        args,
        shard=shard,
        title=f"clerk-harness run: {len(scenarios)} scenario(s) x "
        f"{len(matrix.versions)} version(s)" + (f", shard {shard}" if shard else ""),
    )
    return EXIT_INTERRUPTED if interrupted else code


def cmd_merge(config: HarnessConfig, args: argparse.Namespace) -> int:
    from clerk_harness.matrix.results import merge_results

    merged = merge_results([Path(p) for p in args.results])
    missing = merged.missing()
    code = report_results(
        merged,
        args,
        title=f"clerk-harness: {len(merged.scenarios)} scenario(s) x "
        f"{len(merged.versions)} version(s), {len(args.results)} results file(s) merged",
    )
    if args.summary:
        from clerk_harness.matrix.summary import render_summary

        with open(args.summary, "a", encoding="utf-8") as summary:
            summary.write(render_summary(merged, Path(args.report).name if args.report else None))
        print(f"summary: {args.summary}")
    if missing:
        print(
            f"! {len(missing)} job(s) of the matrix are in no results file (a shard that did not finish?): "
            + ", ".join(j.describe() for j in missing[:10])
            + (" ..." if len(missing) > 10 else "")
        )
        return EXIT_ERROR
    return code


def report_results(matrix, args: argparse.Namespace, *, title: str, shard: str | None = None) -> int:
    """The table, the files asked for (--json, --junit, --report), the runs that went wrong; the exit code."""
    from clerk_harness.matrix.jobs import durations_by_scenario, verdict_tables

    results = matrix.ordered()  # every attempt; the grid and the exit code go by each job's last one
    print(verdict_tables(results, matrix.scenarios, matrix.versions, matrix.engines))
    medians = durations_by_scenario(results)
    print("median seconds per run: " + ", ".join(f"{s} {medians[s]:.1f}" for s in matrix.scenarios if s in medians))
    if args.json:
        matrix.write(Path(args.json), shard)
        print(f"results: {args.json}")
    if args.junit:
        from clerk_harness.matrix.junit import write_junit

        write_junit(Path(args.junit), results)
        print(f"junit: {args.junit}")
    if args.report:
        from clerk_harness.reports.html import write_report

        write_report(Path(args.report), [(as_reported(r), r.expected) for r in results], title=title)
        print(f"report: {args.report}")
    for r in matrix.retried():
        print(
            f"~ {r.job.describe()}: the {r.outcome.broke} broke (attempt {r.attempt}), run again: "
            f"{'; '.join(r.outcome.reasons)}"
        )
    broken = [r for r in matrix.final() if r.outcome.verdict in ("error", "inconclusive")]
    unexpected = [r for r in matrix.final() if not r.as_expected and r not in broken]
    for r in broken + unexpected:
        print(f"! {r.job.describe()}: {r.outcome.verdict} (expected {r.expected}): {'; '.join(r.outcome.reasons)}")
    return EXIT_ERROR if broken else (EXIT_LOST if unexpected else EXIT_SURVIVED)


def as_reported(result):
    """A run as the HTML report shows it: an attempt that was run again says so first."""
    from dataclasses import replace

    if not result.retried and result.attempt == 1:
        return result.outcome
    label = (
        f"attempt {result.attempt}, run again: the {result.outcome.broke} broke"
        if result.retried
        else f"attempt {result.attempt} (a retry)"
    )
    return replace(result.outcome, reasons=[label, *result.outcome.reasons])


def run_arguments(commands: Any) -> None:
    """`clerk-harness run`'s arguments."""
    run = commands.add_parser(
        "run",
        help="the scenario x version matrix with a verdict table; exit 1 on any "
        "unexpected verdict, 2 on errors or inconclusive runs",
    )
    run.add_argument("--scenario", action="append", metavar="ID", help="scenario (repeatable; default: all)")
    run.add_argument(
        "--clerk-js",
        action="append",
        metavar="VERSION",
        help="version (repeatable; default: clerkJs.versions in playwright.config.json)",
    )
    run.add_argument(
        "--releases",
        metavar="RANGE",
        help="add the newest release of each minor line in this npm range (e.g. '^6.0.0')",
    )
    run.add_argument(
        "--every-minor",
        type=positive_int,
        default=1,
        metavar="N",
        help="with --releases: only every N-th minor line (e.g. 10 for a sweep over 5.x)",
    )
    add_browser_option(run, repeatable=True)
    run.add_argument("--repeat", type=positive_int, default=1, help="runs of each pair (to spot flaky verdicts)")
    run.add_argument(
        "--workers",
        type=positive_int,
        default=2,
        help="parallel browser sessions (default 2; at most one per core, three per core when every run is in "
        "WebKit, whose runs mostly wait)",
    )
    add_retry_option(run)
    add_run_timeout_option(run, "the run is an error, and the matrix goes on")
    run.add_argument(
        "--shard",
        type=shard_arg,
        metavar="I/N",
        help="run only the I-th of N parts of the matrix (a stable split; `merge` joins the parts)",
    )
    run.add_argument(
        "--durations",
        metavar="RESULTS",
        help="with --shard: balance the parts by the durations in an earlier run's --json file",
    )
    add_output_options(run)
    run.add_argument(
        "--artifacts", metavar="DIR", help="keep the runs' traces, timelines, journals and reports here (see --keep)"
    )
    run.add_argument(
        "--keep",
        choices=("always", "on-failure"),
        default="always",
        help="with --artifacts: every run's (default, a full trace with DOM snapshots and screencast), or only "
        "those of runs not as expected (a trace of actions, network and console; a run costs about half as much)",
    )
    add_app_options(run)
    add_instance_option(run)
    add_remote_options(run)


def merge_arguments(commands: Any) -> None:
    """`clerk-harness merge`'s arguments."""
    merge = commands.add_parser(
        "merge",
        help="join the --json files of `run --shard` parts into one grid, JSON, "
        "JUnit, HTML report and Markdown summary; exit codes as `run`",
    )
    merge.add_argument("results", nargs="+", metavar="RESULTS", help="results files of `run --json`")
    add_output_options(merge)
    merge.add_argument(
        "--summary",
        metavar="PATH",
        help='write the grid in Markdown here (e.g. "$GITHUB_STEP_SUMMARY"; appended to if it exists)',
    )


def _left_out(matrix: ResultSet) -> int:
    """The grid's cells of a scenario in an engine it does not run in yet (`-` in the tables)."""
    return len(matrix.scenarios) * len(matrix.versions) * matrix.repeat * len(matrix.engines) - len(matrix.planned())
