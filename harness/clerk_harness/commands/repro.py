"""`repro` (one scenario on one version, with its evidence) and `demo` (the main scenario on the demo
versions)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from clerk_harness.choices import PROFILES, VISIBILITY_MODES
from clerk_harness.commands.arguments import (
    add_app_options,
    add_browser_option,
    add_instance_option,
    add_remote_options,
    add_run_timeout_option,
)
from clerk_harness.commands.exits import EXIT_LOST, EXIT_SURVIVED
from clerk_harness.commands.one_run import run_one
from clerk_harness.commands.options import app_from_args, remote_from_args
from clerk_harness.config import HarnessConfig


def cmd_repro(config: HarnessConfig, args: argparse.Namespace) -> int:
    from clerk_harness.reports.text import headline, render

    if args.visibility:
        config.browser.visibility = args.visibility
    if args.headed:
        config.browser.headless = False
    if args.profile:
        config.browser.profile = args.profile
    if args.slow_mo:
        config.browser.slow_mo_ms = args.slow_mo

    def folder(scenario_id: str, version: str) -> Path:
        if args.artifacts:
            return Path(args.artifacts)
        return config.artifacts.dir / "repro" / f"{scenario_id}-{version}-{time.strftime('%Y%m%d-%H%M%S')}"

    binding = remote_from_args(args, config)
    scenario, outcome = run_one(
        config,
        args.scenario,
        args.clerk_js,
        artifacts=folder,
        app=app_from_args(args, config),
        binding=binding,
        run_timeout_s=args.run_timeout,
    )
    try:
        if config.browser.profile != "realistic":
            print(f"(unrealistic browser profile {config.browser.profile!r}: clerk-js may judge connectivity wrongly)")
        expected = scenario.expected(outcome.version, config.browser.profile, outcome.engine)
        if getattr(args, "upstream", None):
            write_upstream(Path(args.upstream), scenario, outcome)
        if getattr(args, "json", False):
            print(json.dumps({**outcome.to_dict(), "expected": expected}, indent=2))
            return outcome.exit_code
        if args.quiet:  # the verdict line only; an error or inconclusive run says why on the same line
            why = f": {outcome.reasons[0]}" if outcome.verdict not in ("survived", "lost") and outcome.reasons else ""
            print(headline(outcome, expected) + why)
            return outcome.exit_code
        print(render(outcome, expected))
        if outcome.artifacts.get("report"):
            trace = outcome.artifacts.get("trace")
            shown = f", trace.zip: `playwright show-trace {trace}`" if trace else ""
            print(f"artifacts: {Path(outcome.artifacts['report']).parent} (report.html{shown})")
    except BrokenPipeError:  # `... | head`: the reader left early; the exit code still tells the verdict
        sys.stdout = None  # type: ignore[assignment]
    return outcome.exit_code


def write_upstream(path: Path, scenario, outcome) -> None:
    """`--upstream FILE`: a lost run as an issue body for clerk/javascript (nothing written for a kept one)."""
    from clerk_harness.reports.upstream import ScenarioFacts, upstream_issue
    from clerk_harness.stories.retell import steps_of

    if outcome.verdict != "lost":
        print(f"(the session was not lost ({outcome.verdict}): no upstream report written to {path})", file=sys.stderr)
        return
    facts = ScenarioFacts(
        scenario.title,
        scenario.reference,
        scenario.range_for(outcome.engine),
        scenario.instance == "test",
        bool(scenario.session_minter),
        tuple(steps_of(scenario)),
        scenario.needs_app,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(upstream_issue(outcome, facts))
    print(f"upstream report: {path}", file=sys.stderr)


def cmd_demo(config: HarnessConfig, args: argparse.Namespace) -> int:
    from clerk_harness.reports.text import ENGINE_NAMES, headline

    print(
        f"Scenario {args.scenario} on clerk-js {', '.join(config.clerk_js.demo_versions)} "
        f"(a real {ENGINE_NAMES[config.browser.engine]}, the real clerk-js bundle, the fake Clerk backend)",
        flush=True,
    )
    from clerk_harness.reports.html import write_report

    runs = []
    for spec in config.clerk_js.demo_versions:
        scenario, outcome = run_one(config, args.scenario, spec)
        expected = scenario.expected(outcome.version, engine=outcome.engine)
        print(headline(outcome, expected), flush=True)
        for reason in outcome.reasons:
            print(f"  - {reason}")
        runs.append((outcome, expected))
    report = write_report(config.artifacts.dir / "demo" / "report.html", runs, title=f"{args.scenario}: the demo")
    print(f"report: {report} (open it in a browser: a timeline of each session)")
    return EXIT_LOST if any(outcome.verdict != expected for outcome, expected in runs) else EXIT_SURVIVED


def repro_arguments(commands: Any) -> None:
    """`clerk-harness repro`'s arguments."""
    repro = commands.add_parser(
        "repro", help="run one scenario on one clerk-js version; exit 0 survived, 1 lost, 2 error"
    )
    repro.add_argument("scenario", help="scenario id (see `clerk-harness list`)")
    repro.add_argument("--clerk-js", required=True, metavar="VERSION", help="exact version or `latest`")
    repro.add_argument("--visibility", choices=VISIBILITY_MODES, help="override browser.visibility")
    repro.add_argument(
        "--profile",
        choices=PROFILES,
        help="browser profile (default: realistic; the others mimic a stock Playwright browser)",
    )
    add_browser_option(repro)
    repro.add_argument("--headed", action="store_true", help="show the browser window")
    repro.add_argument("--quiet", action="store_true", help="print the verdict line only")
    repro.add_argument(
        "--upstream",
        metavar="FILE",
        help="on a loss, write an issue body for clerk/javascript here (Markdown: versions, steps, "
        "expected and actual, the first loss with its stack, the requests around it)",
    )
    repro.add_argument(
        "--json",
        action="store_true",
        help="print the run's result (verdict, expected, evidence, artifacts) as JSON instead",
    )
    repro.add_argument("--slow-mo", type=float, default=None, metavar="MS", help="slow each browser action down")
    add_app_options(repro)
    add_instance_option(repro)
    add_remote_options(repro)
    add_run_timeout_option(repro, "the repro stops with exit 2")
    repro.add_argument(
        "--artifacts",
        metavar="DIR",
        help="folder for result.json, timeline.json, journal.json, trace.zip, screenshot.png, "
        "report.html (default: artifacts/repro/SCENARIO-VERSION-TIME)",
    )


def demo_arguments(commands: Any) -> None:
    """`clerk-harness demo`'s arguments."""
    demo = commands.add_parser("demo", help="the main scenario on 6.0.0 and the newest pinned clerk-js")
    demo.add_argument("--scenario", default="offline-reload")
    add_browser_option(demo)
    add_instance_option(demo)
