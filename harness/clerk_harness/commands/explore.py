"""`clerk-harness explore`: the command around clerk_harness.explore.search (budget, seed, progress, coverage, the
finding's replays and files) and `--replay` of a finding."""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any

from clerk_harness.commands.arguments import (
    add_app_options,
    add_browser_option,
    add_instance_option,
    add_run_timeout_option,
    positive_float,
    positive_int,
)
from clerk_harness.commands.hang_guard import ends_a_hung_run
from clerk_harness.config import HarnessConfig, backend_settings
from clerk_harness.errors import HarnessError

DEFAULT_RUNS = 50


def say(line: str) -> None:
    print(f"[explore] {line}", file=sys.stderr, flush=True)


def run_explore(config: HarnessConfig, args: argparse.Namespace) -> int:
    from clerk_harness.commands.options import app_from_args
    from clerk_harness.explore.findings import Finding
    from clerk_harness.explore.search import RULES
    from clerk_harness.releases.setup import ensure_versions, playwright_with_browser
    from clerk_harness_fake import FakeClerkServer

    unknown = [name for name in args.skip if name not in RULES]
    if unknown:
        raise HarnessError(f"--skip {unknown[0]!r}: not a step; the steps are {', '.join(RULES)}")
    finding_to_replay = Finding.read(Path(args.replay)) if args.replay else None
    if args.clerk_js:
        spec = args.clerk_js
    elif finding_to_replay is not None:
        spec = finding_to_replay.version
    else:
        raise HarnessError("explore needs --clerk-js VERSION (or --replay FINDING.json)")
    version = ensure_versions(config, [spec], progress=lambda _: None)[0]
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    spec = app_from_args(args, config)
    with playwright_with_browser(config) as playwright:
        with FakeClerkServer(backend_settings(config, version)) as server:
            return _explore_with(playwright, config, server, version, seed, spec, finding_to_replay, args)


def _explore_with(
    playwright,
    config: HarnessConfig,
    server,
    version: str,
    seed: int,
    spec,
    finding_to_replay,
    args: argparse.Namespace,
) -> int:
    """Explore (or replay a finding) with one warm browser and, when given, the user's app."""
    from clerk_harness.browser.warm import WarmBrowser
    from clerk_harness.explore.budget import explore_for
    from clerk_harness.explore.findings import Finding, confirm
    from clerk_harness.explore.search import Explorer
    from clerk_harness.stories.user_app import start_app

    browsers = WarmBrowser(playwright, config.browser)
    app = start_app(spec, server) if spec is not None else None
    try:
        if finding_to_replay is not None:
            return _replay(playwright, config, server.clerk, browsers, finding_to_replay, version, args, app)
        runs = None if args.minutes else (args.runs or DEFAULT_RUNS)
        budget = f"{args.minutes:g} minute(s)" if args.minutes else f"{runs} stories"
        say(
            f"clerk-js {version}{f' in your app ({spec.command})' if spec else ''}, seed {seed}, {budget}, "
            f"up to {args.steps} steps a story"
            + (", faults on every Frontend API route" if args.faults else " (add --faults for fault steps)")
            + (f", without {', '.join(args.skip)}" if args.skip else "")
        )
        database = None if args.seed is not None else config.root / ".cache" / "explore" / version
        explorer = Explorer(
            playwright,
            config,
            server.clerk,
            version,
            browsers,
            faults=args.faults,
            steps=args.steps,
            database=database,
            skip=tuple(args.skip),
            app=app,
            progress=say,
            hang_guard=lambda: ends_a_hung_run(args.run_timeout),
        )
        found = explore_for(explorer, runs=runs, minutes=args.minutes, first_seed=seed, keep_going=args.keep_going)
        coverage = explorer.coverage
        print(f"explored clerk-js {version} (seed {seed}):\n{coverage.render(args.faults)}")
        if coverage.runs and coverage.not_carried_out >= coverage.runs:
            raise HarnessError(
                f"no story could be carried out ({coverage.not_carried_out} discarded): see the [explore] lines above"
            )
        if not found:
            print(f"no session loss found in {coverage.runs} stories")
            return 0
        for number, exploration in enumerate(found, start=1):
            assert exploration.minimal is not None
            finding = Finding(
                version,
                exploration.seed,
                exploration.minimal,
                exploration.reasons,
                args.faults,
                coverage.first_loss_at if number == 1 else None,
            )
            folder = (
                Path(args.artifacts) / finding.slug
                if args.artifacts
                else (config.artifacts.dir / "explore" / finding.slug)
            )
            with ends_a_hung_run(args.run_timeout):
                confirm(playwright, config, server.clerk, browsers, finding, folder, app=app)
            print(
                f"\nfinding {number} of {len(found)}"
                + (f", after {coverage.first_loss_at} stories" if finding.found_after else "")
                + f": {finding.describe()}"
            )
            if exploration.flaky:
                print(f"note: Hypothesis saw this story fail and then pass ({exploration.flaky})")
            print(
                f"\nas a scenario (paste it into harness/clerk_harness/stories/scenarios.py, and set lost_on):\n\n"
                f"{finding.scenario_source()}"
            )
            print(f"replay it: {finding.replay_command()}")
            print(f"artifacts: {folder} (report.html, trace.zip, timeline, journal, finding.json, scenario.py)")
        return 1
    finally:
        if app is not None:
            app.stop()
        browsers.close()


def _replay(
    playwright, config: HarnessConfig, backend, browsers, finding, version: str, args: argparse.Namespace, app=None
) -> int:
    from clerk_harness.explore.findings import replay

    finding.version = version
    folder = Path(args.artifacts) if args.artifacts else finding.folder or config.artifacts.dir / "explore"
    with ends_a_hung_run(args.run_timeout):
        outcome = replay(
            playwright, config, backend, browsers, finding, artifacts=folder / f"replay-{version}", app=app
        )
    said = {"lost": "LOST: the story loses the session", "error": "ERROR: the replay could not be carried out"}
    print(
        f"{finding.slug} replayed on clerk-js {version} ({outcome.duration_s:.1f}s): "
        f"{said.get(outcome.verdict, 'the session held')}"
    )
    for reason in outcome.reasons if outcome.verdict in said else []:
        print(f"  - {reason}")
    print(f"artifacts: {folder / f'replay-{version}'}")
    return 1 if outcome.verdict == "lost" else (2 if outcome.verdict == "error" else 0)


def explore_arguments(commands: Any) -> None:
    """`clerk-harness explore`'s arguments."""
    explore = commands.add_parser(
        "explore",
        help="search for session losses no scenario names (Hypothesis stateful "
        "testing); exit 1 found one, 0 none, 2 error",
    )
    explore.add_argument("--clerk-js", metavar="VERSION", help="exact version or `latest`")
    budget = explore.add_mutually_exclusive_group()
    budget.add_argument("--runs", type=positive_int, metavar="N", help="stories to try (default 50)")
    budget.add_argument("--minutes", type=positive_float, metavar="M", help="try stories for this long instead")
    explore.add_argument(
        "--seed",
        type=int,
        metavar="S",
        help="draw the same stories again (default: a random seed, printed; without --seed failures are remembered)",
    )
    explore.add_argument(
        "--faults",
        action="store_true",
        help="add fault steps: every Frontend API route answering 401, 429, 5xx, slowly, dropped, "
        "or with an empty or wrapped token",
    )
    explore.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="STEP",
        help="leave a step out of the stories (repeatable), e.g. go_offline to look only at API "
        "faults with the browser online",
    )
    explore.add_argument(
        "--keep-going",
        action="store_true",
        help="after a finding, go on looking for different ones until the budget is spent",
    )
    explore.add_argument(
        "--steps", type=positive_int, default=8, metavar="N", help="steps per story at most (default 8)"
    )
    add_browser_option(explore)
    add_instance_option(explore)
    explore.add_argument("--replay", metavar="FINDING", help="run a finding.json of an earlier exploration again")
    add_run_timeout_option(explore, "the exploration stops with exit 2")
    explore.add_argument("--artifacts", metavar="DIR", help="where the finding goes (default artifacts/explore/...)")
    add_app_options(explore)
