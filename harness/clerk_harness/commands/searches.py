"""The searches over published releases: `bisect`, `survey`, and `versions`."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from clerk_harness.commands.arguments import (
    SURVEY_FROM,
    add_browser_option,
    add_instance_option,
    add_retry_option,
    add_run_timeout_option,
    positive_int,
)
from clerk_harness.commands.exits import EXIT_LOST, EXIT_SURVIVED
from clerk_harness.commands.hang_guard import ends_a_hung_run
from clerk_harness.commands.one_run import backend_for
from clerk_harness.config import HarnessConfig
from clerk_harness.matrix.job import RUN_TIMEOUT_S


def release_span(scenario_id: str, a: str, b: str):
    """The scenario, both versions resolved (`latest` works), and the published releases from one to the
    other (the search's runner then checks the browser, before anything runs)."""
    from clerk_harness.releases.clerk_js import resolve_version
    from clerk_harness.releases.published import releases_between
    from clerk_harness.stories.scenarios import get_scenario

    scenario = get_scenario(scenario_id)
    a, b = resolve_version(a), resolve_version(b)
    return scenario, a, b, releases_between(a, b)


def cmd_bisect(config: HarnessConfig, args: argparse.Namespace) -> int:
    from clerk_harness.releases.bisect import bisect

    scenario, good, bad, releases = release_span(args.scenario, args.good, args.bad)
    printer = StepPrinter()
    with printer.summary_on_interrupt(), scenario_runner(config, scenario.id, args.run_timeout) as run:
        print(
            f"bisecting {scenario.id} over {len(releases)} release(s) from {releases[0]} to {releases[-1]} "
            f"(about {len(releases).bit_length() + 1} runs)",
            flush=True,
        )
        result = bisect(
            run, good, bad, runs_per_step=args.runs_per_step, progress=printer, retry_errors=args.retry_errors
        )
    change = "keeps the session" if result.newer_verdict == "survived" else "loses the session"
    print(
        f"first release that {change}: {result.first_flipped} (last before it: {result.last_before}); "
        f"{result.runs} run(s) over {result.candidates} release(s)"
    )
    return EXIT_SURVIVED


@contextmanager
def scenario_runner(config: HarnessConfig, scenario_id: str, run_timeout_s: float = RUN_TIMEOUT_S) -> Iterator:
    """One fake backend, one Playwright and one warm browser for a search; each run caches its version
    first (npm pack). A missing browser is reported before anything runs, by the search's own driver. A run
    that hangs `run_timeout_s` ends the command (clerk_harness.commands.hang_guard)."""
    from clerk_harness.browser.warm import WarmBrowser
    from clerk_harness.matrix.runner import run_scenario
    from clerk_harness.releases.clerk_js import ClerkJsCache
    from clerk_harness.releases.setup import playwright_with_browser

    cache = ClerkJsCache(config.clerk_js.cache_dir)
    with playwright_with_browser(config) as playwright, backend_for(config, config.clerk_js.newest) as server:
        browsers = WarmBrowser(playwright, config.browser)

        def run(version: str):
            cache.ensure(version)
            server.clerk.reset()
            with ends_a_hung_run(run_timeout_s):
                return run_scenario(playwright, config, server.clerk, scenario_id, version, browsers=browsers)

        try:
            yield run
        finally:
            browsers.close()


class StepPrinter:
    """Prints each step of a search as it finishes, and on Ctrl-C what was known by then."""

    def __init__(self) -> None:
        self.steps: list = []

    def __call__(self, step, why: str) -> None:
        self.steps.append(step)
        print(f"  clerk-js {step.version:<10} {', '.join(step.verdicts):<18} ({why})", flush=True)

    @contextmanager
    def summary_on_interrupt(self) -> Iterator[None]:
        try:
            yield
        except KeyboardInterrupt:
            known = ", ".join(f"{s.version} {s.verdict}" for s in self.steps) or "nothing yet"
            print(f"interrupted after {sum(len(s.verdicts) for s in self.steps)} run(s); known: {known}", flush=True)
            raise


def cmd_survey(config: HarnessConfig, args: argparse.Namespace) -> int:
    import json

    from clerk_harness.releases.survey import survey

    scenario, _, _, releases = release_span(args.scenario, args.older, args.newer)
    started = time.monotonic()
    printer = StepPrinter()
    with printer.summary_on_interrupt(), scenario_runner(config, scenario.id, args.run_timeout) as run:
        engine = config.browser.engine
        print(
            f"surveying {scenario.id} in {engine} over {len(releases)} release(s) from {releases[0]} to "
            f"{releases[-1]}; each edge confirmed with {args.confirm_runs} more run(s) on both sides",
            flush=True,
        )
        result = survey(
            run,
            scenario.id,
            releases,
            scenario.range_for(engine),
            confirm_runs=args.confirm_runs,
            retry_errors=args.retry_errors,
            progress=printer,
            engine=engine,
        )
    print(
        f"measured:  {result.measured or 'none'}  (the releases that lose; {result.runs} run(s), "
        f"{time.monotonic() - started:.0f}s)"
    )
    for edge in result.edges:
        print(f"  {edge.describe()}; confirmed {1 + args.confirm_runs}x on each side")
    print(f"catalogue: {result.catalogue or 'none'}")
    disagreements = result.disagreements()
    if disagreements:
        shown = ", ".join(disagreements[:6]) + (" ..." if len(disagreements) > 6 else "")
        where = (
            f'lost_on="{result.measured}"'
            if engine == "chromium"
            else f'lost_on_by_engine={{"{engine}": "{result.measured}"}}'
        )
        print(
            f"DISAGREE on {len(disagreements)} of {len(releases)} surveyed release(s): {shown}; "
            f"set {where} for {scenario.id} in the catalogue"
        )
    else:
        print(f"agree on all {len(releases)} surveyed release(s)")
    if args.json:
        Path(args.json).write_text(json.dumps(result.to_dict(), indent=2))
        print(f"survey: {args.json}")
    return EXIT_SURVIVED if result.agrees else EXIT_LOST


def cmd_versions(config: HarnessConfig, args: argparse.Namespace) -> int:
    from clerk_harness.releases.clerk_js import ClerkJsCache, resolve_version, types_note

    as_json = getattr(args, "json", False)
    if args.latest:
        newest = resolve_version("latest")
        print(json.dumps({"latest": newest}) if as_json else newest)
        return EXIT_SURVIVED
    cached = ClerkJsCache(config.clerk_js.cache_dir).cached_versions()
    if as_json:
        from clerk_harness_fake.modelled_instance import TYPES_CHECKED

        print(
            json.dumps(
                {
                    "cache_dir": str(config.clerk_js.cache_dir),
                    "cached": cached,
                    "pinned_newest": config.clerk_js.newest,
                    "latest": resolve_version("latest"),
                    "types_checked": TYPES_CHECKED,
                },
                indent=2,
            )
        )
        return EXIT_SURVIVED
    print(f"cached in {config.clerk_js.cache_dir}: {', '.join(cached) or 'none'}")
    print(f"pinned newest (clerkJs.newest): {config.clerk_js.newest}")
    newest = resolve_version("latest")
    note = "" if newest == config.clerk_js.newest else "  <- newer than the pinned one"
    print(f"newest published (npm latest): {newest}{note}")
    print(types_note())
    return EXIT_SURVIVED


def versions_arguments(commands: Any) -> None:
    """`clerk-harness versions`'s arguments."""
    versions = commands.add_parser("versions", help="the cached clerk-js versions and the newest published one")
    versions.add_argument(
        "--latest", action="store_true", help="print only the newest published version (for a CI plan step)"
    )
    versions.add_argument("--json", action="store_true", help="the same as JSON")


def bisect_arguments(commands: Any) -> None:
    """`clerk-harness bisect`'s arguments."""
    bisect = commands.add_parser("bisect", help="find the first clerk-js release where a scenario's verdict flips")
    bisect.add_argument("scenario", help="scenario id (see `clerk-harness list`)")
    bisect.add_argument("--good", required=True, metavar="VERSION", help="a version that keeps the session")
    bisect.add_argument("--bad", required=True, metavar="VERSION", help="a version that loses it")
    bisect.add_argument(
        "--runs-per-step",
        type=positive_int,
        default=1,
        help="runs of each version; differing verdicts stop the bisect as flaky (default 1)",
    )
    add_browser_option(bisect)
    add_instance_option(bisect)
    add_retry_option(bisect)
    add_run_timeout_option(bisect, "the bisect stops with exit 2")


def survey_arguments(commands: Any) -> None:
    """`clerk-harness survey`'s arguments."""
    survey = commands.add_parser(
        "survey",
        help="measure the releases a scenario loses on (both edges, confirmed) "
        "and compare with the catalogue; exit 1 when they disagree",
    )
    survey.add_argument("scenario", help="scenario id (see `clerk-harness list`)")
    survey.add_argument(
        "--from",
        dest="older",
        default=SURVEY_FROM,
        metavar="VERSION",
        help=f"oldest release to survey (default {SURVEY_FROM})",
    )
    survey.add_argument(
        "--to", dest="newer", default="latest", metavar="VERSION", help="newest release to survey (default: latest)"
    )
    survey.add_argument(
        "--confirm-runs",
        type=positive_int,
        default=2,
        metavar="N",
        help="extra runs on each side of each edge (default 2); a differing one stops the survey",
    )
    survey.add_argument("--json", metavar="PATH", help="write the survey (edges, every step) here")
    add_browser_option(survey)
    add_instance_option(survey)
    add_retry_option(survey)
    add_run_timeout_option(survey, "the survey stops with exit 2")
