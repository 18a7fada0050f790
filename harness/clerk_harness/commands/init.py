"""`clerk-harness init`: the files a user's repo needs to guard its app against session loss.

It writes the config (`playwright.config.json`: the app and the clerk-js versions), a pytest file that runs
the mission scenarios against the app and asserts the catalogue's verdicts, a GitHub workflow for pull
requests and a nightly run, and the harness's folders in `.gitignore`. It plans every file first and
writes nothing when one of them exists (unless `--force`), so a refusal loses nothing.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clerk_harness.commands.arguments import add_app_options
from clerk_harness.commands.repo_shape import Installer, find_clerk_js_ask, find_installer
from clerk_harness.config import CONFIG_NAME, SCHEMA_FILE, AppConfig, ClerkJsConfig
from clerk_harness.errors import HarnessError
from clerk_harness.releases.clerk_js import resolve_release

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


NODE_LTS = "24"  # the Node.js the workflow sets up: the active LTS line
ACTIONS = {
    "checkout": "actions/checkout@v6",
    "python": "actions/setup-python@v6",
    "node": "actions/setup-node@v6",
    "pnpm": "pnpm/action-setup@v4",
    "cache": "actions/cache@v5",
    "upload": "actions/upload-artifact@v6",
}


def default_versions() -> tuple[str, ...]:
    return (BUG_VERSION, ClerkJsConfig().newest)


def repo_root(folder: Path) -> Path:
    """The repo `folder` is in: the nearest folder up with `.git` or a workspace's root file; else `folder`."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists() or (candidate / "pnpm-workspace.yaml").is_file():
            return candidate
        try:
            if "workspaces" in json.loads((candidate / "package.json").read_text()):
                return candidate
        except (OSError, ValueError, TypeError):
            pass
    return folder


def app_folder(options: InitOptions) -> Path | None:
    if not options.app_cmd:
        return None
    return (options.folder / options.app_cwd).resolve() if options.app_cwd else options.folder.resolve()


def versions_for(options: InitOptions, say: Callable[[str], None]) -> tuple[str, ...]:
    """--clerk-js as given; else 6.0.0 (the known loss) beside the release the app's page asks for, or
    beside the newest pinned release when the app names none (or npm cannot be asked)."""
    if options.versions:
        return options.versions
    folder = app_folder(options)
    ask = find_clerk_js_ask(folder, options.folder) if folder is not None else None
    if ask is None:
        return default_versions()
    try:
        release = resolve_release(ask.spec)
    except HarnessError as error:
        say(
            f"the app asks for clerk-js {ask.spec} ({ask.where}), which could not be resolved ({error}): "
            f"testing {ClerkJsConfig().newest} instead"
        )
        return default_versions()
    say(f"the app asks for clerk-js {ask.spec} ({ask.where}): testing {release} beside {BUG_VERSION}")
    return tuple(dict.fromkeys((BUG_VERSION, release)))


def check_options(options: InitOptions) -> None:
    """One line for each way the flags can be wrong; nothing is written before these pass."""
    if options.app_cmd is None and (options.app_cwd or options.app_url or options.probe or options.topology):
        raise HarnessError(
            "--app-cwd, --app-url, --probe and --app-topology go with --app-cmd (the command that starts your app)"
        )
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


def schema_reference(folder: Path) -> str:
    """Where the config's `$schema` points: the schema installed with the harness, relative to the config's
    folder (a venv inside the repo gives the same path on every machine), else its absolute path."""
    relative = Path(os.path.relpath(SCHEMA_FILE, folder.resolve()))
    inside = not relative.as_posix().startswith("../")
    return relative.as_posix() if inside else SCHEMA_FILE.as_posix()


def config_text(options: InitOptions, versions: tuple[str, ...]) -> str:
    config: dict = {"$schema": schema_reference(options.folder), "clerkJs": {"versions": list(versions)}}
    if options.app_cmd:
        app: dict = {"command": options.app_cmd}
        app["cwd"] = Path(options.app_cwd or ".").as_posix()  # relative to this file: any folder can run pytest
        if options.app_url:
            app["url"] = options.app_url
        app["probe"] = options.probe or AppConfig().probe
        if options.topology:
            app["topology"] = options.topology
        config["app"] = app
    return json.dumps(config, indent=2) + "\n"


def test_text(options: InitOptions) -> str:
    target = (
        "your app (the `app` section of playwright.config.json)"
        if options.app_cmd
        else "the harness's built-in page (give `clerk-harness init --app-cmd CMD` to test your app)"
    )
    scenarios = ", ".join(f'"{s}"' for s in options.scenarios)
    return f'''"""Clerk session guards, written by `clerk-harness init`; edit freely.

Each test drives a real browser with the real clerk-js bundle against the harness's fake Clerk Frontend API
and {target}.
Partway through a signed-in session the browser goes offline, a token refresh fails, the tab is hidden and
shown, and the page reloads: the verdict says whether the `__session` cookie and the signed-in user survived.
The versions come from `clerkJs.versions` in playwright.config.json (or `--clerk-js V`, `latest` included).

Each test asserts the catalogue's verdict for its version, a loss included: clerk-js 6.0.0 loses the session
when the browser goes offline (clerk/javascript#7912) and later releases keep it; `signout-control` is the
negative control (a real sign-out must be reported as a loss). `clerk-harness list` shows every scenario.
"""

import pytest

from clerk_harness import expected_verdict

SCENARIOS = [{scenarios}]


@pytest.mark.e2e
@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_the_verdict_is_the_catalogues(scenario_id, clerk_js_version, clerk_run_scenario, clerk_config):
    outcome = clerk_run_scenario(scenario_id)
    expected = expected_verdict(scenario_id, outcome.version, engine=outcome.engine,
                                profile=clerk_config.browser.profile)
    assert outcome.verdict == expected, "\\n".join(outcome.reasons)
'''


def workflow_text(options: InitOptions, installer: Installer, root: Path | None = None) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        pip_spec = options.pip_spec or f"{PACKAGE}=={version(PACKAGE)}"
    except PackageNotFoundError:
        pip_spec = PACKAGE
    root = root or options.folder.resolve()
    here = options.folder.resolve().relative_to(root).as_posix() if options.folder.resolve() != root else ""
    prefix = here + "/" if here else ""  # actions' paths are relative to the repo's root, not working-directory
    defaults = (
        f"""    defaults:
      run:
        working-directory: {here}
"""
        if here
        else ""
    )
    return f"""# Written by `clerk-harness init`: guards this app's Clerk session on every push and pull request, and every
# night on npm's newest clerk-js release too, so a session-loss bug that comes back shows up here.
name: clerk-session

on:
  push:
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
{defaults}    steps:
      - uses: {ACTIONS["checkout"]}
      - uses: {ACTIONS["python"]}
        with:
          python-version: "3.12"
{_app_steps(options, installer, root, bool(here))}      - name: Install the harness
        run: python -m pip install {shlex.quote(pip_spec)}
      - name: Playwright's version (the browser cache's key)
        id: playwright
        run: echo "version=$(python -m playwright --version | cut -d' ' -f2)" >> "$GITHUB_OUTPUT"
      - uses: {ACTIONS["cache"]}
        with:
          path: ~/.cache/ms-playwright
          key: ms-playwright-${{{{ runner.os }}}}-${{{{ steps.playwright.outputs.version }}}}
      - uses: {ACTIONS["cache"]}
        with:
          path: {prefix}.cache/clerk-js
          key: clerk-js-${{{{ hashFiles('{prefix}playwright.config.json') }}}}
      - name: Playwright's Chromium (the runner's browser for the harness)
        run: python -m playwright install --with-deps chromium
      - name: Set up (the clerk-js bundles of playwright.config.json, with the runner's npm)
        run: clerk-harness setup
      - name: The session guards
        run: python -m pytest {TEST_FILE.as_posix()}
      - name: The session guards on npm's newest clerk-js
        if: github.event_name == 'schedule'
        run: python -m pytest {TEST_FILE.as_posix()} --clerk-js latest
      - uses: {ACTIONS["upload"]}
        if: always()
        with:
          name: clerk-session-artifacts
          path: {prefix}artifacts/
          if-no-files-found: ignore
"""


def _app_steps(options: InitOptions, installer: Installer, root: Path, moved: bool) -> str:
    """The steps that install the app's own dependencies, as its package manager does, where its lock file is
    (`moved`: the job's steps run in a subfolder by default)."""
    if not options.app_cmd or installer.command is None or installer.folder is None:
        return ""
    where = installer.folder.relative_to(root).as_posix() if installer.folder != root else ""
    directory = f"\n        working-directory: {where or '.'}" if where or moved else ""
    prefix = where + "/" if where else ""
    steps = ""
    if installer.manager == "pnpm":  # its version from package.json's packageManager, else the current major
        pinned = f"package_json_file: {prefix}package.json" if installer.pinned_by_package_json else "version: 10"
        steps += f"""      - uses: {ACTIONS["pnpm"]}
        with:
          {pinned}
"""
    if installer.uses_node:
        cache = (
            f"""
          cache: {installer.manager}
          cache-dependency-path: {prefix}{installer.lock}"""
            if installer.lock and installer.manager != "yarn"
            else ""
        )
        steps += f"""      - uses: {ACTIONS["node"]}
        with:
          node-version: "{NODE_LTS}"{cache}
"""
    if installer.manager == "yarn":
        steps += """      - name: Yarn, as the repo pins it (corepack)
        run: corepack enable
"""
    return (
        steps
        + f"""      - name: Install the app's dependencies ({installer.manager}){directory}
        run: {installer.command}
"""
    )


def planned_files(options: InitOptions, say: Callable[[str], None] = print) -> dict[Path, str]:
    """The files, by their paths relative to --dir; the workflow goes to the repo's root (a monorepo's app
    folder has its config and tests, GitHub reads workflows at the root only)."""
    root = repo_root(options.folder.resolve())
    folder = app_folder(options)
    installer = find_installer(folder, root) if folder is not None else Installer("none", None, None)
    if installer.command:
        say(f"the app installs with {installer.manager}: the workflow runs `{installer.command}`")
    workflow = Path(os.path.relpath(root / WORKFLOW_FILE, options.folder.resolve()))
    return {
        Path(CONFIG_NAME): config_text(options, versions_for(options, say)),
        TEST_FILE: test_text(options),
        workflow: workflow_text(options, installer, root),
    }


def run_init(options: InitOptions, say: Callable[[str], None] = print) -> list[Path]:
    """Write the scaffold; a HarnessError (one line, nothing written) when a file exists without --force,
    the flags are wrong or the folder cannot be written."""
    check_options(options)
    files = planned_files(options, say)
    existing = [path for path in files if (options.folder / path).exists()]
    if existing and not options.force:
        names = ", ".join(path.as_posix() for path in existing)
        verb = "exists" if len(existing) == 1 else "exist"
        raise HarnessError(
            f"{names} already {verb} in {options.folder.resolve()}; nothing was written (--force overwrites)"
        )
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
        path.write_text(
            text + prefix + "# clerk-harness: clerk-js bundles and run artifacts\n" + "\n".join(missing) + "\n"
        )
    return missing


def cmd_init(args) -> int:
    """`clerk-harness init`: the options from the command line, then `run_init`."""
    run_init(
        InitOptions(
            Path(args.dir),
            app_cmd=args.app_cmd,
            app_cwd=args.app_cwd,
            app_url=args.app_url,
            probe=args.probe,
            topology=args.app_topology,
            versions=tuple(args.clerk_js or ()),
            force=args.force,
            pip_spec=args.pip_spec,
        )
    )
    return 0


def init_arguments(commands: Any) -> None:
    """`clerk-harness init`'s arguments."""
    init = commands.add_parser(
        "init",
        help="write the config, a pytest file, a CI workflow and .gitignore lines "
        "that guard your app's Clerk session (in the current folder)",
    )
    add_app_options(init)
    init.add_argument(
        "--clerk-js",
        action="append",
        metavar="VERSION",
        help="a version the tests run on (repeatable; default: 6.0.0, which has the offline bug, and "
        "the newest pinned release)",
    )
    init.add_argument("--dir", default=".", metavar="DIR", help="the repo folder to write into (default: here)")
    init.add_argument("--force", action="store_true", help="overwrite files that exist")
    init.add_argument(
        "--pip-spec",
        metavar="SPEC",
        help="what the workflow installs with pip (default: this package at this version; a wheel "
        "URL or git URL works too)",
    )
