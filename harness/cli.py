"""`clerk-harness`: set up, reproduce, run the matrix, bisect and survey releases, serve the fake, and run
your own app against it."""

from __future__ import annotations

import argparse
import errno
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from clerk_harness import driver_cache, firefox_driver_patch
from clerk_harness.config import ENGINES, PROFILES, TOPOLOGIES, VISIBILITY_MODES, HarnessConfig, backend_settings, load_config
from clerk_harness.errors import HarnessError

if TYPE_CHECKING:
    from clerk_harness.user_app import AppSpec

EXIT_SURVIVED, EXIT_LOST, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # as a shell reports a Ctrl-C
SURVEY_FROM = "5.0.0"  # the oldest major line the fake FAPI speaks


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one actionable line, exit 2
        print(f"clerk-harness: error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


def shard_arg(text: str):
    from clerk_harness.shards import Shard

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
    group = parser.add_argument_group("remote browsers (see the README's \"Scaling out\")")
    group.add_argument("--cdp-endpoint", action="append", metavar="URL",
                       help="drive the Chromium listening at this CDP endpoint (http://host:9222) instead of launching "
                            "one; repeatable: one worker per browser (overrides browser.cdpEndpoint)")
    group.add_argument("--fake-host", default="127.0.0.1", metavar="ADDR",
                       help="the address of this machine the fake backend binds, as the browser reaches it (default "
                            "127.0.0.1); beyond loopback only with --allow-remote")
    group.add_argument("--allow-remote", action="store_true",
                       help="let --fake-host be beyond loopback; the control API then requires the printed token")


def remote_from_args(args: argparse.Namespace, config: HarnessConfig):
    """Apply --cdp-endpoint to the config; the fake's binding (checked: an address of this machine, loopback
    unless allowed; beyond loopback its control token is printed once)."""
    import socket

    from clerk_harness_fake.server import Binding, RemoteBindRefused
    from clerk_harness.config import CDP_SCHEMES

    for endpoint in args.cdp_endpoint or []:
        if endpoint.split("://", 1)[0] not in CDP_SCHEMES:
            raise HarnessError(f"--cdp-endpoint {endpoint!r}: give a CDP endpoint such as http://127.0.0.1:9222")
    if args.cdp_endpoint:
        config.browser.cdp_endpoints = tuple(dict.fromkeys(args.cdp_endpoint))
    if config.browser.cdp_endpoints and (args.app_cmd or config.app.command):
        raise HarnessError("a remote browser (--cdp-endpoint) with your own app (--app-cmd) is not supported: run your "
                           "app's scenarios with a local browser")
    try:
        binding = Binding.of(args.fake_host, args.allow_remote)
        family = socket.AF_INET6 if ":" in binding.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((binding.host.strip("[]"), 0))
    except RemoteBindRefused as error:
        raise HarnessError(str(error)) from None
    except OSError as error:
        raise HarnessError(f"--fake-host {args.fake_host}: cannot listen there ({error.strerror}); give an address "
                           f"of this machine that the browser can reach") from None
    if binding.control_token:
        print(f"WARNING: the fake backend listens on {binding.host}, beyond loopback: its control API needs\n"
              f"  Authorization: Bearer {binding.control_token}", file=sys.stderr, flush=True)
    return binding


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


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="clerk-harness", description="Reproduce Clerk session-loss bugs in a real browser.")
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
    repro.add_argument("--slow-mo", type=float, default=None, metavar="MS", help="slow each browser action down")
    add_app_options(repro)
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
    commands.add_parser("list", help="list the scenario catalogue")
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
    run.add_argument("--shard", type=shard_arg, metavar="I/N",
                     help="run only the I-th of N parts of the matrix (a stable split; `merge` joins the parts)")
    run.add_argument("--durations", metavar="RESULTS",
                     help="with --shard: balance the parts by the durations in an earlier run's --json file")
    add_output_options(run)
    run.add_argument("--artifacts", metavar="DIR", help="keep every run's trace, timeline, journal and report here")
    add_app_options(run)
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
    return parser


@contextmanager
def backend_for(config: HarnessConfig, version: str, port: int = 0, binding=None) -> Iterator:
    from clerk_harness_fake.server import Binding

    with (binding or Binding()).server(backend_settings(config, version), port=port) as server:
        yield server


def run_one(config: HarnessConfig, scenario_id: str, spec: str, artifacts=None, app: "AppSpec | None" = None,
            binding=None):
    from clerk_harness.runner import run_scenario
    from clerk_harness.scenarios import get_scenario
    from clerk_harness.setup import ensure_versions, playwright_with_browser
    from clerk_harness.user_app import spawn_app

    scenario = get_scenario(scenario_id)
    version = ensure_versions(config, [spec], progress=lambda _: None)[0]
    with ExitStack() as stack:
        server, starting = None, None
        if app is not None:  # the fake first, for the app's environment; the app boots while Playwright starts
            server = stack.enter_context(backend_for(config, version, binding=binding))
            starting = spawn_app(app, server)
            stack.callback(starting.stop)
        playwright = stack.enter_context(playwright_with_browser(config))
        if server is None:  # after the driver started: the fake's key was made on a thread meanwhile
            server = stack.enter_context(backend_for(config, version, binding=binding))
        running = starting.until_ready(server) if starting is not None else None
        folder = artifacts(scenario.id, version) if callable(artifacts) else artifacts
        return scenario, run_scenario(playwright, config, server.clerk, scenario.id, version, artifacts=folder,
                                      app=running)


def app_from_args(args: argparse.Namespace, config: HarnessConfig) -> "AppSpec | None":
    """`--app-cmd` and friends, else the config's `app` section, else None (the built-in page)."""
    from clerk_harness.user_app import app_spec

    spec = app_spec(config.app, command=args.app_cmd, cwd=args.app_cwd, url=args.app_url, probe=args.probe,
                    topology=args.app_topology)
    if spec is None and (args.app_cwd or args.app_url or args.probe):
        raise HarnessError("--app-cwd, --app-url and --probe go with --app-cmd (the command that starts your app)")
    if spec is None and args.app_topology:  # the built-in page in that topology
        config.app.topology = args.app_topology
    return spec


def cmd_repro(config: HarnessConfig, args: argparse.Namespace) -> int:
    from clerk_harness.report import headline, render

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
        return config.artifacts_dir / "repro" / f"{scenario_id}-{version}-{time.strftime('%Y%m%d-%H%M%S')}"

    binding = remote_from_args(args, config)
    scenario, outcome = run_one(config, args.scenario, args.clerk_js, artifacts=folder,
                                app=app_from_args(args, config), binding=binding)
    try:
        if config.browser.profile != "realistic":
            print(f"(unrealistic browser profile {config.browser.profile!r}: clerk-js may judge connectivity wrongly)")
        expected = scenario.expected(outcome.version, config.browser.profile, outcome.engine)
        if args.quiet:  # the verdict line only; an error or inconclusive run says why on the same line
            why = f": {outcome.reasons[0]}" if outcome.verdict not in ("survived", "lost") and outcome.reasons else ""
            print(headline(outcome, expected) + why)
            return outcome.exit_code
        print(render(outcome, expected))
        if outcome.artifacts.get("report"):
            print(f"artifacts: {Path(outcome.artifacts['report']).parent} (report.html, trace.zip: "
                  f"`playwright show-trace {outcome.artifacts.get('trace', 'trace.zip')}`)")
    except BrokenPipeError:  # `... | head`: the reader left early; the exit code still tells the verdict
        sys.stdout = None  # type: ignore[assignment]
    return outcome.exit_code


def cmd_demo(config: HarnessConfig, args: argparse.Namespace) -> int:
    from clerk_harness.report import ENGINE_NAMES, headline

    print(f"Scenario {args.scenario} on clerk-js {', '.join(config.clerk_js.demo_versions)} "
          f"(a real {ENGINE_NAMES[config.browser.engine]}, the real clerk-js bundle, the fake Clerk backend)", flush=True)
    from clerk_harness.html_report import write_report

    runs = []
    for spec in config.clerk_js.demo_versions:
        scenario, outcome = run_one(config, args.scenario, spec)
        expected = scenario.expected(outcome.version, engine=outcome.engine)
        print(headline(outcome, expected), flush=True)
        for reason in outcome.reasons:
            print(f"  - {reason}")
        runs.append((outcome, expected))
    report = write_report(config.artifacts_dir / "demo" / "report.html", runs, title=f"{args.scenario}: the demo")
    print(f"report: {report} (open it in a browser: a timeline of each session)")
    return EXIT_LOST if any(outcome.verdict != expected for outcome, expected in runs) else EXIT_SURVIVED


def cmd_run(config: HarnessConfig, args: argparse.Namespace) -> int:
    from clerk_harness.matrix import MatrixInterrupted, print_progress, run_matrix
    from clerk_harness.results import ResultSet, read_results
    from clerk_harness.scenarios import CATALOGUE, get_scenario
    from clerk_harness.setup import ensure_browser, ensure_versions
    from clerk_harness.shards import recorded_durations

    binding = remote_from_args(args, config)
    if args.durations and not args.shard:
        raise HarnessError("--durations balances the parts of --shard I/N: give --shard too")
    durations = recorded_durations(read_results(Path(args.durations)).results) if args.durations else None
    scenarios = [get_scenario(s).id for s in (args.scenario or list(CATALOGUE))]
    from clerk_harness.setup import with_engine

    engines = list(dict.fromkeys(args.browser or [config.browser.engine]))
    for engine in engines:
        ensure_browser(with_engine(config, engine), progress=lambda _: None)
    from clerk_harness.releases import sample_minor_lines

    sampled = sample_minor_lines(args.releases, args.every_minor) if args.releases else []
    wanted = list(dict.fromkeys([*(args.clerk_js or ([] if sampled else config.clerk_js.versions)), *sampled]))
    versions = ensure_versions(config, wanted)
    aliases = {spec: version for spec, version in zip(wanted, versions) if spec != version}
    matrix = ResultSet([], scenarios, list(dict.fromkeys(versions)), args.repeat, aliases, engines=engines)
    jobs = matrix.planned()
    shard = str(args.shard) if args.shard else None
    if args.shard:
        jobs = args.shard.pick(jobs, durations)
    print(f"{len(jobs)} run(s): {len(scenarios)} scenario(s) x {len(matrix.versions)} version(s) x {args.repeat}"
          + (f" x {len(engines)} engines ({', '.join(engines)})" if len(engines) > 1 else
             f" in {engines[0]}" if engines != ["chromium"] else "")
          + (f", shard {shard} of {len(matrix.planned())}" if shard else "")
          + (f", {len(config.browser.cdp_endpoints)} remote browser(s)" if config.browser.cdp_endpoints
             else f", {args.workers} worker(s)"),
          file=sys.stderr, flush=True)
    try:
        matrix.results = run_matrix(config, jobs, workers=args.workers, on_result=print_progress,
                                    artifacts=Path(args.artifacts).resolve() if args.artifacts else None,
                                    app=app_from_args(args, config), binding=binding) if jobs else []
        interrupted = False
    except MatrixInterrupted as stop:
        matrix.results, interrupted = stop.results, True
        print(f"interrupted: {len(matrix.results)} of {len(jobs)} run(s) finished; the table and files below hold "
              f"only those", flush=True)
    code = report_results(matrix, args, shard=shard, title=f"clerk-harness run: {len(scenarios)} scenario(s) x "
                          f"{len(matrix.versions)} version(s)" + (f", shard {shard}" if shard else ""))
    return EXIT_INTERRUPTED if interrupted else code


def cmd_merge(config: HarnessConfig, args: argparse.Namespace) -> int:
    from clerk_harness.results import merge_results

    merged = merge_results([Path(p) for p in args.results])
    missing = merged.missing()
    code = report_results(merged, args, title=f"clerk-harness: {len(merged.scenarios)} scenario(s) x "
                          f"{len(merged.versions)} version(s), {len(args.results)} results file(s) merged")
    if args.summary:
        from clerk_harness.summary import render_summary

        with open(args.summary, "a", encoding="utf-8") as summary:
            summary.write(render_summary(merged, Path(args.report).name if args.report else None))
        print(f"summary: {args.summary}")
    if missing:
        print(f"! {len(missing)} job(s) of the matrix are in no results file (a shard that did not finish?): "
              + ", ".join(j.describe() for j in missing[:10]) + (" ..." if len(missing) > 10 else ""))
        return EXIT_ERROR
    return code


def report_results(matrix, args: argparse.Namespace, *, title: str, shard: str | None = None) -> int:
    """The table, the files asked for (--json, --junit, --report), the runs that went wrong; the exit code."""
    from clerk_harness.matrix import durations_by_scenario, verdict_tables

    results = matrix.ordered()
    print(verdict_tables(results, matrix.scenarios, matrix.versions, matrix.engines))
    medians = durations_by_scenario(results)
    print("median seconds per run: " + ", ".join(f"{s} {medians[s]:.1f}" for s in matrix.scenarios if s in medians))
    if args.json:
        matrix.write(Path(args.json), shard)
        print(f"results: {args.json}")
    if args.junit:
        from clerk_harness.junit import write_junit

        write_junit(Path(args.junit), results)
        print(f"junit: {args.junit}")
    if args.report:
        from clerk_harness.html_report import write_report

        write_report(Path(args.report), [(r.outcome, r.expected) for r in results], title=title)
        print(f"report: {args.report}")
    broken = [r for r in results if r.outcome.verdict in ("error", "inconclusive")]
    unexpected = [r for r in results if not r.as_expected and r not in broken]
    for r in broken + unexpected:
        print(f"! {r.job.describe()}: {r.outcome.verdict} (expected {r.expected}): "
              f"{'; '.join(r.outcome.reasons)}")
    return EXIT_ERROR if broken else (EXIT_LOST if unexpected else EXIT_SURVIVED)


def cmd_serve(config: HarnessConfig, args: argparse.Namespace) -> int:
    from clerk_harness_fake import FakeClerkServer
    from clerk_harness.setup import ensure_versions

    version = ensure_versions(config, [args.clerk_js or config.clerk_js.newest], progress=lambda _: None)[0]
    settings = backend_settings(config, version, args.token_ttl)
    from clerk_harness_fake.server import RemoteBindRefused

    try:
        server = FakeClerkServer(settings, host=args.host, port=args.port, allow_remote=args.allow_remote)
    except RemoteBindRefused as error:
        raise HarnessError(str(error)) from None
    except OSError as error:
        hint = "try --port 0" if error.errno == errno.EADDRINUSE else "give an address of this machine, e.g. 127.0.0.1 or ::1"
        raise HarnessError(f"cannot listen on {args.host}:{args.port}: {error.strerror}; {hint}") from None
    user = server.clerk.create_user("ada@example.test")
    origin = server.origin
    auth = ""
    if server.control_token:
        auth = f" -H 'authorization: Bearer {server.control_token}'"
        print(f"WARNING: listening on {args.host}, beyond loopback: the control API needs this token\n"
              f"  Authorization: Bearer {server.control_token}\n", flush=True)
    print(f"""Fake Clerk backend with clerk-js {version}

  app          {origin}/            (other versions: {origin}/?clerk_js=VERSION once cached;
                                      a development instance: add &instance=test)
  sign in as   {user.email} / {user.password}
  control API  {origin}/__harness/docs

Inject faults while you use the app, for example:
  curl -X POST {origin}/__harness/faults -H 'content-type: application/json'{auth} \\
       -d '{{"method": "POST", "path": "/v1/client/sessions/*/tokens", "action": "error", "status": 429, "times": 1}}'
  curl{auth} {origin}/__harness/journal                  # every request the fake answered
  curl -X DELETE{auth} {origin}/__harness/faults         # clear faults
In Chrome DevTools, Network > Offline reproduces the offline scenarios by hand. Ctrl-C stops.""", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return EXIT_SURVIVED


def release_span(scenario_id: str, a: str, b: str):
    """The scenario, both versions resolved (`latest` works), and the published releases from one to the
    other (the search's runner then checks the browser, before anything runs)."""
    from clerk_harness.clerk_js import resolve_version
    from clerk_harness.releases import releases_between
    from clerk_harness.scenarios import get_scenario

    scenario = get_scenario(scenario_id)
    a, b = resolve_version(a), resolve_version(b)
    return scenario, a, b, releases_between(a, b)


def cmd_bisect(config: HarnessConfig, args: argparse.Namespace) -> int:
    from clerk_harness.bisect import bisect

    scenario, good, bad, releases = release_span(args.scenario, args.good, args.bad)
    printer = StepPrinter()
    with printer.summary_on_interrupt(), scenario_runner(config, scenario.id) as run:
        print(f"bisecting {scenario.id} over {len(releases)} release(s) from {releases[0]} to {releases[-1]} "
              f"(about {len(releases).bit_length() + 1} runs)", flush=True)
        result = bisect(run, good, bad, runs_per_step=args.runs_per_step, progress=printer)
    change = "keeps the session" if result.newer_verdict == "survived" else "loses the session"
    print(f"first release that {change}: {result.first_flipped} (last before it: {result.last_before}); "
          f"{result.runs} run(s) over {result.candidates} release(s)")
    return EXIT_SURVIVED


@contextmanager
def scenario_runner(config: HarnessConfig, scenario_id: str) -> Iterator:
    """One fake backend, one Playwright and one warm browser for a search; each run caches its version
    first (npm pack). A missing browser is reported before anything runs, by the search's own driver."""
    from clerk_harness.clerk_js import ClerkJsCache
    from clerk_harness.runner import run_scenario
    from clerk_harness.setup import playwright_with_browser
    from clerk_harness.warm_browser import WarmBrowser

    cache = ClerkJsCache(config.clerk_js.cache_dir)
    with playwright_with_browser(config) as playwright, backend_for(config, config.clerk_js.newest) as server:
        browsers = WarmBrowser(playwright, config.browser)

        def run(version: str):
            cache.ensure(version)
            server.clerk.reset()
            return run_scenario(playwright, config, server.clerk, scenario_id, version, browsers=browsers)
        try:
            yield run
        finally:
            browsers.close()


class StepPrinter:
    """Prints each step of a search as it finishes, and on Ctrl-C what was known by then."""

    def __init__(self) -> None:
        self.steps: list = []

    def __call__(self, step, why: str) -> None:
        self.steps.append(step)
        print(f"  clerk-js {step.version:<10} {', '.join(step.verdicts):<18} ({why})", flush=True)

    @contextmanager
    def summary_on_interrupt(self) -> Iterator[None]:
        try:
            yield
        except KeyboardInterrupt:
            known = ", ".join(f"{s.version} {s.verdict}" for s in self.steps) or "nothing yet"
            print(f"interrupted after {sum(len(s.verdicts) for s in self.steps)} run(s); known: {known}", flush=True)
            raise


def cmd_survey(config: HarnessConfig, args: argparse.Namespace) -> int:
    import json

    from clerk_harness.survey import survey

    scenario, _, _, releases = release_span(args.scenario, args.older, args.newer)
    started = time.monotonic()
    printer = StepPrinter()
    with printer.summary_on_interrupt(), scenario_runner(config, scenario.id) as run:
        engine = config.browser.engine
        print(f"surveying {scenario.id} in {engine} over {len(releases)} release(s) from {releases[0]} to "
              f"{releases[-1]}; each edge confirmed with {args.confirm_runs} more run(s) on both sides", flush=True)
        result = survey(run, scenario.id, releases, scenario.range_for(engine), confirm_runs=args.confirm_runs,
                        progress=printer, engine=engine)
    print(f"measured:  {result.measured or 'none'}  (the releases that lose; {result.runs} run(s), "
          f"{time.monotonic() - started:.0f}s)")
    for edge in result.edges:
        print(f"  {edge.describe()}; confirmed {1 + args.confirm_runs}x on each side")
    print(f"catalogue: {result.catalogue or 'none'}")
    disagreements = result.disagreements()
    if disagreements:
        shown = ", ".join(disagreements[:6]) + (" ..." if len(disagreements) > 6 else "")
        where = (f"lost_on=\"{result.measured}\"" if engine == "chromium"
                 else f"lost_on_by_engine={{\"{engine}\": \"{result.measured}\"}}")
        print(f"DISAGREE on {len(disagreements)} of {len(releases)} surveyed release(s): {shown}; "
              f"set {where} for {scenario.id} in the catalogue")
    else:
        print(f"agree on all {len(releases)} surveyed release(s)")
    if args.json:
        Path(args.json).write_text(json.dumps(result.to_dict(), indent=2))
        print(f"survey: {args.json}")
    return EXIT_SURVIVED if result.agrees else EXIT_LOST


def cmd_env(args: argparse.Namespace) -> int:
    import json
    import shlex
    import urllib.error
    import urllib.request

    url = args.fake.rstrip("/") + "/__harness/env"
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 - the user's own fake
            env = json.load(answer)["env"]
    except (urllib.error.URLError, OSError, ValueError, KeyError) as error:
        raise HarnessError(f"no fake Clerk backend answered at {args.fake} ({error}); start one with "
                           f"`clerk-harness serve`, or use `clerk-harness exec -- CMD`") from None
    for name, value in env.items():
        print(f"export {name}={shlex.quote(value)}" if args.format == "shell" else f"{name}={json.dumps(value)}")
    return EXIT_SURVIVED


def cmd_exec(config: HarnessConfig, args: argparse.Namespace) -> int:
    import os
    import subprocess

    from clerk_harness.setup import ensure_versions

    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not argv:
        raise HarnessError("give the command to run after `--`, e.g. `clerk-harness exec -- npm run dev`")
    version = ensure_versions(config, [args.clerk_js or config.clerk_js.newest], progress=lambda _: None)[0]
    with backend_for(config, version, args.port) as server:
        user = server.clerk.create_user("ada@example.test")
        print(f"[clerk-harness] fake Clerk backend at {server.origin} (clerk-js {version}); sign in as {user.email} / "
              f"{user.password}", file=sys.stderr, flush=True)
        child = subprocess.Popen(argv, env={**firefox_driver_patch.for_user_app(driver_cache.for_user_app(dict(os.environ))), **server.clerk.sdk_env()})
        try:
            return child.wait()
        except KeyboardInterrupt:
            child.terminate()
            child.wait()
            raise


def cmd_versions(config: HarnessConfig, latest_only: bool = False) -> int:
    from clerk_harness.clerk_js import ClerkJsCache, resolve_version

    if latest_only:
        print(resolve_version("latest"))
        return EXIT_SURVIVED
    cached = ClerkJsCache(config.clerk_js.cache_dir).cached_versions()
    print(f"cached in {config.clerk_js.cache_dir}: {', '.join(cached) or 'none'}")
    print(f"pinned newest (clerkJs.newest): {config.clerk_js.newest}")
    newest = resolve_version("latest")
    note = "" if newest == config.clerk_js.newest else "  <- newer than the pinned one"
    print(f"newest published (npm latest): {newest}{note}")
    return EXIT_SURVIVED


def cmd_browser_flags(config: HarnessConfig, args: argparse.Namespace) -> int:
    import json
    import shlex

    from clerk_harness.browser import remote_browser_flags

    flags = remote_browser_flags(config.browser, reach=args.reach)
    print({"shell": lambda: shlex.join(flags), "lines": lambda: "\n".join(flags),
           "json": lambda: json.dumps(flags)}[args.format]())
    return EXIT_SURVIVED


def cmd_list() -> int:
    from clerk_harness.scenarios import CATALOGUE

    from clerk_harness.config import ENGINES

    ranges = {s.id: [s.range_for(engine) or "none" for engine in ENGINES] for s in CATALOGUE.values()}
    width = max(len(r) for row in [*ranges.values(), [f"LOST ON ({engine})" for engine in ENGINES]] for r in row)
    heads = " ".join(f"{f'LOST ON ({engine})':<{width}}" for engine in ENGINES)
    print(f"{'SCENARIO':<22} {heads} {'REFERENCE':<32} STORY")
    for scenario in CATALOGUE.values():
        cells = " ".join(f"{r:<{width}}" for r in ranges[scenario.id])
        print(f"{scenario.id:<22} {cells} {scenario.reference:<32} {scenario.title}")
    return EXIT_SURVIVED


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


def cmd_init(args: argparse.Namespace) -> int:
    from clerk_harness.init_command import InitOptions, run_init

    run_init(InitOptions(Path(args.dir), app_cmd=args.app_cmd, app_cwd=args.app_cwd, app_url=args.app_url,
                         probe=args.probe, topology=args.app_topology, versions=tuple(args.clerk_js or ()),
                         force=args.force, pip_spec=args.pip_spec))
    return EXIT_SURVIVED


def cmd_setup(config: HarnessConfig, args: argparse.Namespace) -> int:
    from clerk_harness.setup import run_setup

    run_setup(config, args.clerk_js, engines=args.browser)
    return EXIT_SURVIVED


def cmd_explore(config: HarnessConfig, args: argparse.Namespace) -> int:
    from clerk_harness.explore_command import run_explore

    return run_explore(config, args)


FAKE_IN_THIS_PROCESS = frozenset({"repro", "demo", "bisect", "explore", "serve", "exec"})
COMMANDS = {
    "setup": cmd_setup, "repro": cmd_repro, "demo": cmd_demo, "list": lambda config, args: cmd_list(),
    "run": cmd_run, "merge": cmd_merge, "explore": cmd_explore, "serve": cmd_serve, "versions": lambda config, args: cmd_versions(config, args.latest),
    "browser-flags": cmd_browser_flags,
    "bisect": cmd_bisect, "survey": cmd_survey, "env": lambda config, args: cmd_env(args), "exec": cmd_exec,
    "init": lambda config, args: cmd_init(args),
}
NO_CONFIG = frozenset({"init"})  # init writes the config: one that is broken or missing must not stop it


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _interrupt_on_signals()
    driver_cache.enable()
    firefox_driver_patch.enable()
    if args.command in FAKE_IN_THIS_PROCESS:
        from clerk_harness_fake import signing_keys

        signing_keys.make_ahead()  # the fake's RSA key, made on a thread while Playwright's driver starts
    try:
        config = load_config() if args.command not in NO_CONFIG else HarnessConfig()
        if isinstance(getattr(args, "browser", None), str):  # one engine for this command
            config.browser.engine = args.browser
        return COMMANDS[args.command](config, args)
    except HarnessError as error:
        print(f"clerk-harness: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("clerk-harness: interrupted", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `clerk-harness repro ... | head`: the reader left, nothing is wrong
        sys.stdout = None  # type: ignore[assignment]
        return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
