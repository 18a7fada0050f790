"""Run one scenario on one clerk-js version and judge it."""

from __future__ import annotations

import time
import traceback

from playwright.sync_api import Playwright

from fake_backend.backend import FakeClerk
from harness.config import HarnessConfig
from harness.errors import HarnessError
from harness.scenarios import get_scenario
from harness.session import HarnessSession
from harness.story import Story
from harness.verdict import Outcome, judge


def run_scenario(playwright: Playwright, config: HarnessConfig, backend: FakeClerk, scenario_id: str,
                 version: str) -> Outcome:
    scenario = get_scenario(scenario_id)
    started = time.monotonic()
    journal_start = backend.journal.last_seq
    session: HarnessSession | None = None
    try:
        session = HarnessSession.start(playwright, config, backend, version, instance=scenario.instance)
        story = Story(session)
        scenario.story(story)
        end = session.app.client_state()
        story.seen.user_at_end, story.seen.status_at_end = end.user_id, end.status
        session.timeline.mark(f"end: Clerk.status {end.status}, Clerk.user {'set' if end.user_id else 'null'}")
        removals = session.timeline.removals("__session")
        verdict, reasons = judge(story.proof, removals, story.seen)
        outcome = Outcome(scenario.id, version, verdict, reasons, story.proof, removals, story.seen,
                          session.browser.visibility_mode)
    except HarnessError as error:
        outcome = Outcome(scenario.id, version, "error", [str(error)], None, error=str(error))
    except Exception as error:  # noqa: BLE001 - report, never crash a matrix
        outcome = Outcome(scenario.id, version, "error", [f"{type(error).__name__}: {str(error).splitlines()[0]}"],
                          None, error=traceback.format_exc())
    finally:
        if session is not None:
            outcome_timeline = session.timeline.render()
            session.close()
    outcome.duration_s = time.monotonic() - started
    if session is not None:
        outcome.timeline = outcome_timeline
        outcome.visibility_mode = session.browser.visibility_mode
    outcome.journal = [e.to_dict() for e in backend.journal.entries(journal_start)]
    return outcome
