"""What `explore` found: the minimal story, replayed to confirm it, kept with its artifacts and written out
as a ready-to-paste scenario and a command that replays it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Playwright

from clerk_harness.browser.warm import WarmBrowser
from clerk_harness.config import HarnessConfig
from clerk_harness.errors import HarnessError
from clerk_harness.explore.invariant import SessionGuard
from clerk_harness.explore.steps import Step
from clerk_harness.oracle.verdict import Outcome
from clerk_harness.stories.scenarios import Scenario
from clerk_harness.stories.story import Story
from clerk_harness.stories.user_app import RunningApp
from clerk_harness_fake.backend import FakeClerk

FORMAT = "clerk-harness-finding/1"


@dataclass
class Finding:
    version: str
    seed: int
    steps: list[Step]
    reasons: list[str]
    faults: bool = False
    found_after: int | None = None  # stories run before the first one that broke the invariant
    replays: list[str] = field(default_factory=list)  # the verdicts of the confirming replays
    folder: Path | None = None

    @property
    def reproduced(self) -> bool:
        return bool(self.replays) and all(verdict == "lost" for verdict in self.replays)

    @property
    def slug(self) -> str:
        return f"explored-{self.version}-seed{self.seed}"

    def scenario_source(self) -> str:
        """The story as a catalogue scenario (clerk_harness.stories.scenarios): set `lost_on` to the range you measure."""
        name = re.sub(r"\W", "_", self.slug.replace("-", "_"))
        title = (
            f"Found by clerk-harness explore on clerk-js {self.version} (seed {self.seed}): {'; '.join(self.reasons)}"
        )
        lines = [
            f"@scenario({json.dumps(self.slug)}, title={json.dumps(title[:200])},",
            f'          reference="clerk-harness explore", lost_on="{self.version}")',
            f"def {name}(story: Story) -> None:",
            "    story.sign_in()",
        ]
        lines += [f"    {line}" for step in self.steps for line in step.code.splitlines()]
        return "\n".join(lines) + "\n"

    def replay_command(self) -> str:
        where = self.folder / "finding.json" if self.folder else Path("finding.json")
        return f"clerk-harness explore --clerk-js {self.version} --replay {where}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": self.version,
            "seed": self.seed,
            "faults": self.faults,
            "reasons": self.reasons,
            "found_after": self.found_after,
            "replays": self.replays,
            "steps": [step.to_dict() for step in self.steps],
        }

    @classmethod
    def read(cls, path: Path) -> Finding:
        try:
            data = json.loads(path.read_text())
            if data.get("format") != FORMAT:
                raise ValueError(f"not {FORMAT}")
            return cls(
                str(data["version"]),
                int(data["seed"]),
                [Step.from_dict(s) for s in data["steps"]],
                list(data.get("reasons", [])),
                bool(data.get("faults")),
                data.get("found_after"),
                folder=path.resolve().parent,
            )
        except FileNotFoundError:
            raise HarnessError(f"{path}: no such finding (explore writes finding.json next to its report)") from None
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise HarnessError(f"{path} is not a finding of `clerk-harness explore`: {error}") from None

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        (folder / "finding.json").write_text(json.dumps(self.to_dict(), indent=2))
        (folder / "scenario.py").write_text(self.scenario_source())
        return folder

    def describe(self) -> str:
        story = "\n".join(f"  {n}. {step.label}" for n, step in enumerate(self.steps, start=1))
        replayed = f"replayed {len(self.replays)} time(s): {', '.join(self.replays)}" + (
            " (deterministic)" if self.reproduced else " (NOT reproduced every time)"
        )
        return (
            f"session loss on clerk-js {self.version} (seed {self.seed}), minimal story of {len(self.steps)} "
            f"step(s) after sign-in:\n{story}\nwhy: {'; '.join(self.reasons)}\n{replayed}"
        )


def replay(
    playwright: Playwright,
    config: HarnessConfig,
    backend: FakeClerk,
    browsers: WarmBrowser | None,
    finding: Finding,
    artifacts: Path | None = None,
    app: RunningApp | None = None,
) -> Outcome:
    """Run the finding's story once, judged by the oracle; it stops at the first step that breaks the
    invariant, as the exploration did (so the end state shows the loss)."""
    from clerk_harness.matrix.runner import run_scenario

    def story(story: Story) -> None:
        story.sign_in()
        guard = SessionGuard.of(story)
        for number, step in enumerate(finding.steps, start=1):
            guard.play(step, number)
            if guard.violations():
                return

    scenario = Scenario(
        finding.slug,
        f"explored story, seed {finding.seed}",
        "clerk-harness explore",
        lost_on=finding.version,
        story=story,
    )
    backend.reset()
    return run_scenario(
        playwright,
        config,
        backend,
        scenario,
        finding.version,
        artifacts=artifacts,
        browsers=browsers,
        full_trace=False,
        app=app,
    )


CONFIRMING_REPLAYS = 2


def confirm(
    playwright: Playwright,
    config: HarnessConfig,
    backend: FakeClerk,
    browsers: WarmBrowser | None,
    finding: Finding,
    folder: Path,
    replays: int = CONFIRMING_REPLAYS,
    app: RunningApp | None = None,
) -> Finding:
    """Replay the minimal story (the first replay keeps its artifacts in `folder`) and write the finding
    there: finding.json, scenario.py, and the replay's report, trace, timeline and journal."""
    for number in range(replays):
        outcome = replay(
            playwright, config, backend, browsers, finding, artifacts=folder if number == 0 else None, app=app
        )
        finding.replays.append(outcome.verdict)
    finding.write(folder)
    return finding
