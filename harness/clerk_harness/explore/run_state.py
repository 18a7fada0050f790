"""One explored story in progress (what it has done so far) and which step may come next from there."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

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
    until_it_ends: ExitStack = field(default_factory=ExitStack)  # the story's hang guard, closed as it ends

    @property
    def ended(self) -> bool:
        return self.guard.ended is not None


def _live(run: Run) -> bool:
    return not run.ended


def _set(**changes: Any) -> Callable[[Run], None]:
    def after(run: Run) -> None:
        for name, value in changes.items():
            setattr(run, name, value)

    return after


def _one_more(name: str) -> Callable[[Run], None]:
    def after(run: Run) -> None:
        setattr(run, name, getattr(run, name) + 1)

    return after


def _nothing(run: Run) -> None:
    pass


@dataclass(frozen=True)
class Order:
    """Where a step may come in a story: `when` it may come next (the run, faults enabled), and what it
    changes in the run (`after`)."""

    when: Callable[[Run, bool], bool]
    after: Callable[[Run], None] = _nothing


# Each step of the vocabulary once (the steps that draw arguments, the faults, after the plain ones).
NEXT: dict[str, Order] = {
    "go_offline": Order(lambda run, faults: not run.offline and _live(run), _set(offline=True, aged=False)),
    "come_back_online": Order(lambda run, faults: run.offline, _set(offline=False)),
    "let_the_token_age": Order(lambda run, faults: run.offline and not run.aged and _live(run), _set(aged=True)),
    "let_time_pass": Order(lambda run, faults: not run.offline),
    "let_the_token_come_due": Order(lambda run, faults: not run.offline and _live(run)),
    "hide_and_show": Order(lambda run, faults: _live(run)),
    "focus_the_window": Order(lambda run, faults: _live(run)),
    "ask_for_a_token": Order(lambda run, faults: _live(run) and (not run.offline or not run.aged)),
    "reload": Order(lambda run, faults: not run.offline and _live(run)),
    "call_the_api": Order(lambda run, faults: not run.offline and _live(run)),
    "open_a_second_tab": Order(lambda run, faults: not run.offline and _live(run) and run.tabs == 0, _one_more("tabs")),
    "sign_out": Order(lambda run, faults: not run.offline and _live(run) and run.faults == 0),
    "revoke_the_session": Order(lambda run, faults: not run.offline and _live(run)),
    "clear_faults": Order(lambda run, faults: run.faults > 0, _set(faults=0)),
    "hang_then_drop": Order(lambda run, faults: faults and not run.offline and _live(run) and run.faults == 0),
    "the_api_misbehaves": Order(lambda run, faults: faults and not run.offline and _live(run), _set(faults=1)),
    "fault_on_another_route": Order(lambda run, faults: faults and _live(run), _one_more("faults")),
    "an_api_outage": Order(lambda run, faults: faults and _live(run), _one_more("faults")),
}
RULES = tuple(NEXT)
WITH_ARGUMENTS = ("the_api_misbehaves", "fault_on_another_route", "an_api_outage")  # drawn by hand-made rules
