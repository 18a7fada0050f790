"""The house rules of docs/architecture.md, checked on the source: no import circle between modules, the
fake never imports the harness, the oracle never drives a browser, and no room outgrows a reader."""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "clerk_harness": ROOT / "harness" / "clerk_harness",
    "clerk_harness_fake": ROOT / "fake_backend" / "clerk_harness_fake",
    "clerk_harness_pytest": ROOT / "fixtures" / "clerk_harness_pytest",
}


@lru_cache(maxsize=1)  # read once: `_is_package` asks for it in the search's inner loop (3.4 s of globbing)
def modules() -> dict[str, Path]:
    found = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            name = ".".join((package, *parts))
            found[name.removesuffix(".__init__")] = path
    return found


def imports_of(path: Path, known: dict[str, Path]) -> set[str]:
    """Every project module `path` imports, at any depth (lazy imports in functions included)."""
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        targets |= {name for name in names if name in known}
    return targets


GRAPH = {name: imports_of(path, modules()) for name, path in modules().items()}


def test_no_module_imports_itself_back_through_others():
    def cycle_from(start: str) -> list[str] | None:
        stack, seen = [(start, [start])], set()
        while stack:
            name, path = stack.pop()
            for nxt in GRAPH[name]:
                if nxt == start and not (start.endswith("__init__") or nxt in PACKAGES):
                    return path + [nxt]
                if nxt not in seen and not _is_package(nxt):
                    seen.add(nxt)
                    stack.append((nxt, path + [nxt]))
        return None

    circles = [c for c in (cycle_from(name) for name in GRAPH if not _is_package(name)) if c]
    assert not circles, circles[0]


def _is_package(name: str) -> bool:
    return modules()[name].name == "__init__.py"


def test_the_fake_never_imports_the_harness_and_the_oracle_never_drives_a_browser():
    fake = {name: deps for name, deps in GRAPH.items() if name.startswith("clerk_harness_fake")}
    assert not {d for deps in fake.values() for d in deps if not d.startswith("clerk_harness_fake")}
    for name in GRAPH:
        if name.startswith("clerk_harness.oracle"):
            assert not {d for d in GRAPH[name] if d.startswith(("clerk_harness.browser", "clerk_harness.stories"))}, (
                name
            )
        if name.startswith("clerk_harness.oracle"):  # nor Playwright: the oracle reads records, pure
            tree = ast.parse(modules()[name].read_text())
            imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
            imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
            assert not {m for m in imported if m.split(".")[0] == "playwright"}, name


def test_no_module_over_400_lines_and_no_folder_of_25_modules():
    long = {name: n for name, path in modules().items() if (n := len(path.read_text().splitlines())) > 400}
    assert not long, long
    folders = {}
    for path in modules().values():
        folders.setdefault(path.parent, []).append(path)
    crowded = {str(folder.relative_to(ROOT)): len(files) for folder, files in folders.items() if len(files) >= 25}
    assert not crowded, crowded


def calls_named(path: Path, names: set[str]) -> list[str]:
    return [
        f"{path.name}:{node.lineno}"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names
    ]


def test_no_exec_or_eval_in_the_packages():
    """Code strings run nowhere: explore's steps are calls to real methods (a rename fails the type check)."""
    found = [hit for path in modules().values() for hit in calls_named(path, {"exec", "eval", "compile"})]
    assert found == []


def test_the_control_catches_exec():
    sample = ROOT / "tests" / "unit" / "test_architecture.py"
    assert calls_named(sample, {"calls_named"})  # the walk finds calls by name at all


# A name with a leading underscore that the standard library documents as public (os._exit, namedtuples).
DOCUMENTED_UNDERSCORED = {"_exit", "_replace", "_asdict", "_fields", "_make"}


def our_private_names() -> set[str]:
    """Every `_name` the packages define themselves: functions, classes, attributes they assign, fields."""
    names: set[str] = set()
    for path in modules().values():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return {name for name in names if name.startswith("_")}


def private_reads(path: Path, ours: set[str]) -> list[str]:
    """`thing._name` where `_name` is nobody's here: a library's private attribute (getattr with a literal too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        name = None
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            name = node.attr
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr")
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and node.args[1].value.startswith("_")
            and not node.args[1].value.startswith("__")
        ):
            name = node.args[1].value
        if name and name not in ours and name not in DOCUMENTED_UNDERSCORED:
            found.append(f"{path.name}:{node.lineno} {name}")
    return found


def test_no_library_private_attribute_is_read():
    ours = our_private_names()
    found = [hit for path in modules().values() for hit in private_reads(path, ours)]
    assert found == []


def test_the_control_catches_a_private_read(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("processes = getattr(pool, '_processes', {})\nx = pool._broken\n")
    assert [hit.split()[1] for hit in private_reads(sample, set())] == ["_processes", "_broken"]
