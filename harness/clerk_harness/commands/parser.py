"""The command line's grammar: the commands, in the order `--help` lists them, each with the module that
holds its handler and its arguments (`<command>_arguments`); one actionable line and exit 2 on bad
arguments."""

from __future__ import annotations

import argparse
import sys
from importlib import import_module
from typing import NoReturn

from clerk_harness.commands.exits import EXIT_ERROR

# command -> (module of clerk_harness.commands, its handler); the handler takes (config, args), or only args
# where the command needs no config (`init` writes it; `env` asks a running fake)
COMMANDS: dict[str, tuple[str, str]] = {
    "setup": ("setup", "cmd_setup"),
    "repro": ("repro", "cmd_repro"),
    "init": ("init", "cmd_init"),
    "demo": ("repro", "cmd_demo"),
    "list": ("setup", "cmd_list"),
    "serve": ("fake", "cmd_serve"),
    "versions": ("searches", "cmd_versions"),
    "browser-flags": ("setup", "cmd_browser_flags"),
    "env": ("fake", "cmd_env"),
    "exec": ("fake", "cmd_exec"),
    "bisect": ("searches", "cmd_bisect"),
    "run": ("run", "cmd_run"),
    "merge": ("run", "cmd_merge"),
    "explore": ("explore", "run_explore"),
    "survey": ("searches", "cmd_survey"),
}


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one actionable line, exit 2
        print(f"clerk-harness: error: {message}{did_you_mean(message)} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


def did_you_mean(message: str) -> str:
    """argparse's "invalid choice: 'reproo' (choose from ...)" gets the nearest choice named."""
    import difflib
    import re

    found = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
    if not found:
        return ""
    choices = re.findall(r"'?([\w.-]+)'?(?:,|$)", found.group(2))
    near = difflib.get_close_matches(found.group(1), choices, n=1, cutoff=0.6)
    return f"; did you mean {near[0]!r}?" if near else ""


def version_line() -> str:
    from importlib.metadata import PackageNotFoundError, version

    def of(package: str) -> str:
        try:
            return version(package)
        except PackageNotFoundError:
            return "not installed"

    return f"clerk-harness {of('clerk-session-harness')} (Playwright {of('playwright')})"


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="clerk-harness",
        description="Reproduce Clerk session-loss bugs in a real browser.",
        epilog="exit codes: 0 survived (or done), 1 lost (or an unexpected verdict), 2 an error, "
        "bad input or an inconclusive run, 130 interrupted",
    )
    parser.add_argument("--version", action="version", version=version_line())
    commands = parser.add_subparsers(dest="command", required=True, parser_class=ArgumentParser)
    for name, (module, _handler) in COMMANDS.items():
        grammar = getattr(import_module(f"clerk_harness.commands.{module}"), f"{name.replace('-', '_')}_arguments")
        grammar(commands)
    return parser
