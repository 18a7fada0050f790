"""`clerk-harness`: set up, reproduce a scenario, run the demo, list the catalogue."""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from typing import Iterator

from harness.config import HarnessConfig, load_config
from harness.errors import HarnessError

EXIT_SURVIVED, EXIT_LOST, EXIT_ERROR = 0, 1, 2


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one actionable line, exit 2
        print(f"clerk-harness: error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="clerk-harness", description="Reproduce Clerk session-loss bugs in a real browser.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=ArgumentParser)
    setup = commands.add_parser("setup", help="install a Chromium (if needed) and cache clerk-js bundles")
    setup.add_argument("--clerk-js", action="append", metavar="VERSION",
                       help="version to cache (repeatable; default: the config's versions)")
    repro = commands.add_parser("repro", help="run one scenario on one clerk-js version; exit 0 survived, 1 lost, 2 error")
    repro.add_argument("scenario", help="scenario id (see `clerk-harness list`)")
    repro.add_argument("--clerk-js", required=True, metavar="VERSION", help="exact version or `latest`")
    repro.add_argument("--visibility", choices=["real", "synthetic"], help="override browser.visibility")
    repro.add_argument("--profile", choices=["realistic", "webdriver", "rtt0"],
                       help="browser profile (default: realistic; the others mimic a stock Playwright browser)")
    repro.add_argument("--headed", action="store_true", help="show the browser window")
    repro.add_argument("--quiet", action="store_true", help="print the verdict only, no timeline")
    demo = commands.add_parser("demo", help="the main scenario on 6.0.0 and the newest pinned clerk-js")
    demo.add_argument("--scenario", default="offline-reload")
    commands.add_parser("list", help="list the scenario catalogue")
    return parser


@contextmanager
def backend_for(config: HarnessConfig, version: str) -> Iterator:
    from fake_backend import BackendSettings, FakeClerkServer

    settings = BackendSettings(clerk_js_version=version, clerk_js_cache=config.clerk_js.cache_dir,
                               token_ttl_seconds=config.token_ttl_seconds)
    with FakeClerkServer(settings) as server:
        yield server


def run_one(config: HarnessConfig, scenario_id: str, spec: str):
    from playwright.sync_api import sync_playwright

    from harness.runner import run_scenario
    from harness.scenarios import get_scenario
    from harness.setup import ensure_browser, ensure_versions

    scenario = get_scenario(scenario_id)
    ensure_browser(config, progress=lambda _: None)
    version = ensure_versions(config, [spec], progress=lambda _: None)[0]
    with backend_for(config, version) as server, sync_playwright() as playwright:
        return scenario, run_scenario(playwright, config, server.clerk, scenario.id, version)


def cmd_repro(config: HarnessConfig, args: argparse.Namespace) -> int:
    from harness.report import render

    if args.visibility:
        config.browser.visibility = args.visibility
    if args.headed:
        config.browser.headless = False
    if args.profile:
        config.browser.profile = args.profile
    scenario, outcome = run_one(config, args.scenario, args.clerk_js)
    print(render(outcome, scenario.expected(outcome.version), with_timeline=not args.quiet))
    return outcome.exit_code


def cmd_demo(config: HarnessConfig, args: argparse.Namespace) -> int:
    from harness.report import headline

    print(f"Scenario {args.scenario} on clerk-js {', '.join(config.clerk_js.demo_versions)} "
          f"(a real Chromium, the real clerk-js bundle, the fake Clerk backend)", flush=True)
    unexpected = 0
    for spec in config.clerk_js.demo_versions:
        scenario, outcome = run_one(config, args.scenario, spec)
        expected = scenario.expected(outcome.version)
        print(headline(outcome, expected), flush=True)
        for reason in outcome.reasons:
            print(f"  - {reason}")
        unexpected += outcome.verdict != expected
    return EXIT_LOST if unexpected else EXIT_SURVIVED


def cmd_list() -> int:
    from harness.scenarios import CATALOGUE

    for scenario in CATALOGUE.values():
        print(f"{scenario.id:<26} lost on: {scenario.lost_on or 'none':<10} {scenario.title} [{scenario.reference}]")
    return EXIT_SURVIVED


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config()
        if args.command == "setup":
            from harness.setup import run_setup

            run_setup(config, args.clerk_js)
            return EXIT_SURVIVED
        if args.command == "repro":
            return cmd_repro(config, args)
        if args.command == "demo":
            return cmd_demo(config, args)
        if args.command == "list":
            return cmd_list()
    except HarnessError as error:
        print(f"clerk-harness: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
