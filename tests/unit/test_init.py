"""`clerk-harness init`: what it writes, what it refuses, and the one line it exits 2 with."""

from __future__ import annotations

import json

import pytest
import yaml

from clerk_harness.cli import main
from clerk_harness.commands.init import schema_reference
from clerk_harness.config import load_config
from tests.unit.test_workflows import actionlint

FILES = ("playwright.config.json", "tests/test_clerk_session.py", ".github/workflows/clerk-session.yml")


def test_init_writes_the_scaffold_for_an_app(tmp_path, capsys):
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "package-lock.json").write_text("{}")
    assert (
        main(
            [
                "init",
                "--dir",
                str(tmp_path),
                "--app-cmd",
                "node server.js",
                "--app-cwd",
                "web",
                "--probe",
                "/api/whoami",
                "--clerk-js",
                "6.0.0",
                "--clerk-js",
                "6.41.0",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert [line for line in out.splitlines() if line.startswith("wrote ")] == [f"wrote {f}" for f in FILES]
    assert "added .cache/, artifacts/ to .gitignore" in out
    assert out.strip().splitlines()[-1] == "next: clerk-harness setup && python -m pytest tests/test_clerk_session.py"
    config = load_config(tmp_path / "playwright.config.json")  # the harness reads what init wrote
    assert config.clerk_js.versions == ["6.0.0", "6.41.0"]
    assert (config.app.command, config.app.cwd, config.app.probe) == ("node server.js", tmp_path / "web", "/api/whoami")
    test = (tmp_path / "tests" / "test_clerk_session.py").read_text()
    compile(test, "test_clerk_session.py", "exec")
    assert 'SCENARIOS = ["offline-reload", "offline-visibility", "signout-control"]' in test
    steps = yaml.safe_load((tmp_path / FILES[2]).read_text())["jobs"]["session"]["steps"]
    npm = next(s for s in steps if s.get("run") == "npm ci")
    assert npm["working-directory"] == "web"
    assert any("pip install clerk-session-harness==" in s.get("run", "") for s in steps)
    assert any(s.get("run", "").endswith("--clerk-js latest") and "schedule" in s["if"] for s in steps)


def test_the_generated_workflow_lints_clean(tmp_path):
    assert main(["init", "--dir", str(tmp_path), "--app-cmd", "node server.js"]) == 0
    done = actionlint(tmp_path / ".github" / "workflows")
    assert done.returncode == 0, done.stdout + done.stderr


def test_without_an_app_the_built_in_page_is_tested(tmp_path):
    assert main(["init", "--dir", str(tmp_path)]) == 0
    written = json.loads((tmp_path / "playwright.config.json").read_text())
    assert written == {"$schema": written["$schema"], "clerkJs": {"versions": ["6.0.0", "6.40.0"]}}
    assert "setup-node" not in (tmp_path / FILES[2]).read_text()


def test_init_never_overwrites_without_force(tmp_path, capsys):
    (tmp_path / "playwright.config.json").write_text('{"tokenTtlSeconds": 90}')
    assert main(["init", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "playwright.config.json already exists" in err and "--force" in err
    assert (tmp_path / "playwright.config.json").read_text() == '{"tokenTtlSeconds": 90}'
    assert not (tmp_path / "tests").exists() and not (tmp_path / ".gitignore").exists()  # nothing written
    assert main(["init", "--dir", str(tmp_path), "--force"]) == 0
    assert "clerkJs" in (tmp_path / "playwright.config.json").read_text()


def test_gitignore_lines_are_added_once_and_kept(tmp_path):
    (tmp_path / ".gitignore").write_text("node_modules\nartifacts\n")
    assert main(["init", "--dir", str(tmp_path)]) == 0
    assert main(["init", "--dir", str(tmp_path), "--force"]) == 0
    lines = (tmp_path / ".gitignore").read_text().splitlines()
    assert lines[:2] == ["node_modules", "artifacts"] and lines.count(".cache/") == 1 and "artifacts/" not in lines


def exit_code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exited:  # argparse's own refusals
        return int(exited.code)


@pytest.mark.parametrize(
    "flags, says",
    [
        (["--probe", "/me"], "--app-topology go with --app-cmd"),
        (["--app-cmd", "node s.js", "--probe", "me"], "give a path on your app"),
        (["--app-cmd", "node s.js", "--app-url", "localhost:3000"], "give a URL"),
        (["--app-cmd", "node s.js", "--app-cwd", "nowhere"], "--app-cwd nowhere: no such folder"),
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    ],
)
def test_bad_flags_exit_2_with_one_line(tmp_path, capsys, flags, says):
    assert exit_code(["init", "--dir", str(tmp_path), *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and says in err
    assert list(tmp_path.iterdir()) == []


def test_a_folder_it_cannot_write_in_is_one_line_and_nothing_written(tmp_path, capsys):
    (tmp_path / "tests").write_text("a file where init wants a folder")
    assert main(["init", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "cannot write tests/test_clerk_session.py" in err and "is a file" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tests"]
    assert main(["init", "--dir", str(tmp_path / "missing")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def _steps(folder) -> list[dict]:
    return yaml.safe_load((folder / FILES[2]).read_text())["jobs"]["session"]["steps"]


def _write(folder, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)


@pytest.fixture
def releases(monkeypatch):
    """npm's answers for the ranges an app asks for, without asking npm."""
    from clerk_harness.commands import init

    known = {"6": "6.40.0", "^6.3.0": "6.40.0", "6.12.1": "6.12.1", "latest": "6.40.0"}
    monkeypatch.setattr(init, "resolve_release", lambda spec: known[spec])
    return known


@pytest.mark.parametrize(
    "shape, files, app_cwd, manager, install, where, asks",
    [
        (
            "npm, a script URL in an ESM app",
            {
                "package.json": '{"type": "module"}',
                "package-lock.json": "{}",
                "app.js": "const src = `${proxy}/npm/@clerk/clerk-js@6/dist/clerk.browser.js`;",
            },
            None,
            "npm",
            "npm ci",
            None,
            "6",
        ),
        (
            "pnpm workspace, the app in apps/web",
            {
                "package.json": '{"packageManager": "pnpm@9.15.0"}',
                "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
                "apps/web/package.json": '{"dependencies": {"@clerk/clerk-js": "^6.3.0"}}',
                "apps/web/server.js": "",
            },
            "apps/web",
            "pnpm",
            "pnpm install --frozen-lockfile",
            None,
            "^6.3.0",
        ),
        (
            "yarn berry",
            {
                "package.json": "{}",
                "yarn.lock": "",
                ".yarnrc.yml": "",
                "src/page.tsx": '<ClerkProvider clerkJSVersion="6.12.1">',
            },
            None,
            "yarn",
            "yarn install --immutable",
            None,
            "6.12.1",
        ),
        (
            "a Python app, no npm at all",
            {
                "requirements.txt": "fastapi\nclerk-backend-api\n",
                "templates/index.html": '<script src="https://{{ host }}/npm/@clerk/clerk-js@latest/dist/clerk.browser.js">',
            },
            None,
            "python",
            "python -m pip install -r requirements.txt",
            None,
            "latest",
        ),
    ],
)
def test_init_fits_the_repo_it_finds(tmp_path, capsys, releases, shape, files, app_cwd, manager, install, where, asks):
    _write(tmp_path, files)
    cwd = ["--app-cwd", app_cwd] if app_cwd else []
    assert main(["init", "--dir", str(tmp_path), "--app-cmd", "node server.js", *cwd]) == 0, shape
    out = capsys.readouterr().out
    assert f"the app asks for clerk-js {asks}" in out and f"testing {releases[asks]} beside 6.0.0" in out
    config = load_config(tmp_path / "playwright.config.json")
    assert config.clerk_js.versions == list(dict.fromkeys(["6.0.0", releases[asks]]))
    assert config.app.cwd == (tmp_path / (app_cwd or ".")).resolve()
    steps = _steps(tmp_path)
    installs = [s for s in steps if s.get("run") == install]
    assert len(installs) == 1 and installs[0].get("working-directory") == where, steps
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/setup-node@") for u in uses) is (manager != "python")
    if manager != "python":
        node = next(s for s in steps if s.get("uses", "").startswith("actions/setup-node@"))
        assert node["with"]["node-version"] == "24"
    assert any(u.startswith("pnpm/action-setup@") for u in uses) is (manager == "pnpm")
    done = actionlint(tmp_path / ".github" / "workflows")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_workflow_runs_where_github_runs_today(tmp_path):
    assert main(["init", "--dir", str(tmp_path), "--app-cmd", "node server.js"]) == 0
    workflow = yaml.safe_load((tmp_path / FILES[2]).read_text())
    assert {"push", "pull_request", "schedule"} <= set(workflow[True])  # YAML reads the key `on` as True
    uses = {s["uses"].split("@")[0]: s["uses"].split("@")[1] for s in _steps(tmp_path) if "uses" in s}
    assert uses["actions/checkout"] == "v6" and uses["actions/setup-python"] == "v6"
    assert uses["actions/cache"] == "v5" and uses["actions/upload-artifact"] == "v6"
    caches = [s for s in _steps(tmp_path) if s.get("uses", "").startswith("actions/cache@")]
    browsers = next(c for c in caches if "ms-playwright" in c["with"]["path"])
    assert "steps.playwright.outputs.version" in browsers["with"]["key"]
    assert any("playwright install --with-deps chromium" in s.get("run", "") for s in _steps(tmp_path))


def test_the_generated_test_asserts_the_catalogue_through_the_public_helper(tmp_path):
    assert main(["init", "--dir", str(tmp_path)]) == 0
    test = (tmp_path / FILES[1]).read_text()
    assert "def test_the_verdict_is_the_catalogues(" in test and "from clerk_harness import expected_verdict" in test
    assert "holds" not in test.split("def ")[1].split("(")[0]


def test_expected_verdict_takes_latest_and_ranges(monkeypatch):
    from clerk_harness import expected_verdict
    from clerk_harness.releases import clerk_js

    answers = {"latest": '"6.40.0"', "<6.1": '["5.125.13", "6.0.0"]'}
    monkeypatch.setattr(clerk_js, "_npm", lambda *args: answers[args[1].split("@clerk/clerk-js@")[1]])
    clerk_js.resolve_release.cache_clear()
    assert expected_verdict("offline-reload", "6.0.0") == "lost"
    assert expected_verdict("offline-reload", "latest") == "survived"
    assert expected_verdict("offline-reload", "<6.1") == "lost"  # its newest match, 6.0.0
    assert expected_verdict("signout-control", "latest") == "lost"
    clerk_js.resolve_release.cache_clear()


def test_init_in_a_workspaces_app_folder_puts_the_workflow_at_the_root(tmp_path, capsys, releases):
    """A pnpm workspace, init run in apps/web: the config and tests there, the workflow at the repo's root,
    running in apps/web by default and installing at the root, where the lock file is."""
    _write(
        tmp_path,
        {
            "package.json": '{"private": true}',
            "pnpm-workspace.yaml": "packages:\n  - apps/*\n",
            "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
            "apps/web/package.json": '{"type": "module"}',
            "apps/web/server.js": "const s = 'https://x/npm/@clerk/clerk-js@6/dist/clerk.browser.js';",
        },
    )
    web = tmp_path / "apps" / "web"
    assert main(["init", "--dir", str(web), "--app-cmd", "node server.js"]) == 0
    out = capsys.readouterr().out
    assert "wrote ../../.github/workflows/clerk-session.yml" in out
    assert (web / "playwright.config.json").is_file() and (web / "tests" / "test_clerk_session.py").is_file()
    assert load_config(web / "playwright.config.json").app.cwd == web
    workflow = yaml.safe_load((tmp_path / FILES[2]).read_text())
    job = workflow["jobs"]["session"]
    assert job["defaults"]["run"]["working-directory"] == "apps/web"
    install = next(s for s in job["steps"] if s.get("run") == "pnpm install --frozen-lockfile")
    assert install["working-directory"] == "."
    paths = [s["with"]["path"] for s in job["steps"] if s.get("uses", "").startswith(("actions/cache@", "actions/up"))]
    assert "apps/web/.cache/clerk-js" in paths and "apps/web/artifacts/" in paths
    done = actionlint(tmp_path / ".github" / "workflows")
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_sdk_app_asks_for_the_major_its_sdk_was_built_with(tmp_path, capsys, releases):
    """A Next.js app names no clerk-js anywhere: its SDK loads `@clerk/clerk-js@<major>` of the release its
    @clerk/shared was built with (`versionSelector`)."""
    _write(
        tmp_path,
        {
            "package.json": '{"dependencies": {"@clerk/nextjs": "^7.0.0"}}',
            "package-lock.json": "{}",
            "app/page.js": "export default function Page() { return null; }",
            "node_modules/@clerk/shared/dist/versionSelector.mjs": 'const versionSelector = (clerkJSVersion, packageVersion = "6.39.2") => {};',
        },
    )
    assert main(["init", "--dir", str(tmp_path), "--app-cmd", "npm start"]) == 0
    out = capsys.readouterr().out
    assert "the app asks for clerk-js 6 (@clerk/nextjs, built with clerk-js 6.39.2): testing 6.40.0" in out


def test_the_config_points_editors_at_the_installed_schema(tmp_path):
    """`$schema` names the JSON Schema installed with the harness: relative to the config inside the repo's
    own venv, absolute when the venv is elsewhere; either way an editor finds the file."""
    from clerk_harness.config import SCHEMA_FILE

    assert main(["init", "--dir", str(tmp_path)]) == 0
    reference = json.loads((tmp_path / "playwright.config.json").read_text())["$schema"]
    assert (tmp_path / reference).resolve() == SCHEMA_FILE.resolve()
    repo = SCHEMA_FILE.parents[2]  # a folder that holds the installed file: a relative path
    assert schema_reference(repo) == SCHEMA_FILE.relative_to(repo).as_posix()
