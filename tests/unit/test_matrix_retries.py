"""`run_matrix` with worker processes whose runs are scripted (no browser): a run the infrastructure
broke, and a worker process that dies (SIGKILL) under a job, are errors of that job; with `retry_errors`
they run again after the rest, every attempt is kept, and a verdict is never run again. (The real thing,
renderers, a browser and a worker killed under a 12-run matrix, is in tests/e2e/test_crashes.py.)"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest

from clerk_harness.browser import driver_env
from clerk_harness.config import load_config
from clerk_harness.errors import HarnessError
from clerk_harness.matrix import worker
from clerk_harness.matrix.jobs import Job, MatrixResult, final, run_matrix
from clerk_harness.oracle.verdict import Outcome
from clerk_harness.stories import user_app
from clerk_harness.stories.scenarios import get_scenario
from clerk_harness.stories.user_app import AppSpec

BREAKS = Job("offline-reload", "6.40.0", 0)  # its page crashes, the first time
DIES = Job("offline-reload", "6.40.0", 1)  # its worker process is killed, the first time
INCONCLUSIVE = Job("offline-reload", "6.40.0", 2)  # a verdict without a lost or survived: never run again
FINE = Job("offline-reload", "6.0.0", 0)
HANGS = Job("offline-reload", "6.1.0", 0)  # no call it makes ever returns, the first time


@pytest.fixture
def scripted_workers(monkeypatch, tmp_path: Path):
    """Worker processes (forked, so they run these scripts) that start nothing and play each job's part;
    a job's first attempt leaves a mark in `tmp_path`, so its retry goes as planned."""

    def start(config, artifacts, app, binding, endpoints, scratch, started, webkit_only=False) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        worker._worker.clear()
        worker._worker["started"] = started

    def play(job: Job) -> MatrixResult:
        mark = tmp_path / f"{job.version}-{job.repeat}"
        first = not mark.exists()
        mark.touch()
        expected = get_scenario(job.scenario).expected(job.version)
        if job == DIES and first:
            os.kill(os.getpid(), signal.SIGKILL)
        if job == HANGS and first:
            threading.Event().wait()  # as a run whose browser spins forever
        if job == BREAKS and first:
            outcome = Outcome(
                job.scenario, job.version, "error", ["the page crashed (its renderer process died)"], None, broke="page"
            )
        elif job == INCONCLUSIVE:
            outcome = Outcome(job.scenario, job.version, "inconclusive", ["no refresh was due"], None)
        else:
            outcome = Outcome(job.scenario, job.version, expected, [f"{expected} as scripted"], None)
        return MatrixResult(job, outcome, expected)

    monkeypatch.setattr(worker, "start", start)
    monkeypatch.setattr(worker, "_judged_run", play)
    return [BREAKS, DIES, INCONCLUSIVE, FINE]


def attempts(results: list[MatrixResult]) -> list[tuple[Job, int, str, bool]]:
    return [(r.job, r.attempt, r.outcome.verdict, r.retried) for r in results]


def test_without_retries_the_runs_hit_are_errors_that_say_what_broke(scripted_workers):
    results = run_matrix(load_config(), scripted_workers, workers=1)  # one at a time: the script is exact
    assert attempts(results) == [
        (BREAKS, 1, "error", False),
        (DIES, 1, "error", False),
        (INCONCLUSIVE, 1, "inconclusive", False),
        (FINE, 1, "lost", False),
    ]
    died = results[1].outcome
    assert died.broke == "worker" and died.reasons == ["the worker process running it died (signal 9)"]


def test_with_retry_errors_the_runs_hit_run_again_and_every_attempt_is_kept(scripted_workers):
    progress = []
    results = run_matrix(
        load_config(),
        scripted_workers,
        workers=1,
        retry_errors=1,
        on_result=lambda done, total, r: progress.append((done, total, r.retried)),
    )
    assert attempts(results) == [
        (BREAKS, 1, "error", True),
        (BREAKS, 2, "survived", False),
        (DIES, 1, "error", True),
        (DIES, 2, "survived", False),
        (INCONCLUSIVE, 1, "inconclusive", False),
        (FINE, 1, "lost", False),
    ]
    assert [r.outcome.broke for r in results if r.retried] == ["page", "worker"]
    assert [r.job for r in final(results)] == scripted_workers
    assert progress[-1] == (4, 4, False) and sum(retried for *_, retried in progress) == 2  # a retry counts once


def test_a_matrix_takes_a_worker_per_core_and_three_per_core_in_webkit_alone(monkeypatch):
    """Runs keep a core busy, except WebKit's, which mostly wait for its network monitor."""
    from clerk_harness.matrix.jobs import most_workers

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    webkit = [Job("offline-reload", "6.0.0", engine="webkit")]
    assert most_workers(webkit) == 6
    assert most_workers(webkit + [Job("offline-reload", "6.0.0")]) == 2
    assert most_workers([Job("offline-reload", "6.0.0", engine="firefox")]) == 2


def test_a_run_that_hangs_is_ended_as_an_error_and_runs_again(scripted_workers):
    """No call of Playwright's has a timeout of its own (a Firefox once spun forever in a tab switch): past
    `run_timeout_s` the run's worker process is killed, the run is an error that says it hung, and the
    matrix goes on (here, under --retry-errors, the run again)."""
    results = run_matrix(load_config(), [HANGS, FINE], workers=1, retry_errors=1, run_timeout_s=1)
    assert attempts(results) == [(HANGS, 1, "error", True), (HANGS, 2, "survived", False), (FINE, 1, "lost", False)]
    hung = results[0].outcome
    assert hung.broke == "worker" and hung.reasons[0].startswith("the run hung (no answer for 1 s"), hung.reasons
    assert "its worker process was ended" in hung.reasons[0]


def test_workers_that_cannot_start_say_why_on_every_run(monkeypatch):
    """A worker process that cannot start (here your app exits at once) fails the pool before any run: each
    run is an error that gives the worker's reason, against the catalogue's verdict for it."""

    def start_app(*_: object) -> None:
        raise HarnessError("the app command 'node server.js' exited (code 1) before answering: Error: boom")

    monkeypatch.setattr(user_app, "start_app", start_app)
    monkeypatch.setattr(driver_env, "playwright_for", lambda *_, **__: None)  # (no driver to start for it)
    app = AppSpec("node server.js", Path.cwd())
    results = run_matrix(load_config(), [FINE, Job("offline-reload", "6.40.0", 0)], workers=1, app=app)
    assert [(r.outcome.verdict, r.expected) for r in results] == [("error", "lost"), ("error", "survived")]
    assert {tuple(r.outcome.reasons) for r in results} == {
        (
            "no worker process could start: the app command 'node server.js' exited (code 1) before answering: "
            "Error: boom",
        )
    }
