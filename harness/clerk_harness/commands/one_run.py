"""One scenario run from the command line: a fake backend, Playwright with its browser, the user's app
when given, and the run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from clerk_harness.commands.hang_guard import ends_a_hung_run
from clerk_harness.config import HarnessConfig, backend_settings
from clerk_harness.matrix.job import RUN_TIMEOUT_S

if TYPE_CHECKING:
    from clerk_harness.stories.user_app import AppSpec


@contextmanager
def backend_for(config: HarnessConfig, version: str, port: int = 0, binding=None) -> Iterator:
    from clerk_harness_fake.server import Binding

    with (binding or Binding()).server(backend_settings(config, version), port=port) as server:
        yield server


def run_one(
    config: HarnessConfig,
    scenario_id: str,
    spec: str,
    artifacts: Path | Callable[[str, str], Path] | None = None,
    app: AppSpec | None = None,
    binding=None,
    run_timeout_s: float = RUN_TIMEOUT_S,
):
    """The scenario and its Outcome. A run that hangs `run_timeout_s` (from the browser's start to its
    verdict) ends the command (clerk_harness.commands.hang_guard)."""
    from clerk_harness.matrix.runner import run_scenario
    from clerk_harness.releases.setup import ensure_versions, playwright_with_browser
    from clerk_harness.stories.scenarios import get_scenario
    from clerk_harness.stories.user_app import spawn_app

    scenario = get_scenario(scenario_id)
    version = ensure_versions(config, [spec], progress=lambda _: None)[0]
    with ExitStack() as stack, ends_a_hung_run(run_timeout_s):
        server, starting = None, None
        if app is not None:  # the fake first, for the app's environment; the app boots while Playwright starts
            server = stack.enter_context(backend_for(config, version, binding=binding))
            starting = spawn_app(app, server)
            stack.callback(starting.stop)
        playwright = stack.enter_context(playwright_with_browser(config))
        if server is None:  # after the driver started: the fake's key was made on a thread meanwhile
            server = stack.enter_context(backend_for(config, version, binding=binding))
        running = starting.until_ready(server) if starting is not None else None
        folder = artifacts(scenario.id, version) if callable(artifacts) else artifacts
        return scenario, run_scenario(
            playwright, config, server.clerk, scenario.id, version, artifacts=folder, app=running
        )
