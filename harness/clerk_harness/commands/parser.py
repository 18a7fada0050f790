"""The command line's grammar: every command, its flags and help texts, and the argument types; one
actionable line and exit 2 on bad arguments."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from clerk_harness.commands.exits import EXIT_ERROR
from clerk_harness.config import ENGINES, PROFILES, TOPOLOGIES, VISIBILITY_MODES

SURVEY_FROM = "5.0.0"  # the oldest major line the fake FAPI speaks


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


def shard_arg(text: str):
    from clerk_harness.matrix.shards import Shard

    try:
        return Shard.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_browser_option(parser: argparse.ArgumentParser, *, repeatable: bool = False) -> None:
    if repeatable:
        parser.add_argument("--browser", action="append", choices=ENGINES, metavar="ENGINE",
                            help="browser engine: chromium or firefox (experimental); repeatable: one grid column "
                                 "set per engine (default: browser.engine)")
    else:
        parser.add_argument("--browser", choices=ENGINES, metavar="ENGINE",
                            help="browser engine: chromium or firefox (experimental; default: browser.engine)")


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", metavar="PATH", help="write machine-readable results here")
    parser.add_argument("--junit", metavar="PATH", help="write JUnit XML here: one test case per run")
    parser.add_argument("--report", metavar="PATH", help="write the self-contained HTML report here")


def add_remote_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("remote browsers (see \"Scaling out\" in docs/ci.md)")
    group.add_argument("--cdp-endpoint", action="append", metavar="URL",
                       help="drive the Chromium listening at this CDP endpoint (http://host:9222) instead of launching "
                            "one; repeatable: one worker per browser (overrides browser.cdpEndpoint)")
    group.add_argument("--fake-host", default="127.0.0.1", metavar="ADDR",
                       help="the address of this machine the fake backend binds, as the browser reaches it (default "
                            "127.0.0.1); beyond loopback only with --allow-remote")
    group.add_argument("--allow-remote", action="store_true",
                       help="let --fake-host be beyond loopback; the control API then requires the printed token")


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


def add_retry_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--retry-errors", type=non_negative_int, default=0, metavar="N",
                        help="run again, up to N times, a run whose browser, page, app or worker process died "
                             "(default 0); a verdict is never run again, and every attempt is recorded")


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 0 or more")
    return value


def add_instance_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--session-minter", action="store_true",
                        help="the fake models an instance with Clerk's Session Minter on (default: sessionMinter in "
                             "playwright.config.json); scenarios that need one instance run on it regardless")


def add_app_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("your own app under test (default: the built-in page)")
    group.add_argument("--app-cmd", metavar="CMD",
                       help="start your app with this shell command; it gets PORT and the fake's Clerk environment")
    group.add_argument("--app-cwd", metavar="DIR", help="run --app-cmd in this folder")
    group.add_argument("--app-url", metavar="URL", help="the page to open (default http://127.0.0.1:$PORT/)")
    group.add_argument("--probe", metavar="PATH",
                       help="your app's authenticated route: 2xx = signed in, 401/403/redirect = signed out "
                            "(default /api/me)")
    group.add_argument("--app-topology", choices=TOPOLOGIES,
                       help="production (your app's default): the app at https://app.harness.test:PORT, the Frontend "
                            "API at the publishable key's own host beside it; proxy (the built-in page's default): "
                            "both on loopback, the FAPI behind a proxy URL")
    group.add_argument("--app-clock", choices=("auto", "virtual", "real"),
                       help="virtual: libfaketime moves your app's clock with the harness's (minute-long tokens, no "
                            "real waiting); real: 19-second tokens and real waiting; auto (default): virtual where "
                            "libfaketime is installed")
    group.add_argument("--protected-page", metavar="PATH",
                       help="a page only signed-in users may see, linked from the app's first page (default "
                            "/dashboard; next-soft-navigation follows the link)")


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="clerk-harness", description="Reproduce Clerk session-loss bugs in a real browser.",
                            epilog="exit codes: 0 survived (or done), 1 lost (or an unexpected verdict), 2 an error, "
                                   "bad input or an inconclusive run, 130 interrupted")
    parser.add_argument("--version", action="version", version=version_line())
    commands = parser.add_subparsers(dest="command", required=True, parser_class=ArgumentParser)
    setup = commands.add_parser("setup", help="install a Chromium (if needed) and cache clerk-js bundles")
    setup.add_argument("--clerk-js", action="append", metavar="VERSION",
                       help="version to cache (repeatable; default: the config's versions)")
    setup.add_argument("--browser", action="append", choices=ENGINES, metavar="ENGINE",
                       help="the engine to make ready: chromium or firefox (as root, apt-get installs Debian's "
                            "firefox-esr); repeatable (default: browser.engine)")
    repro = commands.add_parser("repro", help="run one scenario on one clerk-js version; exit 0 survived, 1 lost, 2 error")
    repro.add_argument("scenario", help="scenario id (see `clerk-harness list`)")
    repro.add_argument("--clerk-js", required=True, metavar="VERSION", help="exact version or `latest`")
    repro.add_argument("--visibility", choices=VISIBILITY_MODES, help="override browser.visibility")
    repro.add_argument("--profile", choices=PROFILES,
                       help="browser profile (default: realistic; the others mimic a stock Playwright browser)")
    add_browser_option(repro)
    repro.add_argument("--headed", action="store_true", help="show the browser window")
    repro.add_argument("--quiet", action="store_true", help="print the verdict line only")
    repro.add_argument("--upstream", metavar="FILE",
                       help="on a loss, write an issue body for clerk/javascript here (Markdown: versions, steps, "
                            "expected and actual, the first loss with its stack, the requests around it)")
    repro.add_argument("--json", action="store_true",
                       help="print the run's result (verdict, expected, evidence, artifacts) as JSON instead")
    repro.add_argument("--slow-mo", type=float, default=None, metavar="MS", help="slow each browser action down")
    add_app_options(repro)
    add_instance_option(repro)
    add_remote_options(repro)
    repro.add_argument("--artifacts", metavar="DIR",
                       help="folder for result.json, timeline.json, journal.json, trace.zip, screenshot.png, "
                            "report.html (default: artifacts/repro/SCENARIO-VERSION-TIME)")
    init = commands.add_parser("init", help="write the config, a pytest file, a CI workflow and .gitignore lines "
                                            "that guard your app's Clerk session (in the current folder)")
    add_app_options(init)
    init.add_argument("--clerk-js", action="append", metavar="VERSION",
                      help="a version the tests run on (repeatable; default: 6.0.0, which has the offline bug, and "
                           "the newest pinned release)")
    init.add_argument("--dir", default=".", metavar="DIR", help="the repo folder to write into (default: here)")
    init.add_argument("--force", action="store_true", help="overwrite files that exist")
    init.add_argument("--pip-spec", metavar="SPEC",
                      help="what the workflow installs with pip (default: this package at this version; a wheel "
                           "URL or git URL works too)")
    demo = commands.add_parser("demo", help="the main scenario on 6.0.0 and the newest pinned clerk-js")
    demo.add_argument("--scenario", default="offline-reload")
    add_browser_option(demo)
    add_instance_option(demo)
    listing = commands.add_parser("list", help="list the scenario catalogue")
    listing.add_argument("--json", action="store_true", help="the catalogue as JSON: ids, titles, references, ranges")
    serve = commands.add_parser("serve", help="the fake backend and the app page for a human with a real browser")
    serve.add_argument("--clerk-js", default=None, metavar="VERSION", help="default: clerkJs.newest")
    serve.add_argument("--port", type=int, default=8787, help="port (default 8787; 0 picks a free one)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="bind address (default 127.0.0.1; ::1 works too); beyond loopback only with --allow-remote")
    serve.add_argument("--allow-remote", action="store_true",
                       help="allow a bind address beyond loopback; the control API then requires a printed token")
    serve.add_argument("--token-ttl", type=positive_int, default=None, metavar="SECONDS",
                       help="session token lifetime (default: tokenTtlSeconds)")
    versions = commands.add_parser("versions", help="the cached clerk-js versions and the newest published one")
    versions.add_argument("--latest", action="store_true",
                          help="print only the newest published version (for a CI plan step)")
    versions.add_argument("--json", action="store_true", help="the same as JSON")
    flags = commands.add_parser("browser-flags", help="the flags to start a remote Chromium with, so that it runs as the "
                                                      "harness's own (shell-quoted; add --remote-debugging-port)")
    flags.add_argument("--reach", action="append", metavar="ADDR", default=[],
                       help="an address the browser must reach beyond loopback: the fake's --fake-host (repeatable)")
    flags.add_argument("--format", choices=["shell", "lines", "json"], default="shell",
                       help="shell: one quoted line (for eval); lines: one flag per line; json: a list")
    env = commands.add_parser("env", help="the Clerk environment variables for an app you start yourself, from a "
                                          "running `clerk-harness serve`")
    env.add_argument("--fake", default="http://127.0.0.1:8787", metavar="URL",
                     help="the running fake's origin, as `serve` printed it (default http://127.0.0.1:8787)")
    env.add_argument("--format", choices=["shell", "dotenv"], default="shell",
                     help="shell: `export K='V'` lines for eval; dotenv: K=\"V\" lines for a .env file")
    run_cmd = commands.add_parser("exec", help="run a command with a fake Clerk backend and its environment until "
                                               "the command exits (as `firebase emulators:exec` does)")
    run_cmd.add_argument("--clerk-js", default=None, metavar="VERSION", help="default: clerkJs.newest")
    run_cmd.add_argument("--port", type=int, default=0, help="the fake's port (default: a free one)")
    run_cmd.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- CMD ...", help="the command and its arguments")
    bisect = commands.add_parser("bisect", help="find the first clerk-js release where a scenario's verdict flips")
    bisect.add_argument("scenario", help="scenario id (see `clerk-harness list`)")
    bisect.add_argument("--good", required=True, metavar="VERSION", help="a version that keeps the session")
    bisect.add_argument("--bad", required=True, metavar="VERSION", help="a version that loses it")
    bisect.add_argument("--runs-per-step", type=positive_int, default=1,
                        help="runs of each version; differing verdicts stop the bisect as flaky (default 1)")
    add_browser_option(bisect)
    add_instance_option(bisect)
    add_retry_option(bisect)
    run = commands.add_parser("run", help="the scenario x version matrix with a verdict table; exit 1 on any "
                                          "unexpected verdict, 2 on errors or inconclusive runs")
    run.add_argument("--scenario", action="append", metavar="ID", help="scenario (repeatable; default: all)")
    run.add_argument("--clerk-js", action="append", metavar="VERSION",
                     help="version (repeatable; default: clerkJs.versions in playwright.config.json)")
    run.add_argument("--releases", metavar="RANGE",
                     help="add the newest release of each minor line in this npm range (e.g. '^6.0.0')")
    run.add_argument("--every-minor", type=positive_int, default=1, metavar="N",
                     help="with --releases: only every N-th minor line (e.g. 10 for a sweep over 5.x)")
    add_browser_option(run, repeatable=True)
    run.add_argument("--repeat", type=positive_int, default=1, help="runs of each pair (to spot flaky verdicts)")
    run.add_argument("--workers", type=positive_int, default=2, help="parallel browser sessions (default 2)")
    add_retry_option(run)
    run.add_argument("--shard", type=shard_arg, metavar="I/N",
                     help="run only the I-th of N parts of the matrix (a stable split; `merge` joins the parts)")
    run.add_argument("--durations", metavar="RESULTS",
                     help="with --shard: balance the parts by the durations in an earlier run's --json file")
    add_output_options(run)
    run.add_argument("--artifacts", metavar="DIR", help="keep every run's trace, timeline, journal and report here")
    add_app_options(run)
    add_instance_option(run)
    add_remote_options(run)
    merge = commands.add_parser("merge", help="join the --json files of `run --shard` parts into one grid, JSON, "
                                              "JUnit, HTML report and Markdown summary; exit codes as `run`")
    merge.add_argument("results", nargs="+", metavar="RESULTS", help="results files of `run --json`")
    add_output_options(merge)
    merge.add_argument("--summary", metavar="PATH",
                       help="write the grid in Markdown here (e.g. \"$GITHUB_STEP_SUMMARY\"; appended to if it exists)")
    explore = commands.add_parser("explore", help="search for session losses no scenario names (Hypothesis stateful "
                                                  "testing); exit 1 found one, 0 none, 2 error")
    explore.add_argument("--clerk-js", metavar="VERSION", help="exact version or `latest`")
    budget = explore.add_mutually_exclusive_group()
    budget.add_argument("--runs", type=positive_int, metavar="N", help="stories to try (default 50)")
    budget.add_argument("--minutes", type=positive_float, metavar="M", help="try stories for this long instead")
    explore.add_argument("--seed", type=int, metavar="S", help="draw the same stories again (default: a random seed, "
                                                                "printed; without --seed failures are remembered)")
    explore.add_argument("--faults", action="store_true",
                         help="add fault steps: every Frontend API route answering 401, 429, 5xx, slowly, dropped, "
                              "or with an empty or wrapped token")
    explore.add_argument("--skip", action="append", default=[], metavar="STEP",
                         help="leave a step out of the stories (repeatable), e.g. go_offline to look only at API "
                              "faults with the browser online")
    explore.add_argument("--keep-going", action="store_true",
                         help="after a finding, go on looking for different ones until the budget is spent")
    explore.add_argument("--steps", type=positive_int, default=8, metavar="N", help="steps per story at most (default 8)")
    add_browser_option(explore)
    add_instance_option(explore)
    explore.add_argument("--replay", metavar="FINDING", help="run a finding.json of an earlier exploration again")
    explore.add_argument("--artifacts", metavar="DIR", help="where the finding goes (default artifacts/explore/...)")
    add_app_options(explore)
    survey = commands.add_parser("survey", help="measure the releases a scenario loses on (both edges, confirmed) "
                                                "and compare with the catalogue; exit 1 when they disagree")
    survey.add_argument("scenario", help="scenario id (see `clerk-harness list`)")
    survey.add_argument("--from", dest="older", default=SURVEY_FROM, metavar="VERSION",
                        help=f"oldest release to survey (default {SURVEY_FROM})")
    survey.add_argument("--to", dest="newer", default="latest", metavar="VERSION",
                        help="newest release to survey (default: latest)")
    survey.add_argument("--confirm-runs", type=positive_int, default=2, metavar="N",
                        help="extra runs on each side of each edge (default 2); a differing one stops the survey")
    survey.add_argument("--json", metavar="PATH", help="write the survey (edges, every step) here")
    add_browser_option(survey)
    add_instance_option(survey)
    add_retry_option(survey)
    return parser

