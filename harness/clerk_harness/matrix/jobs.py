"""Run scenarios × clerk-js versions (× repeats), in parallel worker processes, and tabulate verdicts."""

from __future__ import annotations

import multiprocessing
import os
import signal
import statistics
import sys
import time
from collections.abc import Callable, Collection
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clerk_harness.browser import driver_scratch
from clerk_harness.browser import guard as browser_guard
from clerk_harness.config import HarnessConfig
from clerk_harness.matrix import worker
from clerk_harness.matrix.job import RUN_TIMEOUT_S, Job, MatrixResult, final, hung_run
from clerk_harness.oracle.verdict import Outcome

if TYPE_CHECKING:
    from multiprocessing import Queue
    from multiprocessing.queues import SimpleQueue

    from clerk_harness.stories.user_app import AppSpec
    from clerk_harness_fake.server import Binding


class MatrixInterrupted(Exception):
    """Ctrl-C or SIGTERM stopped the matrix; `results` holds the runs that finished."""

    def __init__(self, results: list[MatrixResult]) -> None:
        super().__init__(f"interrupted after {len(results)} run(s)")
        self.results = results


def run_matrix(
    config: HarnessConfig,
    jobs: list[Job],
    *,
    workers: int = 2,
    artifacts: Path | None = None,
    on_result: Callable[[int, int, MatrixResult], None] | None = None,
    app: AppSpec | None = None,
    binding: Binding | None = None,
    retry_errors: int = 0,
    run_timeout_s: float = RUN_TIMEOUT_S,
) -> list[MatrixResult]:
    """Each worker process owns one fake backend and one Playwright; results arrive as they finish.
    With remote browsers (`browser.cdpEndpoint`) there is one worker per browser.

    A run the infrastructure broke (its page, browser, app or worker process died) runs again up to
    `retry_errors` times; every attempt is in the results, the earlier ones marked `retried`. So does a run
    that hangs (nothing it waits on answers for `run_timeout_s`: its worker process is ended).
    On KeyboardInterrupt the queue is dropped and the workers are ended at once (each browser's guard
    then ends it); MatrixInterrupted carries what finished."""
    workers, endpoints = _workers_for(config, jobs, workers)
    scratch = driver_scratch.make()
    # Written straight into its pipe (a Queue's feeder thread dies with a worker killed at once)
    started: SimpleQueue[tuple[int, Job | None]] = multiprocessing.SimpleQueue()
    ledger = Ledger(jobs, retry_errors, on_result, started, run_timeout_s)
    initargs = (config, artifacts, app, binding, endpoints, scratch, started, all_webkit(jobs))
    remaining = list(jobs)
    try:
        while remaining:  # one pool; a new one for what is left when a worker process dies
            remaining = _one_pool(remaining, min(workers, len(remaining)), initargs, ledger, scratch)
    finally:
        driver_scratch.remove(scratch)
    return ledger.ordered()


def _workers_for(config: HarnessConfig, jobs: list[Job], workers: int) -> tuple[int, Queue[str] | None]:
    """How many worker processes, and the remote browsers they take one each (None: each launches its own)."""
    remote = config.browser.cdp_endpoints
    if not remote:
        return max(1, min(workers, len(jobs), most_workers(jobs))), None
    workers = max(1, min(len(remote), len(jobs)))
    endpoints: Queue[str] = multiprocessing.Queue()
    for endpoint in remote[:workers]:
        endpoints.put(endpoint)
    return workers, endpoints


WEBKIT_WORKERS_PER_CORE = 3


def all_webkit(jobs: list[Job]) -> bool:
    """A matrix of WebKit alone: its runs mostly wait, and none uses Playwright's driver."""
    return bool(jobs) and all(job.engine == "webkit" for job in jobs)


def most_workers(jobs: list[Job]) -> int:
    """One worker per core: a run keeps a core busy. WebKit's runs mostly wait (an offline run waits about 6 of
    its 7 s for WebKit's network monitor), so a matrix of WebKit alone takes up to three per core."""
    cores = os.cpu_count() or 1
    return cores * WEBKIT_WORKERS_PER_CORE if all_webkit(jobs) else cores


class Ledger:
    """The matrix's results as they come: every attempt, which run again, and which job each worker runs."""

    def __init__(
        self,
        jobs: list[Job],
        retry_errors: int,
        on_result: Callable[[int, int, MatrixResult], None] | None,
        started: SimpleQueue[tuple[int, Job | None]],
        run_timeout_s: float = RUN_TIMEOUT_S,
    ) -> None:
        self.jobs, self.retry_errors, self.on_result, self.started = jobs, retry_errors, on_result, started
        self.run_timeout_s = run_timeout_s
        self.order = {job: i for i, job in enumerate(jobs)}
        self.results: list[MatrixResult] = []
        self.attempts: dict[Job, int] = {}
        self.running: dict[int, Job | None] = {}  # the job each worker process runs (None: between jobs)
        self.since: dict[int, float] = {}  # when each worker process's job was seen to start
        self.hung: set[int] = set()  # worker processes ended because their run hung

    def finish(self, result: MatrixResult) -> bool:
        """Record a result; True when its job runs again (the infrastructure broke, retries are left)."""
        result.attempt = self.attempts[result.job] = self.attempts.get(result.job, 0) + 1
        result.retried = result.outcome.broke is not None and result.attempt <= self.retry_errors
        self.results.append(result)
        if self.on_result is not None:
            self.on_result(len(final(self.results)), len(self.jobs), result)
        return result.retried

    def ordered(self) -> list[MatrixResult]:
        return sorted(self.results, key=lambda r: (self.order[r.job], r.attempt))

    def note_running(self) -> None:
        """Read as results come, so that the pipe never fills and blocks a worker."""
        while not self.started.empty():
            pid, job = self.started.get()
            self.running[pid] = job
            self.since[pid] = time.monotonic()

    def end_hung_runs(self, live: Collection[int]) -> None:
        """A run still going after `run_timeout_s` hangs (a Firefox once spun forever in a tab switch, and no
        call of Playwright's has a timeout of its own): its worker process is killed, which makes the run an
        error of the worker's (see `_after_a_worker_died`) and the matrix goes on. Only `live` pids, this
        process's own workers, are candidates: a dead worker's pid may belong to another process by now."""
        now = time.monotonic()
        for pid, job in self.running.items():
            if job is None or pid in self.hung or pid not in live:
                continue
            if now - self.since[pid] > self.run_timeout_s:
                self.hung.add(pid)
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:  # it ended meanwhile
                    pass


def _one_pool(remaining: list[Job], workers: int, initargs: tuple[Any, ...], ledger: Ledger, scratch: str) -> list[Job]:
    """Run `remaining` in one pool of worker processes; returns what is left to run when a worker died."""
    pool = ProcessPoolExecutor(max_workers=workers, initializer=worker.start, initargs=initargs)
    try:
        pending = {pool.submit(worker.run_job, job): job for job in remaining}
        processes = _workers()  # all of the pool's: it starts them as the jobs are submitted
        try:
            while pending:
                done, _ = wait(pending, timeout=min(5.0, ledger.run_timeout_s), return_when=FIRST_COMPLETED)
                ledger.note_running()
                ledger.end_hung_runs(_workers())
                # the results that came before a worker died count: take them before its error
                for future in sorted(done, key=lambda f: isinstance(f.exception(), BrokenProcessPool)):
                    pending.pop(future)
                    result = future.result()
                    if ledger.finish(result):  # at the end of the queue: the moment that broke it has passed
                        pending[pool.submit(worker.run_job, result.job)] = result.job
            return []
        except BrokenProcessPool:
            pool.shutdown(wait=True)  # its manager reaps the workers: their exit codes are settled
            ledger.note_running()
            return _after_a_worker_died(
                remaining + [r.job for r in ledger.results if r.retried],
                ledger.results,
                processes,
                ledger,
                worker.start_failure(scratch),
            )
    except KeyboardInterrupt:
        processes = list(_workers().values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=10)
        raise MatrixInterrupted(ledger.ordered()) from None
    finally:
        pool.shutdown()


def _workers() -> dict[int, BaseProcess]:
    """This process's worker processes, by pid (the pool's; the matrix starts no other multiprocessing child).
    Kept from before a worker dies: a dead one's exit code says how it died."""
    return {p.pid: p for p in multiprocessing.active_children() if p.pid is not None}


def _after_a_worker_died(
    submitted: list[Job],
    results: list[MatrixResult],
    processes: dict[int, Any],
    ledger: Ledger,
    start_failure: str | None = None,
) -> list[Job]:
    """A worker process died (killed, out of memory): its job is an error that says so (run again under
    `--retry-errors`); the jobs the pool ended with it (SIGTERM), and those not started, run again in a
    new pool. Returns those."""
    from clerk_harness.stories.scenarios import get_scenario

    for process in processes.values():
        process.join(timeout=10)
    settled = {r.job for r in final(results)}
    hit = 0
    again: list[Job] = []
    for pid, job in ledger.running.items():
        code = processes[pid].exitcode if pid in processes else None
        if job is None or job in settled or code in (None, 0, -signal.SIGTERM):
            continue
        how = browser_guard.exit_status(code)
        why = (
            f"{hung_run(ledger.run_timeout_s)}: its worker process was ended"
            if pid in ledger.hung
            else f"the worker process running it died ({how})"
        )
        outcome = Outcome(
            job.scenario,
            job.version,
            "error",
            [why],
            None,
            engine=job.engine,
            error=f"worker process {pid} died ({how})",
            broke="worker",
        )
        if not ledger.finish(
            MatrixResult(job, outcome, get_scenario(job.scenario).expected(job.version, engine=job.engine))
        ):
            settled.add(job)
        else:
            again.append(job)
        hit += 1
    left = list(dict.fromkeys(job for job in [*submitted, *again] if job not in settled))
    if not hit and len(left) == len(set(submitted)):  # no job ran and none died: the workers cannot start at all
        why = "no worker process could start" + (f": {start_failure}" if start_failure else "")
        for job in left:
            outcome = Outcome(job.scenario, job.version, "error", [why], None, engine=job.engine)
            ledger.finish(
                MatrixResult(job, outcome, get_scenario(job.scenario).expected(job.version, engine=job.engine))
            )
        return []
    return left


CELL = {"survived": "survived", "lost": "lost", "inconclusive": "INCONCLUSIVE", "error": "ERROR"}


def verdict_tables(results: list[MatrixResult], scenarios: list[str], versions: list[str], engines: list[str]) -> str:
    """One grid per engine, each headed by its engine; one engine alone (Chromium) has no heading."""
    if engines == ["chromium"]:
        return verdict_table(results, scenarios, versions)
    return "\n\n".join(
        f"{engine}:\n" + verdict_table([r for r in results if r.job.engine == engine], scenarios, versions)
        for engine in engines
    )


def verdict_table(results: list[MatrixResult], scenarios: list[str], versions: list[str]) -> str:
    """scenario × version; a cell lists each run's verdict, marked `!` when it was not the expected one."""
    cells: dict[tuple[str, str], list[str]] = {}
    for r in final(results):
        mark = "" if r.as_expected else "!"
        cells.setdefault((r.job.scenario, r.job.version), []).append(CELL[r.outcome.verdict] + mark)
    rows = {s: [",".join(_collapse(cells.get((s, v), ["-"]))) for v in versions] for s in scenarios}
    width = max([len(s) for s in scenarios] + [8])
    col = max([len(v) for v in versions] + [len(c) for row in rows.values() for c in row])
    lines = [f"{'scenario':<{width}}  " + "  ".join(f"{v:<{col}}" for v in versions)]
    lines += [f"{s:<{width}}  " + "  ".join(f"{c:<{col}}" for c in rows[s]) for s in scenarios]
    return "\n".join(lines)


def _collapse(verdicts: list[str]) -> list[str]:
    """['lost', 'lost', 'lost'] -> ['lost x3']; mixed verdicts stay listed."""
    return [f"{verdicts[0]} x{len(verdicts)}"] if len(set(verdicts)) == 1 and len(verdicts) > 1 else verdicts


def durations_by_scenario(results: list[MatrixResult]) -> dict[str, float]:
    by: dict[str, list[float]] = {}
    for r in results:
        by.setdefault(r.job.scenario, []).append(r.outcome.duration_s)
    return {s: statistics.median(d) for s, d in by.items()}


def print_progress(done: int, total: int, result: MatrixResult) -> None:
    width = 24
    filled = int(width * done / total)
    status = "as expected" if result.as_expected else f"UNEXPECTED (expected {result.expected})"
    if result.retried:
        status = f"the {result.outcome.broke} broke: running it again (attempt {result.attempt + 1})"
    elif result.attempt > 1:
        status += f" (attempt {result.attempt})"
    line = (
        f"[{'#' * filled}{'.' * (width - filled)}] {done:>3}/{total} {result.job.describe()}: "
        f"{result.outcome.verdict} {status} ({result.outcome.duration_s:.1f}s)"
    )
    print(line, file=sys.stderr, flush=True)
