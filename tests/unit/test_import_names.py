"""Users install the harness beside their own packages: its code imports itself only by the prefixed names
that `pyproject.toml` installs (`clerk_harness`, `clerk_harness_fake`, `clerk_harness_pytest`), each the folder
of that name inside a design folder (`harness/`, `fake_backend/`, `fixtures/`), never by the design folders'
names, which PyPI packages and users' repos also use."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[2]
FOLDER_NAMES = ("harness", "fake_backend", "fixtures")
OLD_IMPORT = re.compile(rf"^\s*(from|import)\s+({'|'.join(FOLDER_NAMES)})(\.|\s|$)", re.MULTILINE)


def test_no_module_imports_a_folder_name():
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
        for folder in (*FOLDER_NAMES, "tests", "examples", "benchmarks")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "node_modules" not in path.parts
        for match in OLD_IMPORT.finditer(path.read_text())
    ]
    assert offenders == []


def test_each_import_name_is_a_folder_of_that_name_in_a_design_folder():
    """The wheel's packages are the design card's folders, each holding one package under its import name:
    what an IDE or a type checker reads in the tree is what Python imports."""
    wheel = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["packages"] == [
        "harness/clerk_harness",
        "fake_backend/clerk_harness_fake",
        "fixtures/clerk_harness_pytest",
    ]
    for root in FOLDER_NAMES:
        inside = sorted(p.name for p in (ROOT / root).iterdir() if p.name != "__pycache__")
        assert len(inside) == 1 and inside[0].startswith("clerk_harness"), (root, inside)
        assert (ROOT / root / inside[0] / "__init__.py").is_file()


def test_the_editable_install_is_a_plain_path_file_that_tools_follow():
    """No import hook: a .pth file names the three source roots (pyright, mypy and IDEs read such files)."""
    import sysconfig

    site = Path(sysconfig.get_paths()["purelib"])
    if not (site / "_editable_impl_clerk_session_harness.pth").is_file():
        pytest.skip("not an editable install of this checkout")
    roots = (site / "_editable_impl_clerk_session_harness.pth").read_text().split()
    assert sorted(roots) == sorted(str(ROOT / folder) for folder in FOLDER_NAMES)
    assert not list(site.glob("__editable__*finder*.py"))


def test_loading_the_pytest_plugin_imports_nothing_heavy():
    """pytest loads the plugin in every run of the user's venv: the fake (FastAPI), the browser and the story
    wait until a fixture needs them (`make bench --only plugin` prints what the plugin costs such a run)."""
    import subprocess
    import sys

    heavy = (
        "fastapi",
        "starlette",
        "uvicorn",
        "clerk_harness_fake.app",
        "clerk_harness.stories.session",
        "clerk_harness.stories.story",
        "clerk_harness.matrix.runner",
        "hypothesis",
        "pydantic",
    )
    code = f"import sys, clerk_harness_pytest.plugin; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""
