"""Choosing published clerk-js releases: a span between two versions, or a sample of its minor lines."""

from __future__ import annotations

import semantic_version

from clerk_harness.errors import HarnessError
from clerk_harness.releases.clerk_js import published_versions


def releases_between(a: str, b: str, available: list[str] | None = None) -> list[str]:
    """Releases (no pre-releases) from the older of a, b to the newer, both included, in semver order."""
    versions = available if available is not None else published_versions()
    lo, hi = sorted((semantic_version.Version(a), semantic_version.Version(b)))
    for end in (a, b):
        if end not in versions:
            raise HarnessError(f"clerk-js {end} is not published on npm (see `npm view @clerk/clerk-js versions`)")
    chosen = [semantic_version.Version(v) for v in versions if "-" not in v]
    return [str(v) for v in sorted(v for v in chosen if lo <= v <= hi)]


def sample_minor_lines(spec: str, every: int = 1, available: list[str] | None = None) -> list[str]:
    """The newest release of every `every`-th minor line (counted in order) of the releases `spec` (an
    npm range) matches: `("^6.0.0", 1)` is each 6.x line, `("^5.0.0", 10)` every tenth 5.x line."""
    try:
        wanted = semantic_version.NpmSpec(spec)
    except ValueError as error:
        raise HarnessError(f"{spec!r} is not an npm range ({error})") from None
    versions = available if available is not None else published_versions()
    lines: dict[tuple[int, int], semantic_version.Version] = {}
    for text in versions:
        if "-" in text:
            continue
        version = semantic_version.Version(text)
        if wanted.match(version):
            line = (version.major or 0, version.minor or 0)
            lines[line] = max(lines.get(line, version), version)
    if not lines:
        raise HarnessError(f"no published clerk-js release matches {spec!r}")
    return [str(lines[line]) for index, line in enumerate(sorted(lines)) if index % every == 0]
