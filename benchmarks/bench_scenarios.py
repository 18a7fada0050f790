"""Benchmark: wall time per scenario run with a warm machine (one worker, one backend, repeated runs).

    .venv/bin/python benchmarks/bench_scenarios.py [--clerk-js 6.1.0] [--repeat 5] [--scenario ID ...]

Prints median, min and max seconds per scenario (each run launches its own Chromium: real visibility
needs one browser per session) and the whole run's wall time. Numbers, not assertions.
"""

from __future__ import annotations

import argparse
import statistics
import time

from harness.config import load_config
from harness.matrix import Job, run_matrix
from harness.scenarios import CATALOGUE
from harness.setup import ensure_versions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clerk-js", default="6.1.0")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scenario", action="append")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    config = load_config()
    version = ensure_versions(config, [args.clerk_js], progress=lambda _: None)[0]
    scenarios = args.scenario or list(CATALOGUE)
    warmup = [Job(scenarios[0], version, -1)]
    jobs = warmup + [Job(s, version, r) for r in range(args.repeat) for s in scenarios]
    started = time.monotonic()
    results = run_matrix(config, jobs, workers=args.workers)[1:]
    wall = time.monotonic() - started
    print(f"clerk-js {version}, {args.repeat} run(s) per scenario, {args.workers} worker(s)")
    print(f"{'scenario':<22} {'median':>7} {'min':>6} {'max':>6}  verdicts")
    for scenario in scenarios:
        mine = [r for r in results if r.job.scenario == scenario]
        seconds = [r.outcome.duration_s for r in mine]
        verdicts = sorted({r.outcome.verdict for r in mine})
        print(f"{scenario:<22} {statistics.median(seconds):>7.2f} {min(seconds):>6.2f} {max(seconds):>6.2f}  "
              f"{','.join(verdicts)}")
    print(f"wall time {wall:.1f}s for {len(jobs)} run(s) (one warm-up run included)")


if __name__ == "__main__":
    main()
