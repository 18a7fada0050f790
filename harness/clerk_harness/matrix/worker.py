"""What runs in each of the matrix's worker processes: its fake backend, Playwright and warm browsers,
set up once (`start`), and each job's run (`run_job`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clerk_harness.browser import driver_env
from clerk_harness.browser import guard as browser_guard
from clerk_harness.config import HarnessConfig
from clerk_harness.matrix.job import Job, MatrixResult

if TYPE_CHECKING:
    from multiprocessing import Queue
    from multiprocessing.queues import SimpleQueue

    from clerk_harness.stories.user_app import AppSpec
    from clerk_harness_fake.server import Binding

_worker: dict[str, Any] = {}


def start(
    config: HarnessConfig,
    artifacts: Path | None,
    app: AppSpec | None,
    binding: Binding | None,
    endpoints: Queue[str] | None,
    scratch: str,
    started: SimpleQueue[tuple[int, Job | None]] | None = None,
    webkit_only: bool = False,
) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent ends a worker at once; its browser's guard cleans up
    parent = os.getppid()
    browser_guard.die_with_parent()  # a parent killed outright (SIGKILL) takes its workers with it
    if os.getppid() != parent:  # it died before that took effect
        os._exit(1)

    with _saying_why_it_cannot_start(scratch):
        from dataclasses import replace

        from clerk_harness.config import backend_settings
        from clerk_harness_fake import FakeClerkServer

        if endpoints is not None:  # one remote browser per worker, one run at a time on it
            config = replace(config, browser=replace(config.browser, cdp_endpoints=(endpoints.get(),)))
        _worker["config"] = config
        _worker["artifacts"] = artifacts
        _worker["started"] = started
        settings = backend_settings(config)
        _worker["server"] = (binding.server(settings) if binding else FakeClerkServer(settings)).start()
        # The run removes `scratch` however it ends. WebKit's runs never use Playwright: its driver starts if asked.
        _worker["playwright"] = driver_env.playwright_for(scratch, webkit_only=webkit_only)
        if app is None:  # runs take turns in one warm browser per engine (a user's app: a browser each run)
            _worker["browsers"] = {}
        else:  # one app per worker, stopped with it (its guard sees the worker go)
            from clerk_harness.stories.user_app import start_app

            _worker["app"] = start_app(app, _worker["server"])
        # A worker the pool lets go runs multiprocessing's finalizers before it exits: end what it started.
        # Without this, Playwright's driver was cut off and left its artifacts folder in the temp dir.
        from multiprocessing.util import Finalize

        Finalize(None, _stop_worker, exitpriority=10)


START_FAILED = "worker-start-failed"  # in the run's scratch folder: why a worker process could not start


@contextmanager
def _saying_why_it_cannot_start(scratch: str) -> Iterator[None]:
    """The parent says why no worker could start (its pool only sees them die): the reason's first line."""
    try:
        yield
    except BaseException as error:
        with suppress(OSError):  # (the run's folder gone: the error itself still ends the worker)
            Path(scratch, START_FAILED).write_text(str(error).splitlines()[0] if str(error) else type(error).__name__)
        raise


def start_failure(scratch: str) -> str | None:
    """Why a worker process of this run could not start, if one could not."""
    try:
        return Path(scratch, START_FAILED).read_text()
    except OSError:
        return None


def _stop_worker() -> None:
    """The worker's browser, app, Playwright and fake backend, in that order; each one's failure is left
    to its guard (a browser's or an app's guard ends it when the worker is gone)."""
    for name, stop in (
        ("browsers", lambda x: [warm.close() for warm in x.values()]),
        ("app", lambda x: x.stop()),
        ("playwright", lambda x: x.stop()),
        ("server", lambda x: x.stop()),
    ):
        held = _worker.pop(name, None)
        if held is not None:
            try:
                stop(held)
            except Exception:  # noqa: BLE001 - the worker is exiting; its guards clean up after it
                pass


def run_job(job: Job) -> MatrixResult:
    started = _worker.get("started")
    if started is not None:  # the parent learns which job a worker that dies was running
        started.put((os.getpid(), job))
    try:
        return _judged_run(job)
    finally:
        if started is not None:
            started.put((os.getpid(), None))


def _judged_run(job: Job) -> MatrixResult:
    from clerk_harness.matrix.runner import HeldArtifacts, run_scenario
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
    # `run --keep on-failure`: a light trace, and the artifacts written only for a run not as expected
    every_run = config.artifacts.keep == "always"
    held: list[HeldArtifacts] = []
    keep = True
    try:
        outcome = run_scenario(
            _worker["playwright"],
            config,
            backend,
            job.scenario,
            job.version,
            artifacts=folder,
            app=_worker.get("app"),
            browsers=_warm_browser(job.engine, config),
            full_trace=every_run,
            hold=None if every_run else held,
        )
        result = MatrixResult(
            job, outcome, get_scenario(job.scenario).expected(job.version, config.browser.profile, job.engine)
        )
        keep = not result.as_expected
        return result
    finally:
        for artifacts in held:
            artifacts.settle(keep=keep)


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
