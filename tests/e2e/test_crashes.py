"""A crash is one run's error: when the harness's own browser breaks under a run (its page's renderer
dies), that run is an `error` that says so, never a verdict about clerk-js, its clean-up raises nothing,
and the next run on the same warm browser gets a working one."""

from __future__ import annotations

import pytest

from clerk_harness.matrix.runner import run_scenario
from clerk_harness.stories.scenarios import Scenario, get_scenario
from clerk_harness.stories.story import Story

pytestmark = pytest.mark.e2e


def crash_the_page_then_reload(story: Story) -> None:
    story.sign_in()
    try:  # the renderer dies, as one the kernel kills when memory runs out
        story.page.goto("chrome://crash", timeout=5_000)
    except Exception:  # noqa: BLE001 - the navigation fails with the page
        pass
    story.reload()


CRASH = Scenario("renderer-crash", "The page's renderer dies mid-story", "issue 27", "", crash_the_page_then_reload)


@pytest.mark.clerk_js("6.40.0")
def test_a_crashed_page_is_that_runs_error_and_the_next_run_is_fine(playwright, harness_config, fake_clerk,
                                                                  clerk_js_version, clerk_warm_browser):
    crashed = run_scenario(playwright, harness_config, fake_clerk, CRASH, clerk_js_version,
                           browsers=clerk_warm_browser)
    assert crashed.verdict == "error", crashed.reasons
    assert "the page crashed" in crashed.reasons[0] and "says nothing about clerk-js" in crashed.reasons[0]
    after = run_scenario(playwright, harness_config, fake_clerk, "offline-reload", clerk_js_version,
                         browsers=clerk_warm_browser)
    assert after.verdict == get_scenario("offline-reload").expected(clerk_js_version) == "survived", after.reasons
