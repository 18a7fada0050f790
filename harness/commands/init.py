"""`clerk-harness init`: the files a user's repo needs to guard its app against session loss.

It writes the config (`playwright.config.json`: the app and the clerk-js versions), a pytest file that runs
the mission scenarios against the app and asserts the catalogue's verdicts, a GitHub workflow for pull
requests and a nightly run, and the harness's folders in `.gitignore`. It plans every file first and
writes nothing when one of them exists (unless `--force`), so a refusal loses nothing.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from clerk_harness.config import CONFIG_NAME, default
from clerk_harness.errors import HarnessError

MISSION_SCENARIOS = ("offline-reload", "offline-visibility", "signout-control")
BUG_VERSION = "6.0.0"  # the release that loses the session offline (clerk/javascript#7912)
TEST_FILE = Path("tests") / "test_clerk_session.py"
WORKFLOW_FILE = Path(".github") / "workflows" / "clerk-session.yml"
IGNORED = (".cache/", "artifacts/")
PACKAGE = "clerk-session-harness"


@dataclass(frozen=True)
class InitOptions:
    folder: Path
    app_cmd: str | None = None
    app_cwd: str | None = None
    app_url: str | None = None
    probe: str | None = None
    topology: str | None = None
    versions: tuple[str, ...] = ()
    force: bool = False
    pip_spec: str | None = None  # what the workflow installs; default: this package at this version
    scenarios: tuple[str, ...] = field(default=MISSION_SCENARIOS)


def default_versions() -> tuple[str, ...]:
    return (BUG_VERSION, default("clerkJs.newest"))


def check_options(options: InitOptions) -> None:
    """One line for each way the flags can be wrong; nothing is written before these pass."""
    if options.app_cmd is None and (options.app_cwd or options.app_url or options.probe or options.topology):
        raise HarnessError("--app-cwd, --app-url, --probe and --app-topology go with --app-cmd (the command that "
                           "starts your app)")
    if options.probe is not None and not options.probe.startswith("/"):
        raise HarnessError(f"--probe {options.probe!r}: give a path on your app, such as /api/me")
    if options.app_url is not None and not options.app_url.startswith(("http://", "https://")):
        raise HarnessError(f"--app-url {options.app_url!r}: give a URL such as http://127.0.0.1:{{port}}/")
    if options.app_cwd is not None:
        cwd = (options.folder / options.app_cwd).resolve()
        if not cwd.is_dir():
            raise HarnessError(f"--app-cwd {options.app_cwd}: no such folder under {options.folder}")
    if not options.folder.is_dir():
        raise HarnessError(f"{options.folder} is not a folder")


def config_text(options: InitOptions) -> str:
    config: dict = {"clerkJs": {"versions": list(options.versions or default_versions())}}
    if options.app_cmd:
        app: dict = {"command": options.app_cmd}
        app["cwd"] = Path(options.app_cwd or ".").as_posix()  # relative to this file: any folder can run pytest
        if options.app_url:
            app["url"] = options.app_url
        app["probe"] = options.probe or default("app.probe")
        if options.topology:
            app["topology"] = options.topology
        config["app"] = app
    return json.dumps(config, indent=2) + "\n"


def test_text(options: InitOptions) -> str:
    target = "your app (the `app` section of playwright.config.json)" if options.app_cmd else \
        "the harness's built-in page (give `clerk-harness init --app-cmd CMD` to test your app)"
    scenarios = ", ".join(f'"{s}"' for s in options.scenarios)
    return f'''"""Clerk session guards, written by `clerk-harness init`; edit freely.

Each test drives a real Chromium with the real clerk-js bundle against the harness's fake Clerk Frontend API
and {target}.
Partway through a signed-in session the browser goes offline, a token refresh fails, the tab is hidden and
shown, and the page reloads: the verdict says whether the `__session` cookie and the signed-in user survived. The versions come from `clerkJs.versions` in playwright.config.json (or `--clerk-js V`).

The catalogue says which versions lose the session in each scenario: clerk-js 6.0.0 loses it when the browser
goes offline (clerk/javascript#7912) and later releases keep it; `signout-control` is the negative control
(a real sign-out must be reported as a loss). `clerk-harness list` shows every scenario.
"""

import pytest

from clerk_harness.stories.scenarios import get_scenario

SCENARIOS = [{scenarios}]


@pytest.mark.e2e
@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_the_session_holds_as_the_catalogue_says(scenario_id, clerk_js_version, run_clerk_scenario, harness_config):
    outcome = run_clerk_scenario(scenario_id)
    expected = get_scenario(scenario_id).expected(outcome.version, harness_config.browser.profile,
                                                    outcome.engine)
    assert outcome.verdict == expected, "\\n".join(outcome.reasons)
'''


def workflow_text(options: InitOptions, app_cwd: Path | None) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        pip_spec = options.pip_spec or f"{PACKAGE}=={version(PACKAGE)}"
    except PackageNotFoundError:
        pip_spec = PACKAGE
    node_steps = ""
    if options.app_cmd:
        node_steps = """      - uses: actions/setup-node@v4
        with:
          node-version: 20
"""
        if app_cwd is not None and (app_cwd / "package-lock.json").is_file():
            where = app_cwd.relative_to(options.folder.resolve()).as_posix()
            node_steps += f"""      - name: Install the app's dependencies
        working-directory: {where}
        run: npm ci
"""
    return f"""# Written by `clerk-harness init`: guards this app's Clerk session on pull requests and every night.
# The nightly run adds npm's newest clerk-js release, so a session-loss bug that comes back shows up here.
name: clerk-session

on:
  pull_request:
  schedule:
    - cron: "23 3 * * *"
  workflow_dispatch:

permissions:
  contents: read

jobs:
  session:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
{node_steps}      - name: Install the harness
        run: python -m pip install {shlex.quote(pip_spec)}
      - uses: actions/cache@v4
        with:
          path: |
            .cache/clerk-js
            ~/.cache/ms-playwright
          key: clerk-harness-${{{{ runner.os }}}}-${{{{ hashFiles('playwright.config.json') }}}}
      - name: Install Playwright's Chromium
        run: python -m playwright install --with-deps chromium
      - name: Set up (the clerk-js bundles of playwright.config.json)
        run: clerk-harness setup
      - name: The session guards
        run: python -m pytest {TEST_FILE.as_posix()}
      - name: The session guards on npm's newest clerk-js
        if: github.event_name == 'schedule'
        run: python -m pytest {TEST_FILE.as_posix()} --clerk-js latest
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: clerk-session-artifacts
          path: artifacts/
          if-no-files-found: ignore
"""


def planned_files(options: InitOptions) -> dict[Path, str]:
    app_cwd = (options.folder / options.app_cwd).resolve() if options.app_cwd else \
        (options.folder.resolve() if options.app_cmd else None)
    return {Path(CONFIG_NAME): config_text(options), TEST_FILE: test_text(options),
            WORKFLOW_FILE: workflow_text(options, app_cwd)}


def run_init(options: InitOptions, say: Callable[[str], None] = print) -> list[Path]:
    """Write the scaffold; a HarnessError (one line, nothing written) when a file exists without --force,
    the flags are wrong or the folder cannot be written."""
    check_options(options)
    files = planned_files(options)
    existing = [path for path in files if (options.folder / path).exists()]
    if existing and not options.force:
        names = ", ".join(path.as_posix() for path in existing)
        verb = "exists" if len(existing) == 1 else "exist"
        raise HarnessError(f"{names} already {verb} in {options.folder.resolve()}; nothing was written (--force "
                           f"overwrites)")
    _check_writable(options.folder, files)
    written = []
    try:
        for path, text in files.items():
            target = options.folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            written.append(path)
            say(f"wrote {path.as_posix()}")
        added = _add_to_gitignore(options.folder / ".gitignore")
    except OSError as error:
        raise HarnessError(f"cannot write in {options.folder}: {error.strerror or error}") from None
    if added:
        say(f"added {', '.join(added)} to .gitignore")
    say("next: clerk-harness setup && python -m pytest " + TEST_FILE.as_posix())
    return written


def _check_writable(folder: Path, files: dict[Path, str]) -> None:
    """A file where a folder must go stops init before it writes anything."""
    for path in files:
        for parent in reversed(path.parents[:-1]):
            if (folder / parent).exists() and not (folder / parent).is_dir():
                raise HarnessError(f"cannot write {path.as_posix()}: {folder / parent} is a file; nothing was written")


def _add_to_gitignore(path: Path) -> list[str]:
    text = path.read_text() if path.exists() else ""
    present = {line.strip().rstrip("/") for line in text.splitlines()}
    missing = [entry for entry in IGNORED if entry.rstrip("/") not in present]
    if missing:
        prefix = "" if not text or text.endswith("\n") else "\n"
        path.write_text(text + prefix + "# clerk-harness: clerk-js bundles and run artifacts\n" + "\n".join(missing) + "\n")
    return missing


def cmd_init(args) -> int:
    """`clerk-harness init`: the options from the command line, then `run_init`."""
    run_init(InitOptions(Path(args.dir), app_cmd=args.app_cmd, app_cwd=args.app_cwd, app_url=args.app_url,
                         probe=args.probe, topology=args.app_topology, versions=tuple(args.clerk_js or ()),
                         force=args.force, pip_spec=args.pip_spec))
    return 0
