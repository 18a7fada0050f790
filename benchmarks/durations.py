"""Two suites side by side, test by test: which part of a change in the suite's time is the tests both
have, and which is the tests one of them added or dropped.

A suite's wall time says little on its own when the suite has grown: this compares the worker time
(setup, call and teardown) of each test, read from `pytest --durations=0` output, so that "is the suite
slower?" splits into "are the old tests slower?" and "what do the new ones cost?".

    .venv/bin/python benchmarks/durations.py BEFORE.txt AFTER.txt

Each file is a pytest run's output with `--durations=0` (`make bench --only suite` writes one to
artifacts/bench-suite-durations.txt; for another commit, run its suite the same way in a clone).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# "  1.23s call     tests/e2e/test_x.py::test_y[a-b]" (setup and teardown lines too)
DURATION_LINE = re.compile(r"^\s*(?P<seconds>\d+(?:\.\d+)?)s (?:setup|call|teardown)\s+(?P<test>\S+)")


def worker_seconds(lines: Iterable[str]) -> Counter[str]:
    """Seconds per test id (its setup, call and teardown added), from `pytest --durations=0` output."""
    seconds: Counter[str] = Counter()
    for line in lines:
        found = DURATION_LINE.match(line)
        if found:
            seconds[found["test"]] += float(found["seconds"])
    return seconds


def file_of(test_id: str) -> str:
    return test_id.split("::", 1)[0]


@dataclass(frozen=True)
class SuiteChange:
    before: Counter[str]
    after: Counter[str]

    @property
    def kept(self) -> set[str]:
        return set(self.before) & set(self.after)

    @property
    def added(self) -> set[str]:
        return set(self.after) - set(self.before)

    @property
    def dropped(self) -> set[str]:
        return set(self.before) - set(self.after)

    def total(self, side: Counter[str], tests: Iterable[str] | None = None) -> float:
        return sum(side[t] for t in (side if tests is None else tests))

    def by_file(self, side: Counter[str], tests: Iterable[str]) -> Counter[str]:
        files: Counter[str] = Counter()
        for test in tests:
            files[file_of(test)] += side[test]
        return files

    def report(self, most: int = 10) -> list[str]:
        kept, added, dropped = self.kept, self.added, self.dropped
        lines = [
            f"worker time (pytest lists tests of 5 ms or more): {self.total(self.before):.1f} s over "
            f"{len(self.before)} tests before, {self.total(self.after):.1f} s over {len(self.after)} after",
            f"the {len(kept)} tests both have: {self.total(self.before, kept):.1f} s before, "
            f"{self.total(self.after, kept):.1f} s after",
            f"added: {len(added)} tests, {self.total(self.after, added):.1f} s; "
            f"dropped: {len(dropped)} tests, {self.total(self.before, dropped):.1f} s",
        ]
        if added:
            lines.append("the added tests' time by file:")
            for name, seconds in self.by_file(self.after, added).most_common(most):
                lines.append(f"  {seconds:6.1f} s  {name}")
        was, now = self.by_file(self.before, kept), self.by_file(self.after, kept)
        moved = sorted(now, key=lambda name: abs(now[name] - was[name]), reverse=True)[:most]
        if moved:
            lines.append("the tests both have, by file, most changed first (before -> after):")
            for name in moved:
                lines.append(f"  {was[name]:6.1f} -> {now[name]:6.1f} s  {name}")
        return lines


def compare(before: Path, after: Path) -> SuiteChange:
    return SuiteChange(
        worker_seconds(before.read_text(errors="replace").splitlines()),
        worker_seconds(after.read_text(errors="replace").splitlines()),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="`pytest --durations=0` output of the earlier suite")
    parser.add_argument("after", type=Path, help="the same for the later suite")
    args = parser.parse_args()
    for path in (args.before, args.after):
        if not path.is_file():
            parser.error(f"{path} is not a file")
    change = compare(args.before, args.after)
    if not change.before or not change.after:
        parser.error("no duration lines found: run pytest with --durations=0 and keep its whole output")
    print("\n".join(change.report()))


if __name__ == "__main__":
    main()
