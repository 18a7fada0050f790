"""Run one scenario on one clerk-js version, judge it, and keep its evidence (and artifacts)."""

from __future__ import annotations

import json
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Playwright

from clerk_harness.browser.launch import screencast_is_cheap
from clerk_harness.browser.warm import WarmBrowser
from clerk_harness.config import HarnessConfig
from clerk_harness.errors import ClerkJsFailed, HarnessError
from clerk_harness.oracle.cookie_events import CookieEvent
from clerk_harness.oracle.evidence import StressProof
from clerk_harness.oracle.verdict import Observations, Outcome, Verdict, judge
from clerk_harness.stories.scenarios import Scenario, get_scenario
from clerk_harness.stories.sdk_app import SdkApp
from clerk_harness.stories.session import HarnessSession
from clerk_harness.stories.story import Story
from clerk_harness.stories.user_app import RunningApp
from clerk_harness_fake.backend import FakeClerk


def run_scenario(
    playwright: Playwright,
    config: HarnessConfig,
    backend: FakeClerk,
    scenario_id: str | Scenario,
    version: str,
    *,
    artifacts: Path | None = None,
    app: RunningApp | None = None,
    browsers: WarmBrowser | None = None,
    full_trace: bool = True,
    hold: list[HeldArtifacts] | None = None,
) -> Outcome:
    """Never raises for a scenario's failure: errors become an Outcome with verdict "error".

    `scenario_id` names a catalogue scenario, or is a Scenario of its own (an explored story's replay).
    With `app` (a user's app, started with `clerk_harness.stories.user_app.start_app`), the story runs against it.
    With `browsers`, the run leases a warm browser instead of launching its own.

    With `artifacts`, that folder receives result.json, timeline.json, journal.json, trace.zip (a
    Playwright trace), screenshot.png and report.html. `full_trace=False` keeps the trace's actions,
    network and console but not its DOM snapshots and screencast, which cost about 0.2 s of CPU a run.
    With `hold` (a list), the artifacts wait for a decision: the run keeps its browser leased, its
    Outcome already names the paths, and a HeldArtifacts is appended whose `settle(keep)` writes or
    discards them and hands the browser back (pytest's "on-failure" keeps them only for a failed test)."""
    scenario = scenario_id if isinstance(scenario_id, Scenario) else get_scenario(scenario_id)
    scenario.check_runnable(with_app=app is not None, engines=[config.browser.engine])
    run = ScenarioRun(playwright, config, backend, scenario, version, app)
    try:
        judgement = run.blame_the_infrastructure(run.tell(browsers, trace=artifacts is not None, full_trace=full_trace))
        outcome = run.outcome(judgement)
        if artifacts is not None:
            run.keep_artifacts(outcome, artifacts, hold)
        return outcome
    finally:  # Ctrl-C, SIGTERM or a crash included: the browser never outlives its run
        run.close()


@dataclass
class Judgement:
    """What a run concluded, before its Outcome is built from it and the run's records."""

    verdict: Verdict
    reasons: list[str]
    proof: StressProof | None = None
    removals: list[CookieEvent] = field(default_factory=list)
    observations: Observations = field(default_factory=Observations)
    error: str | None = None
    broke: str | None = None  # the part of the infrastructure that broke: "page", "browser", "app"


class ScenarioRun:
    """One scenario on one release, in named steps: tell the story, blame the infrastructure where it
    broke, build the Outcome, keep the artifacts, close."""

    def __init__(
        self,
        playwright: Playwright,
        config: HarnessConfig,
        backend: FakeClerk,
        scenario: Scenario,
        version: str,
        app: RunningApp | None,
    ) -> None:
        self.playwright, self.config, self.backend, self.scenario, self.version, self.app = (
            playwright,
            config,
            backend,
            scenario,
            version,
            app,
        )
        self.started = time.monotonic()
        self.journal_start = backend.journal.last_seq
        self.session: HarnessSession | None = None

    def tell(self, browsers: WarmBrowser | None, *, trace: bool, full_trace: bool) -> Judgement:
        """Start the session, tell the story and judge it; whatever goes wrong is a Judgement too."""
        scenario, version, app = self.scenario, self.version, self.app
        story: Story | None = None
        try:
            session = self.session = HarnessSession.start(
                self.playwright,
                self.config,
                self.backend,
                version,
                instance=scenario.instance,
                app=app,
                browsers=browsers,
                session_minter=scenario.session_minter,
                partitioned_cookies=scenario.partitioned_cookies,
                real_focus=scenario.real_focus,
                browser_clock=scenario.browser_clock,
            )
            if trace:
                session.browser.context.tracing.start(
                    screenshots=full_trace and screencast_is_cheap(session.browser),
                    snapshots=full_trace,
                    title=f"{scenario.id} {version}",
                )
            story = Story(session)
            if app is not None:
                story.seen.api_probe = app.spec.probe
            scenario.story(story)
            end = session.app.client_state()
            story.seen.user_at_end, story.seen.status_at_end = end.user_id, end.status
            session.log.mark(f"end: Clerk.status {end.status}, Clerk.user {'set' if end.user_id else 'null'}")
            removals = session.timeline.session_removals()
            proof = story.keeper.hand_over()
            verdict, reasons = judge(proof, removals, story.seen)
            return Judgement(verdict, reasons, proof, removals, story.seen)
        except ClerkJsFailed as error:  # the version under test broke before its story could be judged
            return Judgement(
                "inconclusive",
                [str(error)],
                story.keeper.hand_over() if story is not None else None,
                observations=story.seen if story is not None else Observations(),
            )
        except HarnessError as error:  # InfrastructureBroke: the browser or its page died as the session started
            return Judgement("error", [str(error)], error=str(error), broke=getattr(error, "broke", None))
        except Exception as error:  # noqa: BLE001 - report, never crash a matrix
            first_line = f"{type(error).__name__}: {(str(error).splitlines() or [''])[0]}"
            return Judgement("error", [first_line], error=traceback.format_exc())

    def blame_the_infrastructure(self, judgement: Judgement) -> Judgement:
        """A run whose browser, page or app broke under it says nothing about clerk-js: an `error` naming it."""
        failed = judgement.verdict in ("error", "inconclusive")
        broke, what = _what_broke(
            self.session, self.app, (judgement.error or " ".join(judgement.reasons)) if failed else None
        )
        if broke is None or (judgement.broke is not None and broke != "app"):  # an app that died caused the rest
            return judgement
        why = f"{what}; the run says nothing about clerk-js {self.version}"
        return Judgement(
            "error",
            [why, *judgement.reasons],
            judgement.proof,
            observations=judgement.observations,
            error=judgement.error or why,
            broke=broke,
        )

    def outcome(self, judgement: Judgement) -> Outcome:
        """The Outcome, built once from the judgement and what the run recorded."""
        session, app, config = self.session, self.app, self.config
        observations = judgement.observations
        if app is not None and session is not None and isinstance(session.app, SdkApp):
            observations.app_documents = [d.describe() for d in session.app.documents]
            observations.handshakes = [r for d in session.app.documents for r in d.handshakes]
        journal = [e.to_dict() for e in self.backend.journal.entries(self.journal_start)]
        on_app = {"app": app.spec.command, "clock_mode": app.clock_mode, "topology": app.spec.topology} if app else {}
        recorded = (
            {
                "timeline": session.timeline.render(),
                "visibility_mode": session.browser.visibility_mode,
                "chart": chart_of(session, journal),
                "topology": session.topology,
            }
            if session is not None
            else {}
        )
        return Outcome(
            self.scenario.id,
            self.version,
            judgement.verdict,
            judgement.reasons,
            judgement.proof,
            judgement.removals,
            observations,
            error=judgement.error,
            broke=judgement.broke,
            duration_s=time.monotonic() - self.started,
            profile=config.browser.profile,
            engine=config.browser.engine,
            session_minter=self.backend.session_minter,
            journal=journal,
            **{**recorded, **on_app},
        )

    def keep_artifacts(self, outcome: Outcome, folder: Path, hold: list[HeldArtifacts] | None) -> None:
        """Write the artifacts now, or (with `hold`) keep the browser leased until they are decided on."""
        session = self.session
        full_timeline = session.timeline.render(full=True) if session is not None else None
        expected = self.scenario.expected(self.version, self.config.browser.profile, self.config.browser.engine)
        held = HeldArtifacts(session, outcome, folder, expected, full_timeline)
        self.session = None  # from here on `held.settle` hands the browser back
        if hold is not None and held.session is not None:
            outcome.artifacts.update(held.paths())
            hold.append(held)  # leased on until the decision
        else:
            held.settle(keep=True)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None


def _what_broke(session: HarnessSession | None, app: RunningApp | None, error: str | None) -> tuple[str | None, str]:
    """Which part of the infrastructure broke under the run ("app", "page", "browser"), and a line naming it."""
    if app is not None and app.exit_code() is not None:
        return "app", app.how_it_exited()
    if session is not None and session.browser.notice_breakage(error) is not None:
        return session.browser.broke, session.browser.what_broke() or session.browser.broke or ""
    return None, ""


@dataclass
class HeldArtifacts:
    """A finished run whose artifacts are not written yet, its browser still leased. Writing them (the
    trace's zip above all) costs about 0.1 s and 0.2 s of CPU a run, wasted when nobody will look."""

    session: HarnessSession | None
    outcome: Outcome
    folder: Path
    expected: str
    full_timeline: str | None

    def paths(self) -> dict[str, str]:
        names = {
            "screenshot": "screenshot.png",
            "trace": "trace.zip",
            "report": "report.html",
            **{name: f"{name}.json" for name in ("result", "timeline", "journal")},
        }
        return {name: str(self.folder / file) for name, file in names.items()}

    def settle(self, keep: bool) -> None:
        """Write the artifacts (`keep`) or drop them; then hand the browser back (which ends an unsaved trace)."""
        try:
            if not keep:
                self.outcome.artifacts.clear()
                return
            if self.session is not None:
                _keep_artifacts(self.session, self.outcome, self.folder)
            if self.full_timeline is not None:
                self.folder.mkdir(parents=True, exist_ok=True)
                (self.folder / "timeline.txt").write_text(self.full_timeline)
            _write_results(self.outcome, self.folder, self.expected)
        finally:
            session, self.session = self.session, None
            if session is not None:
                session.close()


def chart_of(session: HarnessSession, journal: list[dict[str, Any]]) -> dict[str, Any]:
    """Everything the HTML report draws, on the harness timeline (seconds since the session started)."""
    timeline = session.timeline
    end = timeline.log.now()
    return {
        "end": end,
        "offline": [(s, e if e is not None else end) for s, e in session.network.periods],
        "hidden": [(s, e if e is not None else end) for s, e in session.visibility.periods],
        "cookie": [e.to_dict() for e in timeline.events if e.name == "__session"],
        "marks": [{"t": t, "label": label} for t, label in timeline.log.marks],
        "requests": [{**e, "t": round(e["at"] - timeline.log.started_wall, 4)} for e in journal],
        "failed_in_browser": [
            {"t": f.t, "method": f.method, "url": f.url.split("?")[0], "failure": f.failure}
            for f in session.network.failed
        ],
        "visibility_events": [
            {"t": e.t, "type": e.type, "trusted": e.trusted, "state": e.state} for e in session.visibility.events
        ],
    }


def _keep_artifacts(session: HarnessSession, outcome: Outcome, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    try:
        session.page.screenshot(path=str(folder / "screenshot.png"), full_page=True)
        outcome.artifacts["screenshot"] = str(folder / "screenshot.png")
    except Exception:  # noqa: BLE001 - a crashed page has nothing to show
        pass
    try:
        session.browser.context.tracing.stop(path=str(folder / "trace.zip"))
        if (folder / "trace.zip").exists():  # WebKit keeps none
            outcome.artifacts["trace"] = str(folder / "trace.zip")
    except Exception:  # noqa: BLE001 - tracing never started (the session failed early)
        pass


def _write_results(outcome: Outcome, folder: Path, expected: str) -> None:
    from clerk_harness.reports.html import write_report

    folder.mkdir(parents=True, exist_ok=True)
    outcome.artifacts.update({name: str(folder / f"{name}.json") for name in ("result", "timeline", "journal")})
    outcome.artifacts["report"] = str(folder / "report.html")
    (folder / "timeline.json").write_text(json.dumps(outcome.chart, indent=2))
    (folder / "journal.json").write_text(json.dumps(outcome.journal, indent=2))
    (folder / "result.json").write_text(json.dumps({**outcome.to_dict(), "expected": expected}, indent=2))
    write_report(
        folder / "report.html", [(outcome, expected)], title=f"{outcome.scenario} on clerk-js {outcome.version}"
    )
