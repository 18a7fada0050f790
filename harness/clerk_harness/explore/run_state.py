"""One explored story in progress (what it has done so far) and which step may come next from there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from clerk_harness.explore.invariant import SessionGuard
from clerk_harness.explore.steps import Step
from clerk_harness.stories.story import Story


@dataclass
class Run:
    """One story in progress."""

    story: Story
    guard: SessionGuard
    steps: list[Step] = field(default_factory=list)
    offline: bool = False
    aged: bool = False  # the token aged during this outage already (once per outage keeps it valid)
    tabs: int = 0
    faults: int = 0
    violation: list[str] = field(default_factory=list)
    symptom: str | None = None  # the loss rule that fired first (see SessionGuard.violations)

    @property
    def ended(self) -> bool:
        return self.guard.ended is not None



def _live(run: Run) -> bool:
    return not run.ended


WHEN: dict[str, Callable[[Run, bool], bool]] = {  # rule -> may it come next? (the run, faults enabled)
    "go_offline": lambda run, faults: not run.offline and _live(run),
    "come_back_online": lambda run, faults: run.offline,
    "let_the_token_age": lambda run, faults: run.offline and not run.aged and _live(run),
    "let_time_pass": lambda run, faults: not run.offline,
    "let_the_token_come_due": lambda run, faults: not run.offline and _live(run),
    "hide_and_show": lambda run, faults: _live(run),
    "focus_the_window": lambda run, faults: _live(run),
    "ask_for_a_token": lambda run, faults: _live(run) and (not run.offline or not run.aged),
    "reload": lambda run, faults: not run.offline and _live(run),
    "call_the_api": lambda run, faults: not run.offline and _live(run),
    "open_a_second_tab": lambda run, faults: not run.offline and _live(run) and run.tabs == 0,
    "sign_out": lambda run, faults: not run.offline and _live(run) and run.faults == 0,
    "revoke_the_session": lambda run, faults: not run.offline and _live(run),
    "the_api_misbehaves": lambda run, faults: faults and not run.offline and _live(run),
    "fault_on_another_route": lambda run, faults: faults and _live(run),
    "an_api_outage": lambda run, faults: faults and _live(run),
    "clear_faults": lambda run, faults: run.faults > 0,
    "hang_then_drop": lambda run, faults: faults and not run.offline and _live(run) and run.faults == 0,
}
RULES = tuple(WHEN)
