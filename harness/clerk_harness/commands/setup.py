"""`setup` (a browser and the clerk-js bundles), `browser-flags` (for a remote Chromium) and `list`
(the catalogue)."""

from __future__ import annotations

import argparse
import json

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
    print({"shell": lambda: shlex.join(flags), "lines": lambda: "\n".join(flags),
           "json": lambda: json.dumps(flags)}[args.format]())
    return EXIT_SURVIVED


def cmd_list(config: HarnessConfig, args: argparse.Namespace) -> int:
    from clerk_harness.config import ENGINES
    from clerk_harness.stories.scenarios import CATALOGUE

    ranges = {s.id: [s.range_for(engine) or "none" for engine in ENGINES] for s in CATALOGUE.values()}
    if getattr(args, "json", False):
        print(json.dumps([{"id": s.id, "title": s.title, "reference": s.reference, "instance": s.instance,
                           "lost_on": dict(zip(ENGINES, ranges[s.id])), "needs_app": s.needs_app}
                          for s in CATALOGUE.values()], indent=2))
        return EXIT_SURVIVED
    width = max(len(r) for row in [*ranges.values(), [f"LOST ON ({engine})" for engine in ENGINES]] for r in row)
    heads = " ".join(f"{f'LOST ON ({engine})':<{width}}" for engine in ENGINES)
    print(f"{'SCENARIO':<22} {heads} {'REFERENCE':<32} STORY")
    for scenario in CATALOGUE.values():
        cells = " ".join(f"{r:<{width}}" for r in ranges[scenario.id])
        print(f"{scenario.id:<22} {cells} {scenario.reference:<32} {scenario.title}")
    return EXIT_SURVIVED

