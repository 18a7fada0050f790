"""Users install the harness beside their own packages: its code imports itself only by the prefixed names
that `pyproject.toml` installs (`clerk_harness`, `clerk_harness_fake`, `clerk_harness_pytest`), never by the
folder names (`harness`, `fake_backend`, `fixtures`), which PyPI packages and users' repos also use."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDER_NAMES = ("harness", "fake_backend", "fixtures")
OLD_IMPORT = re.compile(rf"^\s*(from|import)\s+({'|'.join(FOLDER_NAMES)})(\.|\s|$)", re.MULTILINE)


def test_no_module_imports_a_folder_name():
    offenders = [f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
                 for folder in (*FOLDER_NAMES, "tests", "examples", "benchmarks")
                 for path in sorted((ROOT / folder).rglob("*.py")) if "node_modules" not in path.parts
                 for match in OLD_IMPORT.finditer(path.read_text())]
    assert offenders == []


def test_the_installed_names_carry_the_prefix_and_map_to_the_design_folders():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["package-dir"] == {"clerk_harness": "harness", "clerk_harness_fake": "fake_backend",
                                         "clerk_harness_pytest": "fixtures"}
    assert all(name.startswith("clerk_harness") for name in setuptools["packages"])


def test_loading_the_pytest_plugin_imports_nothing_heavy():
    """pytest loads the plugin in every run of the user's venv: the fake (FastAPI), the browser and the story
    wait until a fixture needs them (`make bench --only plugin` prints what the plugin costs such a run)."""
    import subprocess
    import sys

    heavy = ("fastapi", "starlette", "uvicorn", "clerk_harness_fake.app", "clerk_harness.stories.session",
             "clerk_harness.stories.story", "clerk_harness.matrix.runner", "hypothesis")
    code = ("import sys, clerk_harness_pytest.plugin; "
            f"print(','.join(m for m in {heavy!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""
