"""Browser harness: drives the real clerk-js bundle against the fake backend and judges session loss.

The rooms (see docs/architecture.md):
- `browser/`: launching Chromium or Firefox, the guard, the warm browser, the network, visibility,
  the virtual clock and the page-side instruments;
- `stories/`: the Story vocabulary, the scenario catalogue, a session, the app drivers, a user's app;
- `oracle/`: the cookie timeline, the proof of stress, the evidence and the verdict;
- `releases/`: clerk-js bundles, published releases, bisect, survey, set-up;
- `matrix/`: one run, the matrix and its shards, results files, JUnit and the job summary;
- `explore/`: the search for session losses nobody named;
- `reports/`: the text and HTML reports;
- `commands/`: one module per command (or close family) of `clerk-harness`.

The names below are the public surface: what the pytest plugin and a user's own code import. They are
loaded when first used, so that importing this package (or its config) stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers and IDEs read; at run time `__getattr__` loads each on first use
    from clerk_harness.browser.cookie_timeline import CookieTimeline
    from clerk_harness.browser.warm import WarmBrowser
    from clerk_harness.config import HarnessConfig, load_config
    from clerk_harness.errors import HarnessError
    from clerk_harness.matrix.runner import run_scenario
    from clerk_harness.oracle.verdict import Outcome
    from clerk_harness.stories.scenarios import CATALOGUE, Scenario, expected_verdict, get_scenario, scenario
    from clerk_harness.stories.session import HarnessSession
    from clerk_harness.stories.story import Story

_PUBLIC = {
    "HarnessConfig": "clerk_harness.config",
    "load_config": "clerk_harness.config",
    "HarnessError": "clerk_harness.errors",
    "run_scenario": "clerk_harness.matrix.runner",
    "CATALOGUE": "clerk_harness.stories.scenarios",
    "Scenario": "clerk_harness.stories.scenarios",
    "get_scenario": "clerk_harness.stories.scenarios",
    "expected_verdict": "clerk_harness.stories.scenarios",
    "scenario": "clerk_harness.stories.scenarios",
    "Story": "clerk_harness.stories.story",
    "HarnessSession": "clerk_harness.stories.session",
    "Outcome": "clerk_harness.oracle.verdict",
    "CookieTimeline": "clerk_harness.browser.cookie_timeline",
    "WarmBrowser": "clerk_harness.browser.warm",
}
__all__ = [
    "CATALOGUE",
    "CookieTimeline",
    "HarnessConfig",
    "HarnessError",
    "HarnessSession",
    "Outcome",
    "Scenario",
    "Story",
    "WarmBrowser",
    "expected_verdict",
    "get_scenario",
    "load_config",
    "run_scenario",
    "scenario",
]


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'clerk_harness' has no attribute {name!r}")
    return getattr(import_module(_PUBLIC[name]), name)
