"""`clerk-harness explore`: search for session losses that no catalogue scenario names.

Hypothesis's stateful testing draws stories from the Story vocabulary (clerk_harness.explore.steps): each
example signs in on a fresh, warm browser session and runs up to `steps` steps, whose preconditions keep
the story physical (a reload needs the network, an outage ages the token once). After every step the
invariant (clerk_harness.explore.invariant) is checked; a violation is shrunk by Hypothesis to a minimal story,
which `clerk_harness.explore.findings` replays and writes out. A given seed draws the same stories."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from hypothesis import HealthCheck, Phase, Verbosity, reject, seed, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase
from hypothesis.errors import Flaky
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Playwright

from clerk_harness.browser.warm import WarmBrowser
from clerk_harness.config import HarnessConfig
from clerk_harness.errors import HarnessError
from clerk_harness.explore.causes import is_known
from clerk_harness.explore.invariant import SessionGuard
from clerk_harness.explore.run_state import NEXT, RULES, WITH_ARGUMENTS, Order, Run
from clerk_harness.explore.steps import CLIENT_ANSWERS, FAULTS, FINE, MOVES, OUTAGE_STATUSES, TOKEN_ANSWERS, Step
from clerk_harness.stories.session import HarnessSession
from clerk_harness.stories.story import Story
from clerk_harness.stories.user_app import RunningApp
from clerk_harness_fake.backend import FakeClerk

STEP_KINDS = tuple(MOVES)
FAULT_KINDS = ("clear_faults", "hang_then_drop", *(f"api_outage_{status}" for status in OUTAGE_STATUSES))
TIMES = ("once", "until-cleared")


class SessionLost(AssertionError):
    """The invariant failed after a step: the story, so far, loses the session."""


@dataclass
class Coverage:
    """What the exploration tried, so that "found nothing" says over what."""

    runs: int = 0
    steps: Counter = field(default_factory=Counter)  # by kind (faults as "fault")
    faults_injected: Counter = field(default_factory=Counter)  # (route, answer)
    faults_hit: Counter = field(default_factory=Counter)  # (method path, status)
    legit_ends: Counter = field(default_factory=Counter)  # why sessions ended on purpose
    not_carried_out: int = 0  # runs a step could not be carried out in (discarded, never a loss)
    losses: int = 0  # runs that broke the invariant (shrinking included)
    known_losses: int = 0  # runs that broke it with a story holding a finding already made
    first_loss_at: int | None = None  # the run that first broke it
    longest: int = 0

    def step_kinds(self, faults: bool) -> list[str]:
        kinds = [k for k in STEP_KINDS if faults or k not in FAULT_KINDS]
        return kinds + (["api_misbehaves", "fault"] if faults else [])

    def render(self, faults: bool) -> str:
        kinds = self.step_kinds(faults)
        covered = [k for k in kinds if self.steps[k]]
        lines = [
            f"{self.runs} stories, {sum(self.steps.values())} steps (longest {self.longest}), "
            f"{self.losses} broke the invariant"
            + (f" ({self.known_losses} more as a finding already made)" if self.known_losses else "")
            + f", {self.not_carried_out} discarded (a step could not be "
            f"carried out), {sum(self.legit_ends.values())} ended the session on purpose",
            f"step kinds {len(covered)}/{len(kinds)}: " + ", ".join(f"{k} {self.steps[k]}" for k in kinds),
        ]
        if faults:
            lines.append(
                f"faults {len(self.faults_injected)}/{len(FAULTS) + len(OUTAGE_STATUSES)} kinds injected, "
                f"{sum(self.faults_hit.values())} answered requests: "
                + ", ".join(f"{route} {answer} {n}" for (route, answer), n in sorted(self.faults_injected.items()))
            )
        return "\n".join(lines)


@dataclass
class Exploration:
    version: str
    seed: int
    coverage: Coverage
    minimal: list[Step] | None = None  # the shrunk story that broke the invariant
    reasons: list[str] = field(default_factory=list)
    flaky: str | None = None  # Hypothesis could not make the failure happen again
    symptom: str | None = None  # what the user saw: the loss rule that fired first


class ExplorationStopped(BaseException):
    """The harness's browser, its page or the app died under a story: the exploration stops. A BaseException
    so that Hypothesis does not take it for a failing story and shrink it."""


class Explorer:
    def __init__(
        self,
        playwright: Playwright,
        config: HarnessConfig,
        backend: FakeClerk,
        version: str,
        browsers: WarmBrowser,
        *,
        faults: bool = False,
        steps: int = 8,
        database: Path | None = None,
        skip: tuple[str, ...] = (),
        app: RunningApp | None = None,
        progress: Callable[[str], None] | None = None,
        hang_guard: Callable[[], AbstractContextManager[None]] = nullcontext,
    ) -> None:
        unknown = [name for name in skip if name not in NEXT]
        if unknown:
            raise HarnessError(f"--skip {unknown[0]!r}: not a step; the steps are {', '.join(RULES)}")
        self.skip = frozenset(skip)
        self.app = app  # a user's app: stories drive it on real time, a browser each
        self.playwright, self.config, self.backend, self.version = playwright, config, backend, version
        self.browsers, self.faults, self.steps, self.database = browsers, faults, steps, database
        self.progress = progress or (lambda line: None)
        self.hang_guard = hang_guard  # around each story, from its start to its end (clerk_harness.commands.hang_guard)
        self.coverage = Coverage()
        self.last: Run | None = None
        self.known: list[tuple[list[Step], str | None]] = []  # findings made, as (minimal story, symptom): see is_known

    # --- one story ---------------------------------------------------------------------------------
    def begin(self) -> Run:
        """A story's start: signed in, under its hang guard until `end` (or until it fails to start)."""
        self.backend.reset()
        with ExitStack() as until_it_ends:
            until_it_ends.enter_context(self.hang_guard())
            story = self._signed_in_story()
            run = Run(story, SessionGuard.of(story), until_it_ends=until_it_ends.pop_all())
        self.last = run
        return run

    def _signed_in_story(self) -> Story:
        session = HarnessSession.start(
            self.playwright, self.config, self.backend, self.version, app=self.app, browsers=self.browsers
        )
        try:
            story = Story(session)
            story.sign_in()
        except HarnessError as error:
            session.close()
            self.coverage.not_carried_out += 1
            self.progress(f"could not start a story: {error}")
            reject()
        except BaseException:
            session.close()
            raise
        return story

    def end(self, run: Run) -> None:
        journal = run.story.session.backend.journal.entries(run.guard.journal_start)
        for entry in journal:
            if entry.faulted:
                self.coverage.faults_hit[(f"{entry.method} {entry.path}", entry.status)] += 1
        if run.guard.ended:
            self.coverage.legit_ends[run.guard.ended.split(":")[0]] += 1
        try:
            run.story.session.close()
        finally:
            run.until_it_ends.close()
        self.coverage.runs += 1
        self.coverage.longest = max(self.coverage.longest, len(run.steps))
        outcome = f"LOSS: {'; '.join(run.violation)}" if run.violation else "held"
        self.progress(
            f"story {self.coverage.runs}: {len(run.steps)} step(s) [{', '.join(s.label for s in run.steps)}] "
            f"{outcome} | losses {self.coverage.losses} | step kinds "
            f"{sum(1 for k in self.coverage.step_kinds(self.faults) if self.coverage.steps[k])}/"
            f"{len(self.coverage.step_kinds(self.faults))}"
        )

    def step(self, run: Run, step: Step) -> None:
        run.steps.append(step)
        self.coverage.steps[step.kind] += 1
        if step.kind == "fault":
            self.coverage.faults_injected[step.args[:2]] += 1
        elif step.kind == "api_misbehaves":
            for route, answer in zip(("token", "client"), step.args[:2]):
                if answer != FINE:
                    self.coverage.faults_injected[(route, answer)] += 1
        elif step.kind.startswith("api_outage_"):
            self.coverage.faults_injected[("every route", step.kind.rsplit("_", 1)[1])] += 1
        try:
            run.guard.play(step, len(run.steps))
            self._stop_if_broken(run)
        except (HarnessError, PlaywrightError) as error:  # the harness could not carry it out: not a finding
            self._stop_if_broken(run)
            self.coverage.not_carried_out += 1
            self.progress(f"a step could not be carried out ({step.label}): {str(error).splitlines()[0]}")
            reject()

    def _stop_if_broken(self, run: Run) -> None:
        browser = run.story.session.browser
        if self.app is not None and self.app.exit_code() is not None:
            raise ExplorationStopped(self.app.how_it_exited())
        if browser.notice_breakage() is not None:
            raise ExplorationStopped(browser.what_broke() or browser.broke or "the browser broke")

    def check(self, run: Run) -> None:
        self._stop_if_broken(run)
        reasons = run.guard.violations()
        run.symptom = run.guard.symptom
        if reasons and is_known(run.steps, run.symptom, self.known):
            self.coverage.known_losses += 1  # a loss already found: look for others instead
            run.violation = [f"(known) {reasons[0]}"]
            reject()
        if reasons:
            run.violation = reasons
            self.coverage.losses += 1
            if self.coverage.first_loss_at is None:
                self.coverage.first_loss_at = self.coverage.runs + 1
            raise SessionLost("; ".join(reasons))

    # --- the search ----------------------------------------------------------------------------------
    def explore(self, runs: int, seed_value: int) -> Exploration:
        """Up to `runs` stories (and the shrinking of a violation) drawn from `seed_value`."""
        found = Exploration(self.version, seed_value, self.coverage)
        database = DirectoryBasedExampleDatabase(str(self.database)) if self.database else None
        phases = [Phase.explicit, *([Phase.reuse] if database else []), Phase.generate, Phase.shrink]
        every_check = cast("list[HealthCheck]", list(HealthCheck))  # iterating skips the deprecated ones
        options = settings(
            max_examples=runs,
            stateful_step_count=self.steps,
            deadline=None,
            database=database,
            phases=phases,
            suppress_health_check=every_check,
            report_multiple_bugs=False,
            print_blob=False,
            verbosity=Verbosity.quiet,
        )
        try:
            run_state_machine_as_test(seed(seed_value)(machine_for(self)), settings=options)
        except SessionLost:
            assert self.last is not None  # Hypothesis ran the minimal story last, to report it
            found.minimal, found.reasons, found.symptom = (
                list(self.last.steps),
                list(self.last.violation),
                self.last.symptom,
            )
        except Flaky as error:
            found.flaky = str(error).splitlines()[0]
            if self.last is not None and self.last.violation:
                found.minimal, found.reasons = list(self.last.steps), list(self.last.violation)
                found.symptom = self.last.symptom
        except ExplorationStopped as stopped:  # the state machine's teardown has ended the story's session
            raise HarnessError(
                f"{stopped} in story {self.coverage.runs + 1}: the exploration stops (the story says "
                f"nothing about clerk-js {self.version}); {self.coverage.runs} story(ies) ran before"
            ) from None
        return found


def machine_for(explorer: Explorer) -> type[RuleBasedStateMachine]:
    """The stories as a Hypothesis state machine whose steps drive `explorer`'s browser session."""

    def when(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
        return precondition(lambda self: name not in explorer.skip and NEXT[name].when(self.run, explorer.faults))

    class Stories(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.run = explorer.begin()

        def teardown(self) -> None:
            explorer.end(self.run)

        def _do(self, kind: str, *args: str) -> None:
            explorer.step(self.run, Step(kind, tuple(args)))

        # Faults: as the token comes due, the token route and GET /v1/client each answer in their own way,
        # in one step (so that combinations across them, as #8004's 429 then a failing client refetch, come
        # up often); the other routes one at a time; an outage of them all.
        if explorer.faults and "the_api_misbehaves" not in explorer.skip:

            @initialize(
                answers=st.tuples(st.sampled_from(TOKEN_ANSWERS), st.sampled_from(CLIENT_ANSWERS)),
                times=st.sampled_from(TIMES),
            )
            def the_api_starts_out(self, answers: tuple[str, str], times: str) -> None:
                """With faults, every story begins as the token comes due with the API in a state of its own
                (fine, or failing in some way on the token route and GET /v1/client)."""
                self._do("api_misbehaves", *answers, times)
                self.run.faults = 0 if answers == (FINE, FINE) else 1  # a story may begin with the API fine

        @when("the_api_misbehaves")
        @rule(
            answers=st.tuples(st.sampled_from(TOKEN_ANSWERS), st.sampled_from(CLIENT_ANSWERS)).filter(
                lambda answers: answers != (FINE, FINE)
            ),
            times=st.sampled_from(TIMES),
        )
        def the_api_misbehaves(self, answers: tuple[str, str], times: str) -> None:
            self._do("api_misbehaves", *answers, times)
            NEXT["the_api_misbehaves"].after(self.run)  # the step's faults replace those that stood

        @when("fault_on_another_route")
        @rule(
            fault=st.sampled_from([(r, a) for r, a in FAULTS if r not in ("token", "client")]),
            times=st.sampled_from(TIMES),
        )
        def fault_on_another_route(self, fault: tuple[str, str], times: str) -> None:
            self._do("fault", *fault, times)
            NEXT["fault_on_another_route"].after(self.run)

        @when("an_api_outage")
        @rule(status=st.sampled_from(OUTAGE_STATUSES))
        def an_api_outage(self, status: str) -> None:
            self._do(f"api_outage_{status}")
            NEXT["an_api_outage"].after(self.run)

        @invariant()
        def the_session_holds(self) -> None:
            explorer.check(self.run)

    for kind, order in NEXT.items():  # each plain step of the vocabulary, as a rule
        if kind not in WITH_ARGUMENTS:
            setattr(Stories, kind, when(kind)(rule()(_plain_step(kind, order))))
    return Stories


def _plain_step(kind: str, order: Order) -> Callable[..., None]:
    def step(self: Any) -> None:
        self._do(kind)
        order.after(self.run)

    step.__name__ = step.__qualname__ = kind
    return step
