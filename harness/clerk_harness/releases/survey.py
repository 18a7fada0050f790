"""Measure a scenario's loss range over published releases: where the loss came, where it went.

The search assumes the releases that lose form one unbroken run (one edge where the bug came, one where
it went); each edge is found by bisection and then confirmed by repeat runs on both of its sides. The
runner is passed in, so the search is plain logic, tested with scripted verdicts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import semantic_version

from clerk_harness.errors import HarnessError
from clerk_harness.releases.bisect import Measurer, Runner, Step, first_flip

SAMPLES = 8  # evenly spaced probes for a loss when both ends survive and the catalogue's guess did not hit


@dataclass(frozen=True)
class Edge:
    kind: str  # "came": the first release that loses; "went": the first release that keeps the session again
    first: str
    last_before: str

    def describe(self) -> str:
        change = "loses the session" if self.kind == "came" else "keeps the session again"
        return f"{self.first} is the first release that {change} (last before it: {self.last_before})"


@dataclass
class SurveyResult:
    scenario: str
    releases: list[str]  # the surveyed releases, oldest first
    catalogue: str  # the catalogue's npm range ("" = none)
    lost_from: str | None  # first losing release (None: no loss, or lost already at the oldest)
    kept_from: str | None  # first release after the losing run that keeps the session (None: lost to the end)
    lost_any: bool
    edges: list[Edge] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    engine: str = "chromium"  # the browser engine the releases were run in

    @property
    def measured(self) -> str:
        """The measured losing releases as an npm range ("" = none)."""
        if not self.lost_any:
            return ""
        parts = ([f">={self.lost_from}"] if self.lost_from else []) + ([f"<{self.kept_from}"] if self.kept_from else [])
        return " ".join(parts) or "*"

    def disagreements(self) -> list[str]:
        """Surveyed releases on which the catalogue's range and the measured one differ."""
        return [v for v in self.releases if in_range(self.catalogue, v) != in_range(self.measured, v)]

    @property
    def agrees(self) -> bool:
        return not self.disagreements()

    @property
    def runs(self) -> int:
        return sum(len(s.verdicts) for s in self.steps)

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "engine": self.engine,
            "from": self.releases[0],
            "to": self.releases[-1],
            "releases": len(self.releases),
            "measured": self.measured or "none",
            "catalogue": self.catalogue or "none",
            "agrees": self.agrees,
            "disagreements": self.disagreements(),
            "edges": [e.__dict__ for e in self.edges],
            "runs": self.runs,
            "steps": [{"version": s.version, "verdicts": s.verdicts} for s in self.steps],
        }


def in_range(spec: str, version: str) -> bool:
    return bool(spec) and semantic_version.NpmSpec(spec).match(semantic_version.Version(version))


def survey(
    run: Runner,
    scenario: str,
    releases: list[str],
    catalogue: str,
    *,
    confirm_runs: int = 2,
    progress: Callable[[Step, str], None] | None = None,
    engine: str = "chromium",
    retry_errors: int = 0,
) -> SurveyResult:
    """Find the losing run of releases in `releases` (oldest first) and confirm its edges."""
    if len(releases) < 2:
        raise HarnessError("a survey needs at least two releases; widen --from/--to")
    measure = Measurer(run, progress=progress, what="the survey", retry_errors=retry_errors)
    oldest, newest = 0, len(releases) - 1
    ends = {measure(releases[oldest], "oldest"), measure(releases[newest], "newest")}
    lost_at = (
        _find_a_loss(measure, releases, catalogue)
        if ends == {"survived"}
        else (oldest if measure.known[releases[oldest]] == "lost" else newest)
    )
    result = SurveyResult(
        scenario, releases, catalogue, None, None, lost_at is not None, steps=measure.steps, engine=engine
    )
    if lost_at is None:
        return result
    if ends == {"lost"}:
        _check_no_hole(measure, releases)
    if measure.known[releases[oldest]] == "survived":
        came = first_flip(measure, releases, oldest, lost_at)
        result.lost_from = releases[came]
        result.edges.append(Edge("came", releases[came], releases[came - 1]))
    if measure.known[releases[newest]] == "survived":
        went = first_flip(measure, releases, lost_at, newest)
        result.kept_from = releases[went]
        result.edges.append(Edge("went", releases[went], releases[went - 1]))
    for edge in result.edges:
        for version in (edge.last_before, edge.first):
            measure(version, f"confirming the edge at {edge.first}", runs=confirm_runs)
    return result


def _check_no_hole(measure: Measurer, releases: list[str]) -> None:
    """Both ends lose: sample between them; a release that keeps the session there breaks the assumption
    of one unbroken losing run, and the survey stops rather than report a wrong range."""
    for index in _samples(len(releases)):
        if measure.verdict(releases[index], "sampling for a release that keeps the session") == "survived":
            raise HarnessError(
                f"clerk-js {releases[index]} keeps the session between two losing ends: the losing "
                f"releases are not one unbroken run; survey narrower spans with --from/--to"
            )


def _samples(count: int) -> list[int]:
    return list(dict.fromkeys(round(k * (count - 1) / (SAMPLES + 1)) for k in range(1, SAMPLES + 1)))


def _find_a_loss(measure: Measurer, releases: list[str], catalogue: str) -> int | None:
    """Both ends survive: probe where the catalogue expects a loss, then evenly spaced releases."""
    predicted = [i for i, v in enumerate(releases) if in_range(catalogue, v)]
    probes = {i: "the catalogue expects a loss" for i in (predicted[-1:] + predicted[len(predicted) // 2 :][:1])}
    for index in _samples(len(releases)):
        probes.setdefault(index, "sampling for a loss")
    for index, why in probes.items():
        if measure.verdict(releases[index], why) == "lost":
            return index
    return None
