"""A new user's path into their own repo, from the wheel, outside this checkout: a new venv, `pip install
<wheel>`, `clerk-harness init --app-cmd "node server.js"` beside a copy of the Express example, `clerk-harness
setup`, `pytest`. The generated tests must pass (6.0.0 lost, the newest release kept), nothing generic may
land in site-packages, and PyPI's `fixtures` package must still import its own `Fixture` beside it.

To stay within the default run's budget the new venv reuses this venv's installed dependencies (a `.pth`
line; the wheel itself is installed for real, with pip, and wins on sys.path) and the bundle cache.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXPRESS = ROOT / "examples" / "express-app"
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", ".cache", "artifacts", "node_modules", "__pycache__", "build",
                                    "*.egg-info", "tools", "examples", "tests", "benchmarks")

pytestmark = pytest.mark.e2e


def run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def user_repo(tmp_path_factory) -> tuple[Path, Path, dict[str, str]]:
    """(the user's repo, its venv's python, the environment) with the wheel installed and init run."""
    if not (EXPRESS / "node_modules").is_dir():
        pytest.fail("examples/express-app/node_modules is missing: `make test` runs npm ci there")
    base = tmp_path_factory.mktemp("own-repo")
    source, wheels, venv, repo = base / "source", base / "wheels", base / "venv", base / "repo"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)  # setuptools builds in the source tree: not in ours
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "CLERK_HARNESS_CONFIG")}
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-w", str(wheels), str(source)], base, env)
    wheel = next(wheels.glob("clerk_session_harness-*.whl"))
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], base, env)
    python = venv / "bin" / "python"
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], base,
                    env).stdout.strip())
    (site / "reuse-installed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
         "--disable-pip-version-check", str(wheel)], base, env)
    repo.mkdir()
    for name in ("server.js", "package.json", "package-lock.json"):
        shutil.copy(EXPRESS / name, repo / name)
    (repo / "node_modules").symlink_to(EXPRESS / "node_modules")  # npm ci's result, not fetched again
    (repo / ".cache").mkdir()
    (repo / ".cache" / "clerk-js").symlink_to(ROOT / ".cache" / "clerk-js")
    env = {**env, "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"}
    return repo, python, env


def test_nothing_generic_is_installed_and_pypi_fixtures_still_imports(user_repo):
    repo, python, env = user_repo
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], repo,
                    env).stdout.strip())
    installed = {p.name for p in site.iterdir()}
    assert {"clerk_harness", "clerk_harness_fake", "clerk_harness_pytest"} <= installed
    assert not installed & {"harness", "fixtures", "fake_backend"}, installed
    where = run([str(python), "-c", "import clerk_harness, clerk_harness_fake, clerk_harness_pytest.plugin; "
                                    "from fixtures import Fixture; import fixtures; "
                                    "print(clerk_harness.__file__); print(fixtures.__file__)"], repo, env).stdout
    ours, theirs = where.split()
    assert ours.startswith(str(site)), "the wheel's copy, not this checkout's, is the one imported"
    assert "clerk_harness" not in theirs and not theirs.startswith(str(ROOT / "fixtures"))


def test_init_setup_and_pytest_in_the_users_repo(user_repo):
    repo, python, env = user_repo
    init = run([str(repo.parent / "venv" / "bin" / "clerk-harness"), "init", "--app-cmd", "node server.js"], repo, env)
    assert "wrote tests/test_clerk_session.py" in init.stdout and "next: clerk-harness setup" in init.stdout
    assert ".cache/" in (repo / ".gitignore").read_text()
    run([str(repo.parent / "venv" / "bin" / "clerk-harness"), "setup"], repo, env)
    # The generated file holds the three mission scenarios on both versions; the Fastify example runs all
    # three on an SDK app in the default run, so this walk runs the mission's own, offline-reload, on both.
    tests = run([str(python), "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-rA", "-k", "offline-reload",
                 "--clerk-artifacts", "always"], repo, env, timeout=300)
    passed = [line for line in tests.stdout.splitlines() if line.startswith("PASSED")]
    assert len(passed) == 2 and "4 deselected" in tests.stdout, tests.stdout  # 3 scenarios x 2 versions written
    results = [json.loads(path.read_text()) for path in (repo / "artifacts" / "pytest").glob("*/*/result.json")]
    verdicts = {(r["scenario"], r["version"]): r["verdict"] for r in results}
    assert verdicts == {("offline-reload", "6.0.0"): "lost", ("offline-reload", "6.40.0"): "survived"}
    for result in results:  # each run drove the user's app, on real time, in the production topology
        assert result["app"] == "node server.js" and result["clock_mode"] == "real"
        assert result["topology"] == "production" and result["observations"]["app_documents"]
        if result["verdict"] == "lost":
            assert result["removals"], "a loss shows as a removal of __session"
