"""Find the clerk-js release where a scenario's verdict flips, by binary search over npm releases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from clerk_harness.errors import HarnessError
from clerk_harness.oracle.verdict import Outcome
from clerk_harness.releases.published import releases_between

Runner = Callable[[str], Outcome]


@dataclass
class Step:
    version: str
    verdicts: list[str]

    @property
    def verdict(self) -> str:
        return self.verdicts[0]


@dataclass
class BisectResult:
    first_flipped: str  # the first release (from the older end) whose verdict is the newer end's
    last_before: str
    older_verdict: str
    newer_verdict: str
    candidates: int
    steps: list[Step] = field(default_factory=list)

    @property
    def runs(self) -> int:
        return sum(len(s.verdicts) for s in self.steps)


class Measurer:
    """Runs a version (`runs_per_step` times), records the step, and refuses to guess: a step whose runs
    disagree, or that is neither survived nor lost, stops the search with a HarnessError."""

    def __init__(
        self,
        run: Runner,
        runs_per_step: int = 1,
        progress: Callable[[Step, str], None] | None = None,
        what: str = "the bisect",
        retry_errors: int = 0,
    ) -> None:
        self.run, self.runs_per_step, self.progress, self.what = run, runs_per_step, progress, what
        self.retry_errors = retry_errors  # a run the infrastructure broke runs again up to this many times
        self.retried: list[Outcome] = []  # the attempts that broke and were run again
        self.steps: list[Step] = []
        self.known: dict[str, str] = {}

    def _run_once(self, version: str) -> Outcome:
        """One run of `version`; one the harness's browser, page or app broke is run again while retries last."""
        outcome = self.run(version)
        for _ in range(self.retry_errors):
            if outcome.broke is None:
                break
            self.retried.append(outcome)
            outcome = self.run(version)
        return outcome

    def __call__(self, version: str, why: str, *, runs: int | None = None) -> str:
        outcomes = [self._run_once(version) for _ in range(runs or self.runs_per_step)]
        verdicts = [o.verdict for o in outcomes]
        step = Step(version, verdicts)
        self.steps.append(step)
        if self.progress is not None:
            self.progress(step, why)
        seen = set(verdicts) | ({self.known[version]} if version in self.known else set())
        if len(seen) > 1:
            raise HarnessError(
                f"clerk-js {version} gave different verdicts across runs "
                f"({', '.join(sorted(seen))}): flaky, so {self.what} stops instead of guessing"
            )
        broken = next((o for o in outcomes if o.broke is not None), None)
        if broken is not None:  # the infrastructure, not clerk-js: no step of the search may rest on it
            raise HarnessError(
                f"clerk-js {version}: {broken.reasons[0]}; {self.what} stops (`--retry-errors N` "
                f"runs such a step again)"
            )
        if step.verdict not in ("survived", "lost"):
            reason = "; ".join(outcomes[0].reasons)[:300]
            raise HarnessError(
                f"clerk-js {version} was {step.verdict} ({reason}): {self.what} stops instead of "
                f"guessing (see `clerk-harness repro SCENARIO --clerk-js {version}`)"
            )
        self.known[version] = step.verdict
        return step.verdict

    def verdict(self, version: str, why: str) -> str:
        """The known verdict, measured only the first time."""
        return self.known[version] if version in self.known else self(version, why)

    @property
    def runs(self) -> int:
        return sum(len(s.verdicts) for s in self.steps)


def first_flip(measure: Measurer, releases: list[str], lo: int, hi: int) -> int:
    """Index of the first release after `lo` whose verdict differs from `releases[lo]`'s, given that
    `releases[hi]`'s differs (binary search: one flip between them is assumed)."""
    low_verdict = measure.verdict(releases[lo], "")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if measure.verdict(releases[mid], f"{hi - lo - 1} candidate(s) left") == low_verdict:
            lo = mid
        else:
            hi = mid
    return hi


def bisect(
    run: Runner,
    good: str,
    bad: str,
    *,
    runs_per_step: int = 1,
    available: list[str] | None = None,
    progress: Callable[[Step, str], None] | None = None,
    retry_errors: int = 0,
) -> BisectResult:
    """`good` must survive and `bad` must lose; returns the first release on the other side of the older end.

    A step that is inconclusive, errors, or gives different verdicts across its runs stops the bisect."""
    releases = releases_between(good, bad, available)
    if len(releases) < 2:
        raise HarnessError("give two different versions")
    measure = Measurer(run, runs_per_step, progress, retry_errors=retry_errors)
    older, newer = releases[0], releases[-1]
    expected = {good: "survived", bad: "lost"}
    older_verdict, newer_verdict = measure(older, "older end"), measure(newer, "newer end")
    for end, verdict in ((older, older_verdict), (newer, newer_verdict)):
        if verdict != expected[end]:
            label = "good" if expected[end] == "survived" else "bad"
            raise HarnessError(
                f"the {label} end clerk-js {end} {verdict} (a {label} version should "
                f"{'survive' if label == 'good' else 'lose the session'}); nothing to bisect"
            )
    hi = first_flip(measure, releases, 0, len(releases) - 1)
    return BisectResult(releases[hi], releases[hi - 1], older_verdict, newer_verdict, len(releases), measure.steps)
