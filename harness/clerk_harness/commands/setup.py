"""`setup` (a browser and the clerk-js bundles), `browser-flags` (for a remote Chromium) and `list`
(the catalogue)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from clerk_harness.choices import ENGINES
from clerk_harness.commands.exits import EXIT_SURVIVED
from clerk_harness.config import HarnessConfig


def cmd_setup(config: HarnessConfig, args: argparse.Namespace) -> int:
    from clerk_harness.releases.setup import run_setup

    run_setup(config, args.clerk_js, engines=args.browser)
    return EXIT_SURVIVED


def cmd_browser_flags(config: HarnessConfig, args: argparse.Namespace) -> int:
    import json
    import shlex

    from clerk_harness.browser.launch import remote_browser_flags

    flags = remote_browser_flags(config.browser, reach=args.reach)
    print(
        {"shell": lambda: shlex.join(flags), "lines": lambda: "\n".join(flags), "json": lambda: json.dumps(flags)}[
            args.format
        ]()
    )
    return EXIT_SURVIVED


def _range_cell(scenario: Any, engine: str) -> str:
    """The range `list` shows: measured, `unmeasured`, or `n/a` where the story does not run (yet)."""
    if engine in dict(scenario.not_in):
        return "n/a"
    return (scenario.range_for(engine) or "none") if scenario.measured_in(engine) else "unmeasured"


def cmd_list(config: HarnessConfig, args: argparse.Namespace) -> int:
    from clerk_harness.config import ENGINES
    from clerk_harness.stories.scenarios import CATALOGUE

    ranges = {s.id: [_range_cell(s, engine) for engine in ENGINES] for s in CATALOGUE.values()}
    if getattr(args, "json", False):
        print(
            json.dumps(
                [
                    {
                        "id": s.id,
                        "title": s.title,
                        "reference": s.reference,
                        "instance": s.instance,
                        "lost_on": dict(zip(ENGINES, ranges[s.id])),
                        "needs_app": s.needs_app,
                    }
                    for s in CATALOGUE.values()
                ],
                indent=2,
            )
        )
        return EXIT_SURVIVED
    width = max(len(r) for row in [*ranges.values(), [f"LOST ON ({engine})" for engine in ENGINES]] for r in row)
    heads = " ".join(f"{f'LOST ON ({engine})':<{width}}" for engine in ENGINES)
    print(f"{'SCENARIO':<22} {heads} {'REFERENCE':<32} STORY")
    for scenario in CATALOGUE.values():
        cells = " ".join(f"{r:<{width}}" for r in ranges[scenario.id])
        print(f"{scenario.id:<22} {cells} {scenario.reference:<32} {scenario.title}")
    return EXIT_SURVIVED


def setup_arguments(commands: Any) -> None:
    """`clerk-harness setup`'s arguments."""
    setup = commands.add_parser("setup", help="install a Chromium (if needed) and cache clerk-js bundles")
    setup.add_argument(
        "--clerk-js",
        action="append",
        metavar="VERSION",
        help="version to cache (repeatable; default: the config's versions)",
    )
    setup.add_argument(
        "--browser",
        action="append",
        choices=ENGINES,
        metavar="ENGINE",
        help="the engine to make ready: chromium, firefox or webkit (as root, apt-get installs Debian's "
        "firefox-esr, or WebKitGTK and xvfb); repeatable (default: browser.engine)",
    )


def list_arguments(commands: Any) -> None:
    """`clerk-harness list`'s arguments."""
    listing = commands.add_parser("list", help="list the scenario catalogue")
    listing.add_argument("--json", action="store_true", help="the catalogue as JSON: ids, titles, references, ranges")


def browser_flags_arguments(commands: Any) -> None:
    """`clerk-harness browser-flags`'s arguments."""
    flags = commands.add_parser(
        "browser-flags",
        help="the flags to start a remote Chromium with, so that it runs as the "
        "harness's own (shell-quoted; add --remote-debugging-port)",
    )
    flags.add_argument(
        "--reach",
        action="append",
        metavar="ADDR",
        default=[],
        help="an address the browser must reach beyond loopback: the fake's --fake-host (repeatable)",
    )
    flags.add_argument(
        "--format",
        choices=["shell", "lines", "json"],
        default="shell",
        help="shell: one quoted line (for eval); lines: one flag per line; json: a list",
    )
