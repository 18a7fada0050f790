"""`make bench` asks each engine only for the scenarios it can run on the built-in page (it stopped at
`itp-week-away`, WebKit's, in Chromium)."""

from __future__ import annotations

import pytest

from benchmarks.bench import built_in_scenarios
from clerk_harness.stories.scenarios import get_scenario


@pytest.mark.parametrize("engine", ["chromium", "firefox"])
def test_the_bench_runs_in_each_engine_what_that_engine_runs(engine):
    scenarios = built_in_scenarios(engine)
    for scenario in scenarios:
        get_scenario(scenario).check_runnable(with_app=False, engines=[engine])
    assert "offline-reload" in scenarios and "itp-week-away" not in scenarios
