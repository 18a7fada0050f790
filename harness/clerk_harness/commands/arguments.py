"""What several commands' grammars share: argument types and option groups (each command's own arguments
are beside its handler, in its module)."""

from __future__ import annotations

import argparse

from clerk_harness.choices import ENGINES, TOPOLOGIES

SURVEY_FROM = "5.0.0"  # the oldest major line the fake FAPI speaks


def shard_arg(text: str):
    from clerk_harness.matrix.shards import Shard

    try:
        return Shard.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_browser_option(parser: argparse.ArgumentParser, *, repeatable: bool = False) -> None:
    if repeatable:
        parser.add_argument(
            "--browser",
            action="append",
            choices=ENGINES,
            metavar="ENGINE",
            help="browser engine: chromium, firefox or webkit (Linux, WebKitGTK); repeatable: one grid column "
            "set per engine (default: browser.engine)",
        )
    else:
        parser.add_argument(
            "--browser",
            choices=ENGINES,
            metavar="ENGINE",
            help="browser engine: chromium, firefox or webkit (Linux, WebKitGTK; default: browser.engine)",
        )


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", metavar="PATH", help="write machine-readable results here")
    parser.add_argument("--junit", metavar="PATH", help="write JUnit XML here: one test case per run")
    parser.add_argument("--report", metavar="PATH", help="write the self-contained HTML report here")


def add_remote_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group('remote browsers (see "Scaling out" in docs/ci.md)')
    group.add_argument(
        "--cdp-endpoint",
        action="append",
        metavar="URL",
        help="drive the Chromium listening at this CDP endpoint (http://host:9222) instead of launching "
        "one; repeatable: one worker per browser (overrides browser.cdpEndpoint)",
    )
    group.add_argument(
        "--fake-host",
        default="127.0.0.1",
        metavar="ADDR",
        help="the address of this machine the fake backend binds, as the browser reaches it (default "
        "127.0.0.1); beyond loopback only with --allow-remote",
    )
    group.add_argument(
        "--allow-remote",
        action="store_true",
        help="let --fake-host be beyond loopback; the control API then requires the printed token",
    )


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def add_run_timeout_option(parser: argparse.ArgumentParser, ended: str) -> None:
    """`--run-timeout`: how long a run may hang (a browser that stopped answering) before it is `ended`."""
    from clerk_harness.matrix.job import RUN_TIMEOUT_S

    parser.add_argument(
        "--run-timeout",
        type=positive_float,
        default=RUN_TIMEOUT_S,
        metavar="SECONDS",
        help=f"end a run that hangs this long (a browser that stopped answering): {ended} "
        f"(default {RUN_TIMEOUT_S:g}; a run takes seconds)",
    )


def add_retry_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--retry-errors",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="run again, up to N times, a run whose browser, page, app or worker process died "
        "(default 0); a verdict is never run again, and every attempt is recorded",
    )


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 0 or more")
    return value


def add_instance_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--session-minter",
        action="store_true",
        help="the fake models an instance with Clerk's Session Minter on (default: sessionMinter in "
        "playwright.config.json); scenarios that need one instance run on it regardless",
    )


def add_app_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("your own app under test (default: the built-in page)")
    group.add_argument(
        "--app-cmd",
        metavar="CMD",
        help="start your app with this shell command; it gets PORT and the fake's Clerk environment",
    )
    group.add_argument("--app-cwd", metavar="DIR", help="run --app-cmd in this folder")
    group.add_argument("--app-url", metavar="URL", help="the page to open (default http://127.0.0.1:$PORT/)")
    group.add_argument(
        "--probe",
        metavar="PATH",
        help="your app's authenticated route: 2xx = signed in, 401/403/redirect = signed out (default /api/me)",
    )
    group.add_argument(
        "--app-topology",
        choices=TOPOLOGIES,
        help="production (your app's default): the app at https://app.harness.test:PORT, the Frontend "
        "API at the publishable key's own host beside it; proxy (the built-in page's default): "
        "both on loopback, the FAPI behind a proxy URL",
    )
    group.add_argument(
        "--app-clock",
        choices=("auto", "virtual", "real"),
        help="virtual: libfaketime moves your app's clock with the harness's (minute-long tokens, no "
        "real waiting); real: 19-second tokens and real waiting; auto (default): virtual where "
        "libfaketime is installed",
    )
    group.add_argument(
        "--protected-page",
        metavar="PATH",
        help="a page only signed-in users may see, linked from the app's first page (default "
        "/dashboard; next-soft-navigation follows the link)",
    )
