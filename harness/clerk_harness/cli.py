"""`clerk-harness`: set up, reproduce, run the matrix, bisect and survey releases, serve the fake, and run
your own app against it.

This module only dispatches: `commands/parser.py` lists the commands, and each command (or close family)
is a module of `commands/` that holds its handler beside its arguments."""

from __future__ import annotations

import sys
from importlib import import_module

from clerk_harness.commands.exits import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_LOST, EXIT_SURVIVED  # noqa: F401 - the exit codes, importable from the CLI
from clerk_harness.commands.parser import COMMANDS, build_parser
from clerk_harness.commands.searches import StepPrinter  # noqa: F401 - part of the CLI's surface
from clerk_harness.config import HarnessConfig, load_config
from clerk_harness.errors import HarnessError

ARGS_ONLY = frozenset({"init", "env"})
FAKE_IN_THIS_PROCESS = frozenset({"repro", "demo", "bisect", "explore", "serve", "exec"})
NO_CONFIG = frozenset({"init"})  # init writes the config: one that is broken or missing must not stop it


def _interrupt_on_signals() -> None:
    """Ctrl-C, and SIGTERM (a CI job cancelled, `kill`), stop a run: cleanup runs, partial results print."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, interrupt)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # even where the shell started us ignoring it
    except ValueError:  # not the main thread (main() called from a thread): leave signals alone
        pass


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _interrupt_on_signals()
    if args.command in FAKE_IN_THIS_PROCESS:
        from clerk_harness_fake import signing_keys

        signing_keys.make_ahead()  # the fake's RSA key, made on a thread while Playwright's driver starts
    try:
        config = load_config() if args.command not in NO_CONFIG else HarnessConfig()
        if isinstance(getattr(args, "browser", None), str):  # one engine for this command
            config.browser.engine = args.browser
        if getattr(args, "session_minter", False):
            config.session_minter = True
        module, name = COMMANDS[args.command]
        command = getattr(import_module(f"clerk_harness.commands.{module}"), name)
        return command(args) if args.command in ARGS_ONLY else command(config, args)
    except HarnessError as error:
        print(f"clerk-harness: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        from clerk_harness.commands import hang_guard

        if (hung := hang_guard.hung_after()) is not None:  # the guard's interrupt, not the user's
            print(f"clerk-harness: error: {hang_guard.message(hung)}", file=sys.stderr, flush=True)
            return EXIT_ERROR
        print("clerk-harness: interrupted", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `clerk-harness repro ... | head`: the reader left, nothing is wrong
        sys.stdout = None  # type: ignore[assignment]
        return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
