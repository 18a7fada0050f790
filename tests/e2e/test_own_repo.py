"""A new user's path into their own repo, from the wheel, with the venv inside the repo (Python's default):
`pip install <wheel>`, `clerk-harness init --app-cmd ...`, `clerk-harness setup`, `pytest`, for three repos
nobody tuned the harness for:

- an Express app whose package.json says `"type": "module"` (the default of new Node apps; Node then reads
  every `.js` below it, the harness's own preload in `.venv` included, as an ES module);
- a FastAPI app with Clerk's Python SDK (`clerk-backend-api`, networkless with CLERK_JWT_KEY), no npm;
- a pnpm workspace with the app in `apps/web`, init run there and pytest run from `apps/web/tests/`.

Each must give 6.0.0 lost and the release its page asks for as the catalogue says, and nothing generic may
land in site-packages. To stay within the default run's budget each venv reuses this venv's installed
dependencies (a `.pth` line; the wheel itself is installed for real, with pip, and wins on sys.path), the
Express example's node_modules and the bundle cache; the three pytest runs go at once.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXPRESS = ROOT / "examples" / "express-app"
FASTAPI = ROOT / "examples" / "fastapi-app"
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".cache",
    "artifacts",
    "node_modules",
    "__pycache__",
    "build",
    "*.egg-info",
    "tools",
    "examples",
    "tests",
    "benchmarks",
)

pytestmark = pytest.mark.e2e

ESM_APP = textwrap.dedent("""\
    import express from "express";
    import { clerkMiddleware, getAuth } from "@clerk/express";

    const key = process.env.CLERK_PUBLISHABLE_KEY;
    const frontendApi = `https://${Buffer.from(key.split("_")[2], "base64").toString().slice(0, -1)}`;
    const app = express();
    app.use(clerkMiddleware());
    app.get("/api/whoami", (req, res) => {
      res.set("Cache-Control", "no-store");
      if (!getAuth(req).userId) return res.status(401).json({ signed_in: false });
      res.json({ signed_in: true });
    });
    app.get("/", (req, res) => {
      res.set("Cache-Control", "no-store");
      res.type("html").send(`<!doctype html><h1>ESM app</h1>
    <script src="${frontendApi}/npm/@clerk/clerk-js@VERSION/dist/clerk.browser.js" data-clerk-publishable-key="${key}"
            crossorigin="anonymous"></script><script>window.Clerk.load();</script>`);
    });
    app.listen(Number(process.env.PORT), process.env.HOST || "127.0.0.1");
""")


@dataclass
class UserRepo:
    name: str
    root: Path  # the repo, with .venv inside
    folder: Path  # where init runs and the config lives
    app_cmd: str
    probe: str | None
    pytest_cwd: Path
    asks_for: str  # the release the app's page asks for, as init resolves it

    @property
    def bin(self) -> Path:
        return self.root / ".venv" / "bin"


def run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


def base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "CLERK_HARNESS_CONFIG")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if not (EXPRESS / "node_modules").is_dir():
        pytest.fail("examples/express-app/node_modules is missing: `make test` runs npm ci there")
    base = tmp_path_factory.mktemp("wheel")
    source, wheels = base / "source", base / "wheels"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)  # setuptools builds in the source tree: not in ours
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "-w",
            str(wheels),
            str(source),
        ],
        base,
        base_env(),
    )
    return next(wheels.glob("clerk_session_harness-*.whl"))


def venv_inside(repo: Path, wheel: Path) -> None:
    env = base_env()
    run([sys.executable, "-m", "venv", "--without-pip", str(repo / ".venv")], repo, env)
    python = repo / ".venv" / "bin" / "python"
    site = Path(
        run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], repo, env).stdout.strip()
    )
    (site / "reuse-installed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--disable-pip-version-check",
            str(wheel),
        ],
        repo,
        env,
    )


def shared_caches(folder: Path) -> None:
    (folder / ".cache").mkdir()
    (folder / ".cache" / "clerk-js").symlink_to(ROOT / ".cache" / "clerk-js")


def newest_6x() -> str:
    """What `@clerk/clerk-js@6` resolves to today, as init asks npm (6.40.0 when this was written)."""
    from clerk_harness.releases.clerk_js import resolve_release

    return resolve_release("6")


def esm_express(base: Path) -> UserRepo:
    repo = base / "esm-express"
    repo.mkdir()
    manifest = json.loads((EXPRESS / "package.json").read_text())
    (repo / "package.json").write_text(json.dumps({**manifest, "type": "module", "main": "app.js"}, indent=2))
    shutil.copy(EXPRESS / "package-lock.json", repo / "package-lock.json")
    (repo / "node_modules").symlink_to(EXPRESS / "node_modules")  # npm ci's result, not fetched again
    (repo / "app.js").write_text(ESM_APP.replace("VERSION", "6"))
    shared_caches(repo)
    return UserRepo("esm-express", repo, repo, "node app.js", "/api/whoami", repo, newest_6x())


def fastapi_python_sdk(base: Path) -> UserRepo:
    repo = base / "fastapi-app"
    repo.mkdir()
    for name in ("app.py", "requirements.txt"):
        shutil.copy(FASTAPI / name, repo / name)
    shared_caches(repo)
    return UserRepo("fastapi", repo, repo, ".venv/bin/python app.py", None, repo, newest_6x())


def pnpm_workspace(base: Path) -> UserRepo:
    repo = base / "monorepo"
    web = repo / "apps" / "web"
    web.mkdir(parents=True)
    (repo / "package.json").write_text(json.dumps({"private": True, "packageManager": "pnpm@9.15.0"}))
    (repo / "pnpm-workspace.yaml").write_text("packages:\n  - apps/*\n")
    (repo / "pnpm-lock.yaml").write_text("lockfileVersion: '9.0'\n")
    manifest = json.loads((EXPRESS / "package.json").read_text())
    (web / "package.json").write_text(
        json.dumps({"name": "web", "type": "module", "dependencies": manifest["dependencies"]}, indent=2)
    )
    (web / "node_modules").symlink_to(EXPRESS / "node_modules")
    (web / "server.js").write_text(ESM_APP.replace("VERSION", "6.1.0"))
    shared_caches(web)
    return UserRepo("pnpm-workspace", repo, web, "node server.js", "/api/whoami", web / "tests", "6.1.0")


@pytest.fixture(scope="module")
def user_repos(tmp_path_factory, wheel) -> dict[str, UserRepo]:
    """The three repos, each with the wheel in its own .venv, `init` and `setup` done (side by side: each
    step is a subprocess that mostly waits on a start-up or on npm)."""
    from concurrent.futures import ThreadPoolExecutor

    base = tmp_path_factory.mktemp("own-repos")
    with ThreadPoolExecutor(3) as pool:
        repos = list(
            pool.map(lambda make: prepare(make(base), wheel), (esm_express, fastapi_python_sdk, pnpm_workspace))
        )
    return {repo.name: repo for repo in repos}


def prepare(repo: UserRepo, wheel: Path) -> UserRepo:
    venv_inside(repo.root, wheel)
    env = {**base_env(), "PATH": f"{repo.bin}{os.pathsep}{os.environ.get('PATH', '')}"}
    probe = ["--probe", repo.probe] if repo.probe else []
    init = run([str(repo.bin / "clerk-harness"), "init", "--app-cmd", repo.app_cmd, *probe], repo.folder, env)
    assert f"testing {repo.asks_for} beside 6.0.0" in init.stdout, init.stdout
    assert "wrote tests/test_clerk_session.py" in init.stdout and "next: clerk-harness setup" in init.stdout
    run([str(repo.bin / "clerk-harness"), "setup"], repo.folder, env)
    return repo


def test_nothing_generic_is_installed_and_pypi_fixtures_still_imports(user_repos):
    repo = user_repos["esm-express"]
    python, env = repo.bin / "python", base_env()
    site = Path(
        run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], repo.root, env
        ).stdout.strip()
    )
    installed = {p.name for p in site.iterdir()}
    assert {"clerk_harness", "clerk_harness_fake", "clerk_harness_pytest"} <= installed
    assert not installed & {"harness", "fixtures", "fake_backend"}, installed
    where = run(
        [
            str(python),
            "-c",
            "import clerk_harness, clerk_harness_fake, clerk_harness_pytest.plugin; "
            "from fixtures import Fixture; import fixtures; "
            "print(clerk_harness.__file__); print(fixtures.__file__)",
        ],
        repo.root,
        env,
    ).stdout
    ours, theirs = where.split()
    assert ours.startswith(str(site)), "the wheel's copy, not this checkout's, is the one imported"
    assert "clerk_harness" not in theirs and not theirs.startswith(str(ROOT / "fixtures"))


def test_init_wrote_what_each_repo_needs(user_repos):
    monorepo = user_repos["pnpm-workspace"]
    assert (monorepo.root / ".github" / "workflows" / "clerk-session.yml").is_file()
    assert not (monorepo.folder / ".github").exists()
    python_app = (user_repos["fastapi"].root / ".github" / "workflows" / "clerk-session.yml").read_text()
    assert "setup-node" not in python_app and "pip install -r requirements.txt" in python_app
    for repo in user_repos.values():
        config = json.loads((repo.folder / "playwright.config.json").read_text())
        assert config["clerkJs"]["versions"] == ["6.0.0", repo.asks_for] and config["app"]["cwd"] == "."


def test_the_readme_gives_true_verdicts_in_each_repo(user_repos):
    """pytest from the repo (the monorepo: from apps/web/tests/) runs offline-reload on 6.0.0 (lost) and on the
    app's own release (kept), against the app, in the production topology."""
    runs = {}
    for repo in user_repos.values():
        repo.pytest_cwd.mkdir(exist_ok=True)
        env = {**base_env(), "PATH": f"{repo.bin}{os.pathsep}{os.environ.get('PATH', '')}"}
        runs[repo.name] = subprocess.Popen(
            [
                str(repo.bin / "python"),
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "-p",
                "no:xdist",
                "-rA",
                "-k",
                "offline-reload",
                "--clerk-artifacts",
                "always",
            ],
            cwd=repo.pytest_cwd,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
    said = {name: process.communicate(timeout=300)[0] for name, process in runs.items()}
    for name, repo in user_repos.items():
        assert runs[name].returncode == 0, f"{name}:\n{said[name]}"
        passed = [line for line in said[name].splitlines() if line.startswith("PASSED")]
        assert len(passed) == 2 and "4 deselected" in said[name], said[name]
        results = [
            json.loads(path.read_text()) for path in (repo.folder / "artifacts" / "pytest").glob("*/*/result.json")
        ]
        verdicts = {(r["scenario"], r["version"]): r["verdict"] for r in results}
        assert verdicts == {("offline-reload", "6.0.0"): "lost", ("offline-reload", repo.asks_for): "survived"}, name
        for result in results:  # each run drove the user's app, on the virtual clock, in the production topology
            assert result["app"] == repo.app_cmd and result["clock_mode"] == "virtual"
            assert result["topology"] == "production" and result["observations"]["app_documents"]
            if result["verdict"] == "lost":
                assert result["removals"], "a loss shows as a removal of __session"
