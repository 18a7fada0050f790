"""What `init` reads of a user's repo: how its app installs (npm, pnpm, yarn, or Python with no npm at all),
where that runs (a workspace's lock file may sit folders above the app), and which clerk-js release the
app's page asks for (a `@clerk/clerk-js` dependency, a script URL `.../npm/@clerk/clerk-js@6/...`, or a
`clerkJSVersion` pin)."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

LOCK_FILES = (
    ("pnpm-lock.yaml", "pnpm"),
    ("yarn.lock", "yarn"),
    ("package-lock.json", "npm"),
    ("npm-shrinkwrap.json", "npm"),
)
PYTHON_FILES = ("pyproject.toml", "requirements.txt", "Pipfile", "uv.lock", "poetry.lock")
SKIPPED_FOLDERS = {
    "node_modules",
    ".git",
    ".venv",
    "venv",
    ".cache",
    "artifacts",
    "dist",
    "build",
    ".next",
    "__pycache__",
    ".tox",
    "coverage",
    ".turbo",
}
SOURCE_SUFFIXES = {
    ".js",
    ".mjs",
    ".cjs",
    ".ts",
    ".mts",
    ".cts",
    ".tsx",
    ".jsx",
    ".html",
    ".htm",
    ".py",
    ".vue",
    ".svelte",
    ".astro",
    ".ejs",
    ".hbs",
    ".jinja",
    ".j2",
    ".erb",
}
MOST_FILES_READ = 3000
LARGEST_FILE = 512 * 1024
SCRIPT_URL = re.compile(r"@clerk/clerk-js@([0-9A-Za-z^~<>=.*|-]+)/")
BUILT_WITH = re.compile(r"""packageVersion\s*=\s*["'](\d+\.\d+\.\d+)["']""")
BROWSER_SDKS = (
    "@clerk/nextjs",
    "@clerk/clerk-react",
    "@clerk/react",
    "@clerk/vue",
    "@clerk/astro",
    "@clerk/remix",
    "@clerk/react-router",
    "@clerk/tanstack-react-start",
    "@clerk/nuxt",
    "@clerk/chrome-extension",
)
PIN = re.compile(r"""clerkJ[Ss]Version\s*[:=]\s*["'`]([^"'`$]+)["'`]""")


@dataclass(frozen=True)
class Installer:
    manager: str  # "npm", "pnpm", "yarn", "python" or "none"
    folder: Path | None  # where the install runs (the lock file's folder)
    command: str | None  # the install command CI runs there
    lock: str | None = None  # the lock file's name
    pinned_by_package_json: bool = False  # package.json's `packageManager` names the manager's version

    @property
    def uses_node(self) -> bool:
        return self.manager in ("npm", "pnpm", "yarn")


@dataclass(frozen=True)
class ClerkJsAsk:
    spec: str  # what the app asks for: "6", "^6.3.0", "6.12.1", "latest"
    where: str  # the file (relative to the repo) it was read in


def find_installer(app_dir: Path, repo: Path) -> Installer:
    """The nearest lock file from the app's folder up to the repo root; else a package.json (npm install);
    else a Python project's files; else nothing to install."""
    folders = _up_to(app_dir.resolve(), repo.resolve())
    for folder in folders:
        for name, manager in LOCK_FILES:
            if (folder / name).is_file():
                return Installer(
                    manager, folder, _install_command(manager, folder), name, _names_its_manager(folder, manager)
                )
    for folder in folders:
        if (folder / "package.json").is_file():
            return Installer("npm", folder, "npm install")
    for folder in folders:
        if (folder / "requirements.txt").is_file():
            return Installer("python", folder, "python -m pip install -r requirements.txt")
        if any((folder / name).is_file() for name in PYTHON_FILES):
            return Installer("python", folder, "python -m pip install .")
    return Installer("none", None, None)


def _names_its_manager(folder: Path, manager: str) -> bool:
    try:
        named = json.loads((folder / "package.json").read_text()).get("packageManager", "")
    except (OSError, ValueError, AttributeError):
        return False
    return isinstance(named, str) and named.startswith(f"{manager}@")


def _install_command(manager: str, folder: Path) -> str:
    if manager == "pnpm":
        return "pnpm install --frozen-lockfile"
    if manager == "yarn":  # Yarn 2+ (a .yarnrc.yml) spells the frozen install --immutable
        return "yarn install --immutable" if (folder / ".yarnrc.yml").is_file() else "yarn install --frozen-lockfile"
    return "npm ci"


def _up_to(folder: Path, root: Path) -> list[Path]:
    """`folder` and its parents up to `root` (only `folder` when it is not below `root`)."""
    chain = [folder]
    if folder == root or root not in folder.parents:
        return chain
    for parent in folder.parents:
        chain.append(parent)
        if parent == root:
            break
    return chain


def find_clerk_js_ask(app_dir: Path, repo: Path) -> ClerkJsAsk | None:
    """The clerk-js the app asks for: a dependency in its package.json first, then its sources."""
    app_dir = app_dir.resolve()
    package = app_dir / "package.json"
    manifest: dict = {}
    if package.is_file():
        try:
            manifest = json.loads(package.read_text())
        except (OSError, ValueError):
            manifest = {}
        for section in ("dependencies", "devDependencies", "peerDependencies"):
            spec = (manifest.get(section) or {}).get("@clerk/clerk-js")
            if isinstance(spec, str) and not spec.startswith(("workspace:", "file:", "link:")):
                return ClerkJsAsk(spec, _relative(package, repo))
    sdk = _browser_sdk(manifest if isinstance(manifest, dict) else {})
    for path in _sources(app_dir):
        try:
            text = path.read_text(errors="ignore")
        except OSError:
            continue
        found = SCRIPT_URL.search(text) or PIN.search(text)
        if found:
            return ClerkJsAsk(found.group(1), _relative(path, repo))
    if sdk is not None:
        return _what_the_sdk_loads(sdk, app_dir, repo)
    return None


def _browser_sdk(manifest: dict) -> str | None:
    """A dependency on a Clerk SDK that loads clerk-js in the browser (React, Next.js, Vue, Astro, ...)."""
    dependencies = {**(manifest.get("dependencies") or {}), **(manifest.get("devDependencies") or {})}
    return next((name for name in BROWSER_SDKS if name in dependencies), None)


def _what_the_sdk_loads(sdk: str, app_dir: Path, repo: Path) -> ClerkJsAsk | None:
    """The SDK loads `@clerk/clerk-js@<major>` of the clerk-js its @clerk/shared was built with (its
    `versionSelector`), unless a `clerkJSVersion` prop says otherwise (read in the sources above)."""
    for folder in _up_to(app_dir, repo.resolve()):
        for name in ("versionSelector.mjs", "versionSelector.js"):
            selector = folder / "node_modules" / "@clerk" / "shared" / "dist" / name
            try:
                found = BUILT_WITH.search(selector.read_text(errors="ignore"))
            except OSError:
                continue
            if found:
                return ClerkJsAsk(found.group(1).split(".")[0], f"{sdk}, built with clerk-js {found.group(1)}")
    return None


def _sources(folder: Path):
    """The app's own source files, never those of its dependencies or build output."""
    seen = 0
    for where, folders, files in os.walk(folder):
        folders[:] = sorted(name for name in folders if name not in SKIPPED_FOLDERS)
        for name in sorted(files):
            path = Path(where) / name
            if path.suffix not in SOURCE_SUFFIXES:
                continue
            try:
                if path.stat().st_size > LARGEST_FILE:
                    continue
            except OSError:
                continue
            seen += 1
            if seen > MOST_FILES_READ:
                return
            yield path


def _relative(path: Path, repo: Path) -> str:
    try:
        return path.resolve().relative_to(repo.resolve()).as_posix()
    except ValueError:
        return str(path)
