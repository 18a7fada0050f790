"""A loss written up as an issue body for clerk/javascript: what a maintainer needs and nothing of the
harness's internals (`clerk-harness repro SCENARIO --clerk-js V --upstream FILE`).

The steps are the scenario's own story, read from its code and said as a user would do them; the
evidence is the first loss with its stack and the requests the Frontend API answered around it; the
range of releases that lose is the catalogue's, measured with `clerk-harness survey`."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any

from clerk_harness.oracle.verdict import Outcome
from clerk_harness.reports.text import ENGINE_NAMES

REQUESTS_SHOWN = 12


@dataclass(frozen=True)
class ScenarioFacts:
    """What the issue says of the scenario (see clerk_harness.stories.retell.facts_of)."""

    title: str
    reference: str
    lost_on: str  # the range of releases that lose, in this engine
    development: bool  # a development instance (pk_test_)
    minter_forced: bool  # the scenario runs on a Session Minter instance whatever the setting
    steps: tuple[str, ...]
    app_sdk: bool = False  # the loss is the app's SDK server's: clerk-js's release plays no part


def upstream_issue(outcome: Outcome, scenario: ScenarioFacts) -> str:
    """The Markdown body of an issue for a lost run."""
    engine = ENGINE_NAMES.get(outcome.engine, outcome.engine)
    minter = "on" if outcome.session_minter else "off"
    instance = "development (`pk_test_`)" if scenario.development else "production (`pk_live_`)"
    flags = (" --session-minter" if outcome.session_minter and not scenario.minter_forced else "") + (
        f" --browser {outcome.engine}" if outcome.engine != "chromium" else ""
    )
    app = f" --app-cmd {shlex.quote(outcome.app)}" if scenario.app_sdk and outcome.app else ""  # in the app's folder
    lines = [
        f"# {scenario.title}: the session is lost on @clerk/clerk-js {outcome.version}",
        "",
        "## Versions and settings",
        "",
        f"- `@clerk/clerk-js` {outcome.version}, the unmodified bundle from npm, in {engine}",
        (
            f"- The app: `{outcome.app}`, whose Clerk SDK server loses the session; clerk-js's release plays no part"
            if scenario.app_sdk
            else f"- Releases that lose: {_range(scenario.lost_on)} "
            f"(measured over every published release with clerk-session-harness's `survey`)"
        ),
        f"- Instance: {instance}, Session Minter {minter}; related: {scenario.reference}",
        "",
        "## Steps to reproduce",
        "",
        *[f"{i}. {step}" for i, step in enumerate(scenario.steps, 1)],
        "",
        "## Expected",
        "",
        "The user stays signed in: `__session` keeps a token the server accepts, and the app's API answers 200.",
        "",
        "## Actual",
        "",
        *[f"- {reason}" for reason in outcome.reasons],
        "",
    ]
    lines += _first_loss(outcome)
    lines += _requests(outcome.journal)
    if outcome.proof is not None and outcome.proof.describe():
        lines += ["## What the run proved happened", "", "```", outcome.proof.describe(), "```", ""]
    lines += [
        "## Reproduce it",
        "",
        "With no Clerk account and no network (a fake Frontend API, a real browser):",
        "",
        "```",
        "pip install clerk-session-harness && clerk-harness setup",
        f"clerk-harness repro {outcome.scenario} --clerk-js {outcome.version}{flags}{app}",
        "```",
        "",
    ]
    return "\n".join(lines)


def _range(lost_on: str) -> str:
    return {"": "none", "*": "every release from 5.0.0 on"}.get(lost_on, f"`{lost_on}`")


def _first_loss(outcome: Outcome) -> list[str]:
    if outcome.removals:
        first = outcome.removals[0]
        return ["## The first removal of the cookie", "", "```", first.describe(), "```", ""]
    seen = outcome.observations
    said = seen.expired_cookie or (
        f"{seen.token_requests_skewed} token requests in {seen.skewed_for_s} s" if seen.token_requests_skewed else None
    )
    if not said:
        return []
    writes = [line.strip() for line in outcome.timeline.splitlines() if "__session written" in line and " @ " in line]
    lines = ["## The first sign of the loss", "", said, ""]
    if writes:  # who wrote the cookie last, with clerk-js's stack
        lines += ["The last writes of `__session` before it, with their stacks:", "", "```", *writes[-3:], "```", ""]
    return lines


def _requests(journal: list[dict[str, Any]]) -> list[str]:
    """The Frontend API's answers, the token and client routes first (the app's own pages left out)."""
    fapi = [e for e in journal if "/v1/" in e["path"]]
    shown = fapi[-REQUESTS_SHOWN:] if len(fapi) > REQUESTS_SHOWN else fapi
    if not shown:
        return []
    rows = ["| # | request | status | note |", "|---|---|---|---|"]
    for e in shown:
        path = re.sub(r"sess_\w+", "sess_…", e["path"].split("/v1", 1)[-1])
        rows.append(f"| {e['seq']} | `{e['method']} /v1{path}` | {e['status']} | {e.get('note') or ''} |")
    head = (
        f"## The Frontend API's answers (the last {len(shown)} of {len(fapi)})"
        if len(fapi) > len(shown)
        else "## The Frontend API's answers"
    )
    return [head, "", *rows, ""]
