"""The local cache of clerk-js bundles, filled with `npm pack` and checked against npm's integrity hash."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from clerk_harness.errors import HarnessError

PACKAGE = "@clerk/clerk-js"
MARKER = "integrity.json"
EXACT_VERSION = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")


@dataclass(frozen=True)
class CachedBundle:
    version: str
    dist: Path
    integrity: str


def _npm(*args: str) -> str:
    if shutil.which("npm") is None:
        raise HarnessError("npm is not installed; install Node.js and npm (e.g. `apt-get install npm`)")
    result = subprocess.run(["npm", *args], capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        lines = [ln for ln in result.stderr.splitlines() if ln.strip() and "complete log" not in ln]
        if any("E404" in ln or "No match found" in ln for ln in lines):
            raise HarnessError(f"{args[1]} is not published on npm (see `npm view {PACKAGE} versions`)")
        detail = lines[-1] if lines else "no output"
        raise HarnessError(f"`npm {' '.join(args)}` failed: {detail}")
    return result.stdout


def published_versions() -> list[str]:
    return json.loads(_npm("view", PACKAGE, "versions", "--json"))


def resolve_version(spec: str) -> str:
    """`latest`/`newest` or a dist-tag → the exact version npm serves; an exact version must be published."""
    if EXACT_VERSION.match(spec):
        return spec
    if not re.match(r"^[A-Za-z][\w.-]*$", spec):
        raise HarnessError(f"{spec!r} is not a clerk-js version; give e.g. 6.1.0 or latest")
    tag = "latest" if spec == "newest" else spec
    out = _npm("view", f"{PACKAGE}@{tag}", "version", "--json").strip()
    if not out:
        raise HarnessError(f"npm has no dist-tag {tag!r} for {PACKAGE}")
    return json.loads(out) if out.startswith('"') else out


@functools.lru_cache(maxsize=64)
def resolve_release(spec: str) -> str:
    """An exact version, a dist-tag (`latest`) or an npm range (`6`, `^6.3.0`) -> the release npm would
    install for it (a range's newest match)."""
    import semantic_version

    spec = spec.strip()
    if EXACT_VERSION.match(spec):
        return spec
    if re.match(r"^[A-Za-z][\w.-]*$", spec):
        return resolve_version(spec)
    try:
        semantic_version.NpmSpec(spec)
    except ValueError:
        raise HarnessError(f"{spec!r} is neither a clerk-js version, a dist-tag nor an npm range") from None
    out = _npm("view", f"{PACKAGE}@{spec}", "version", "--json").strip()
    if not out:
        raise HarnessError(f"no published clerk-js release matches {spec!r} (see `npm view {PACKAGE} versions`)")
    found = json.loads(out)
    matches = found if isinstance(found, list) else [found]
    return max(matches, key=_version_key)


def types_note() -> str:
    """One line: the @clerk/shared types the fake was checked against, npm's newest, and whether the fake
    is behind them (its contract test, tests/unit/test_fidelity.py, then names what they added)."""
    from clerk_harness_fake.modelled_instance import TYPES_CHECKED, TYPES_PACKAGE

    out = _npm("view", TYPES_PACKAGE, "version", "--json").strip()
    newest = json.loads(out) if out.startswith('"') else out
    line = f"Clerk's types ({TYPES_PACKAGE}): the fake answers as {TYPES_CHECKED} declares; npm latest {newest}"
    if newest != TYPES_CHECKED and _newer(newest, TYPES_CHECKED):
        line += (
            "  <- newer than the fake knows: pin it in tools/clerk-types (npm install) and run "
            "tests/unit/test_fidelity.py, which names each field the fake does not send"
        )
    return line


def _newer(version: str, than: str) -> bool:
    import semantic_version

    try:
        return semantic_version.Version(version) > semantic_version.Version(than)
    except ValueError:
        return False


def _integrity_of(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


class ClerkJsCache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def dist(self, version: str) -> Path:
        return self.root / version / "dist"

    def cached(self, version: str) -> CachedBundle | None:
        marker = self.root / version / MARKER
        if not marker.is_file() or not (self.dist(version) / "clerk.browser.js").is_file():
            return None
        return CachedBundle(version, self.dist(version), json.loads(marker.read_text())["integrity"])

    def cached_versions(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted((p.name for p in self.root.iterdir() if self.cached(p.name)), key=_version_key)

    def require(self, version: str) -> CachedBundle:
        bundle = self.cached(version)
        if bundle is None:
            raise HarnessError(f"clerk-js {version} is not cached; run `clerk-harness setup --clerk-js {version}`")
        return bundle

    def ensure(self, spec: str) -> CachedBundle:
        """Return the cached bundle, downloading it with `npm pack` first if needed."""
        version = resolve_version(spec)
        bundle = self.cached(version)
        if bundle is not None:
            return bundle
        view = _npm("view", f"{PACKAGE}@{version}", "dist.integrity", "--json").strip()
        if not view:
            raise HarnessError(f"clerk-js {version} is not published on npm (see `npm view {PACKAGE} versions`)")
        expected = json.loads(view)
        if isinstance(expected, list):  # a range matched several versions: we asked for an exact one
            raise HarnessError(f"{version!r} matches several clerk-js versions; give one exact version")
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.root) as tmp:
            packed = json.loads(_npm("pack", f"{PACKAGE}@{version}", "--pack-destination", tmp, "--json"))
            tarball = Path(tmp) / packed[0]["filename"]
            actual = _integrity_of(tarball)
            if actual != expected:
                raise HarnessError(f"clerk-js {version}: integrity mismatch (npm says {expected}, got {actual})")
            staging = Path(tmp) / "unpacked"
            with tarfile.open(tarball) as archive:
                members = [m for m in archive.getmembers() if m.name.startswith("package/dist/")]
                archive.extractall(staging, members=members, filter="data")
            target = self.root / version
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            (staging / "package" / "dist").rename(target / "dist")
            (target / MARKER).write_text(json.dumps({"version": version, "integrity": expected}))
        return self.require(version)


def _version_key(version: str) -> tuple:
    core = version.split("-")[0]
    return tuple(int(p) if p.isdigit() else 0 for p in core.split("."))
