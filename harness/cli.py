"""`clerk-harness`: set up, reproduce a scenario, run the demo."""

from __future__ import annotations

import argparse
import sys

from harness.config import load_config
from harness.errors import HarnessError

EXIT_SURVIVED, EXIT_LOST, EXIT_ERROR = 0, 1, 2


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one actionable line, exit 2
        print(f"clerk-harness: error: {message} (see `clerk-harness --help`)", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="clerk-harness", description="Reproduce Clerk session-loss bugs in a real browser.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=ArgumentParser)
    setup = commands.add_parser("setup", help="install a Chromium (if needed) and cache clerk-js bundles")
    setup.add_argument("--clerk-js", action="append", metavar="VERSION",
                       help="version to cache (repeatable; default: the config's versions)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config()
        if args.command == "setup":
            from harness.setup import run_setup

            run_setup(config, args.clerk_js)
            return EXIT_SURVIVED
    except HarnessError as error:
        print(f"clerk-harness: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
