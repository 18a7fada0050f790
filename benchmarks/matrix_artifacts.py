"""`make bench`'s `artifacts` section: what `run --artifacts` costs a matrix, by `--keep`.

The same small matrix (8 scenarios x 2 releases, 2 workers, Chromium) three ways, one after the other and
then again in reverse order (this machine's speed drifts within minutes): no artifacts, every run's
(`--keep always`, a full trace each) and only the failures' (`--keep on-failure`, the nightly's way).
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SCENARIOS = (
    "offline-reload",
    "offline-visibility",
    "multi-tab",
    "sleep-wake",
    "signout-control",
    "rate-limit-signout",
    "minter-outage",
    "dev-instance",
)
MODES: dict[str, list[str]] = {
    "no artifacts": [],
    "--keep always": ["--keep", "always"],
    "--keep on-failure": ["--keep", "on-failure"],
}


def bench_matrix_artifacts(cli: Path, root: Path, cpu_seconds: Callable[[], float | None]) -> None:
    matrix = [str(cli), "run", "--workers", "2", "--clerk-js", "6.0.0", "--clerk-js", "6.40.0"]
    matrix += [arg for scenario in SCENARIOS for arg in ("--scenario", scenario)]
    walls: dict[str, list[float]] = {mode: [] for mode in MODES}
    work: dict[str, list[float]] = {mode: [] for mode in MODES}
    kept: dict[str, int] = {}
    for order in (list(MODES), list(reversed(MODES))):
        for mode in order:
            with tempfile.TemporaryDirectory(prefix="bench-artifacts-") as folder:
                extra = ["--artifacts", folder, *MODES[mode]] if MODES[mode] else []
                before, started = cpu_seconds(), time.monotonic()
                done = subprocess.run(matrix + extra, cwd=root, capture_output=True, text=True)
                walls[mode].append(time.monotonic() - started)
                after = cpu_seconds()
                if before is not None and after is not None:
                    work[mode].append(after - before)
                kept[mode] = sum(1 for _ in Path(folder).iterdir())
            if done.returncode not in (0, 1):
                print(f"{mode}: `run` exited {done.returncode}: {(done.stdout + done.stderr).strip()[-300:]}")
    runs = len(SCENARIOS) * 2
    print(f"\n## `run --artifacts`: {runs} runs on 2 workers, each way twice (s)")
    for mode in MODES:
        cpu = f", {statistics.median(work[mode]):.0f} s of CPU work" if work[mode] else ""
        folders = f", {kept[mode]} run folder(s) kept" if MODES[mode] else ""
        print(f"{mode:18s} {' and '.join(f'{w:.1f}' for w in walls[mode])} s{cpu}{folders}")
