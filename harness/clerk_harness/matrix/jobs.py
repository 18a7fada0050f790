"""Run scenarios × clerk-js versions (× repeats), in parallel worker processes, and tabulate verdicts."""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clerk_harness.browser import driver_env, driver_scratch
from clerk_harness.browser import guard as browser_guard
from clerk_harness.config import HarnessConfig
from clerk_harness.oracle.verdict import Outcome

if TYPE_CHECKING:
    from multiprocessing import Queue
    from multiprocessing.queues import SimpleQueue

    from clerk_harness.stories.user_app import AppSpec
    from clerk_harness_fake.server import Binding

_worker: dict[str, Any] = {}


@dataclass(frozen=True, order=True)
class Job:
    scenario: str
    version: str
    repeat: int = 0
    engine: str = "chromium"

    def where(self) -> str:
        """`6.0.0`, with the engine when it is not the default and the run when repeated."""
        return (self.version + (f" in {self.engine}" if self.engine != "chromium" else "")
                + (f" (run {self.repeat + 1})" if self.repeat else ""))

    def describe(self) -> str:
        """`offline-reload @ 6.0.0 in firefox (run 2)`."""
        return f"{self.scenario} @ {self.where()}"


@dataclass
class MatrixResult:
    job: Job
    outcome: Outcome
    expected: str
    attempt: int = 1  # 2 and up: a retry of a run the infrastructure broke (`run --retry-errors`)
    retried: bool = False  # this attempt broke and was run again: the job's verdict is a later attempt's

    @property
    def as_expected(self) -> bool:
        return self.outcome.verdict == self.expected

    def to_dict(self) -> dict[str, Any]:
        data = self.outcome.to_dict()
        proof = self.outcome.proof.describe() if self.outcome.proof else ""
        data.update({"expected": self.expected, "as_expected": self.as_expected, "repeat": self.job.repeat,
                     "attempt": self.attempt, "retried": self.retried,
                     "evidence_summary": "; ".join([*self.outcome.reasons, *proof.splitlines()])})
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MatrixResult:
        outcome = Outcome.from_dict(data)
        return cls(Job(outcome.scenario, outcome.version, int(data.get("repeat", 0)), outcome.engine), outcome,
                   data["expected"], int(data.get("attempt", 1)), bool(data.get("retried", False)))


def final(results: list[MatrixResult]) -> list[MatrixResult]:
    """Each job's last attempt: what its verdict, the grid and the exit code go by."""
    return [r for r in results if not r.retried]


def _start_worker(config: HarnessConfig, artifacts: Path | None, app: AppSpec | None,
                  binding: Binding | None, endpoints: Queue[str] | None, scratch: str,
                  started: SimpleQueue[tuple[int, Job | None]] | None = None) -> None:
    import signal
    from dataclasses import replace

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent ends a worker at once; its browser's guard cleans up
    parent = os.getppid()
    browser_guard.die_with_parent()  # a parent killed outright (SIGKILL) takes its workers with it
    if os.getppid() != parent:  # it died before that took effect
        os._exit(1)

    from clerk_harness.config import backend_settings
    from clerk_harness_fake import FakeClerkServer

    if endpoints is not None:  # one remote browser per worker, one run at a time on it
        config = replace(config, browser=replace(config.browser, cdp_endpoints=(endpoints.get(),)))
    _worker["config"] = config
    _worker["artifacts"] = artifacts
    _worker["started"] = started
    settings = backend_settings(config)
    _worker["server"] = (binding.server(settings) if binding else FakeClerkServer(settings)).start()
    _worker["playwright"] = driver_env.start_playwright(temp_dir=scratch)  # the run removes `scratch` however it ends
    if app is None:  # runs take turns in one warm browser per engine (a user's app: a browser each run)
        _worker["browsers"] = {}
    else:  # one app per worker, stopped with it (its guard sees the worker go)
        from clerk_harness.stories.user_app import start_app

        _worker["app"] = start_app(app, _worker["server"])
    # A worker the pool lets go runs multiprocessing's finalizers before it exits: end what it started.
    # Without this, Playwright's driver was cut off and left its artifacts folder in the temp dir.
    from multiprocessing.util import Finalize

    Finalize(None, _stop_worker, exitpriority=10)


def _stop_worker() -> None:
    """The worker's browser, app, Playwright and fake backend, in that order; each one's failure is left
    to its guard (a browser's or an app's guard ends it when the worker is gone)."""
    for name, stop in (("browsers", lambda x: [warm.close() for warm in x.values()]), ("app", lambda x: x.stop()),
                       ("playwright", lambda x: x.stop()), ("server", lambda x: x.stop())):
        held = _worker.pop(name, None)
        if held is not None:
            try:
                stop(held)
            except Exception:  # noqa: BLE001 - the worker is exiting; its guards clean up after it
                pass


def _run_job(job: Job) -> MatrixResult:
    started = _worker.get("started")
    if started is not None:  # the parent learns which job a worker that dies was running
        started.put((os.getpid(), job))
    try:
        return _judged_run(job)
    finally:
        if started is not None:
            started.put((os.getpid(), None))


def _judged_run(job: Job) -> MatrixResult:
    from clerk_harness.matrix.runner import run_scenario
    from clerk_harness.releases.setup import with_engine
    from clerk_harness.stories.scenarios import get_scenario

    config: HarnessConfig = with_engine(_worker["config"], job.engine)
    _restart_a_dead_app()
    backend = _worker["server"].clerk
    backend.reset()
    root: Path | None = _worker["artifacts"]
    engine = f"-{job.engine}" if job.engine != "chromium" else ""
    folder = root / f"{job.scenario}-{job.version}{engine}-{job.repeat + 1}" if root is not None else None
    attempt = 1
    while folder is not None and (folder.parent / f"{folder.name}{_suffix(attempt)}").exists():  # a retry
        attempt += 1
    folder = folder.parent / f"{folder.name}{_suffix(attempt)}" if folder is not None else None
    outcome = run_scenario(_worker["playwright"], config, backend, job.scenario, job.version, artifacts=folder,
                           app=_worker.get("app"), browsers=_warm_browser(job.engine, config))
    return MatrixResult(job, outcome,
                        get_scenario(job.scenario).expected(job.version, config.browser.profile, job.engine))


def _suffix(attempt: int) -> str:
    return f"-attempt{attempt}" if attempt > 1 else ""


def _restart_a_dead_app() -> None:
    """The worker's app exited under an earlier run (that run is its error): start it anew for this one."""
    app = _worker.get("app")
    if app is not None and app.exit_code() is not None:
        from clerk_harness.stories.user_app import start_app

        _worker.pop("app").stop()
        _worker["app"] = start_app(app.spec, _worker["server"])


def _warm_browser(engine: str, config: HarnessConfig):
    """This worker's warm browser of `engine`, launched at its first run (none for a user's app)."""
    browsers = _worker.get("browsers")
    if browsers is None:
        return None
    if engine not in browsers:
        from clerk_harness.browser.warm import WarmBrowser

        browsers[engine] = WarmBrowser(_worker["playwright"], config.browser)
    return browsers[engine]


class MatrixInterrupted(Exception):
    """Ctrl-C or SIGTERM stopped the matrix; `results` holds the runs that finished."""

    def __init__(self, results: list[MatrixResult]) -> None:
        super().__init__(f"interrupted after {len(results)} run(s)")
        self.results = results


def run_matrix(config: HarnessConfig, jobs: list[Job], *, workers: int = 2, artifacts: Path | None = None,
               on_result: Callable[[int, int, MatrixResult], None] | None = None,
               app: AppSpec | None = None, binding: Binding | None = None,
               retry_errors: int = 0) -> list[MatrixResult]:
    """Each worker process owns one fake backend and one Playwright; results arrive as they finish.
    With remote browsers (`browser.cdpEndpoint`) there is one worker per browser.

    A run the infrastructure broke (its page, browser, app or worker process died) runs again up to
    `retry_errors` times; every attempt is in the results, the earlier ones marked `retried`.
    On KeyboardInterrupt the queue is dropped and the workers are ended at once (each browser's guard
    then ends it); MatrixInterrupted carries what finished."""
    workers, endpoints = _workers_for(config, jobs, workers)
    scratch = driver_scratch.make()
    # Written straight into its pipe (a Queue's feeder thread dies with a worker killed at once)
    started: SimpleQueue[tuple[int, Job | None]] = multiprocessing.SimpleQueue()
    ledger = Ledger(jobs, retry_errors, on_result, started)
    initargs = (config, artifacts, app, binding, endpoints, scratch, started)
    remaining = list(jobs)
    try:
        while remaining:  # one pool; a new one for what is left when a worker process dies
            remaining = _one_pool(remaining, min(workers, len(remaining)), initargs, ledger)
    finally:
        driver_scratch.remove(scratch)
    return ledger.ordered()


def _workers_for(config: HarnessConfig, jobs: list[Job], workers: int) -> tuple[int, Queue[str] | None]:
    """How many worker processes, and the remote browsers they take one each (None: each launches its own)."""
    remote = config.browser.cdp_endpoints
    if not remote:
        return max(1, min(workers, len(jobs), os.cpu_count() or 1)), None
    workers = max(1, min(len(remote), len(jobs)))
    endpoints: Queue[str] = multiprocessing.Queue()
    for endpoint in remote[:workers]:
        endpoints.put(endpoint)
    return workers, endpoints


class Ledger:
    """The matrix's results as they come: every attempt, which run again, and which job each worker runs."""

    def __init__(self, jobs: list[Job], retry_errors: int, on_result: Callable[[int, int, MatrixResult], None] | None,
                 started: SimpleQueue[tuple[int, Job | None]]) -> None:
        self.jobs, self.retry_errors, self.on_result, self.started = jobs, retry_errors, on_result, started
        self.order = {job: i for i, job in enumerate(jobs)}
        self.results: list[MatrixResult] = []
        self.attempts: dict[Job, int] = {}
        self.running: dict[int, Job | None] = {}  # the job each worker process runs (None: between jobs)

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


def _one_pool(remaining: list[Job], workers: int, initargs: tuple[Any, ...], ledger: Ledger) -> list[Job]:
    """Run `remaining` in one pool of worker processes; returns what is left to run when a worker died."""
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=initargs)
    try:
        pending = {pool.submit(_run_job, job): job for job in remaining}
        processes = _workers()  # all of the pool's: it starts them as the jobs are submitted
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                ledger.note_running()
                # the results that came before a worker died count: take them before its error
                for future in sorted(done, key=lambda f: isinstance(f.exception(), BrokenProcessPool)):
                    pending.pop(future)
                    result = future.result()
                    if ledger.finish(result):  # at the end of the queue: the moment that broke it has passed
                        pending[pool.submit(_run_job, result.job)] = result.job
            return []
        except BrokenProcessPool:
            pool.shutdown(wait=True)  # its manager reaps the workers: their exit codes are settled
            ledger.note_running()
            return _after_a_worker_died(remaining + [r.job for r in ledger.results if r.retried], ledger.results,
                                        processes, ledger.running, ledger.finish)
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


def _after_a_worker_died(submitted: list[Job], results: list[MatrixResult], processes: dict[int, Any],
                         running: dict[int, Job | None], finish: Callable[[MatrixResult], bool]) -> list[Job]:
    """A worker process died (killed, out of memory): its job is an error that says so (run again under
    `--retry-errors`); the jobs the pool ended with it (SIGTERM), and those not started, run again in a
    new pool. Returns those."""
    import signal

    from clerk_harness.stories.scenarios import get_scenario

    for process in processes.values():
        process.join(timeout=10)
    settled = {r.job for r in final(results)}
    hit = 0
    again: list[Job] = []
    for pid, job in running.items():
        code = processes[pid].exitcode if pid in processes else None
        if job is None or job in settled or code in (None, 0, -signal.SIGTERM):
            continue
        how = browser_guard.exit_status(code)
        outcome = Outcome(job.scenario, job.version, "error", [f"the worker process running it died ({how})"],
                          None, engine=job.engine, error=f"worker process {pid} died ({how})", broke="worker")
        if not finish(MatrixResult(job, outcome, get_scenario(job.scenario).expected(job.version, engine=job.engine))):
            settled.add(job)
        else:
            again.append(job)
        hit += 1
    left = list(dict.fromkeys(job for job in [*submitted, *again] if job not in settled))
    if not hit and len(left) == len(set(submitted)):  # no job ran and none died: the workers cannot start at all
        for job in left:
            outcome = Outcome(job.scenario, job.version, "error", ["no worker process could start"], None,
                              engine=job.engine)
            finish(MatrixResult(job, outcome, "survived"))
        return []
    return left


CELL = {"survived": "survived", "lost": "lost", "inconclusive": "INCONCLUSIVE", "error": "ERROR"}


def verdict_tables(results: list[MatrixResult], scenarios: list[str], versions: list[str],
                   engines: list[str]) -> str:
    """One grid per engine, each headed by its engine; one engine alone (Chromium) has no heading."""
    if engines == ["chromium"]:
        return verdict_table(results, scenarios, versions)
    return "\n\n".join(f"{engine}:\n" + verdict_table([r for r in results if r.job.engine == engine], scenarios,
                                                       versions) for engine in engines)


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
    line = (f"[{'#' * filled}{'.' * (width - filled)}] {done:>3}/{total} {result.job.describe()}: "
            f"{result.outcome.verdict} {status} ({result.outcome.duration_s:.1f}s)")
    print(line, file=sys.stderr, flush=True)
