"""A job of the matrix (one scenario, release, repeat and engine) and its result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clerk_harness.oracle.verdict import Outcome

__all__ = ["RUN_TIMEOUT_S", "Job", "MatrixResult", "final", "hung_run"]

RUN_TIMEOUT_S = 300.0  # a run takes seconds; one that takes minutes waits on a browser that no longer answers


def hung_run(seconds: float) -> str:
    """What a run that hung is told as, in `run` and in the commands that tell their stories in-process."""
    return f"the run hung (no answer for {seconds:g} s from the browser, the app or Playwright's driver)"


@dataclass(frozen=True, order=True)
class Job:
    scenario: str
    version: str
    repeat: int = 0
    engine: str = "chromium"

    def where(self) -> str:
        """`6.0.0`, with the engine when it is not the default and the run when repeated."""
        return (
            self.version
            + (f" in {self.engine}" if self.engine != "chromium" else "")
            + (f" (run {self.repeat + 1})" if self.repeat else "")
        )

    def describe(self) -> str:
        """`offline-reload @ 6.0.0 in firefox (run 2)`."""
        return f"{self.scenario} @ {self.where()}"


@dataclass
class MatrixResult:
    job: Job
    outcome: Outcome
    expected: str
    attempt: int = 1  # 2 and up: a retry of a run the infrastructure broke (`run --retry-errors`)
    retried: bool = False  # this attempt broke and was run again: the job's verdict is a later attempt's

    @property
    def as_expected(self) -> bool:
        return self.outcome.verdict == self.expected

    def to_dict(self) -> dict[str, Any]:
        data = self.outcome.to_dict()
        proof = self.outcome.proof.describe() if self.outcome.proof else ""
        data.update(
            {
                "expected": self.expected,
                "as_expected": self.as_expected,
                "repeat": self.job.repeat,
                "attempt": self.attempt,
                "retried": self.retried,
                "evidence_summary": "; ".join([*self.outcome.reasons, *proof.splitlines()]),
            }
        )
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MatrixResult:
        outcome = Outcome.from_dict(data)
        return cls(
            Job(outcome.scenario, outcome.version, int(data.get("repeat", 0)), outcome.engine),
            outcome,
            data["expected"],
            int(data.get("attempt", 1)),
            bool(data.get("retried", False)),
        )


def final(results: list[MatrixResult]) -> list[MatrixResult]:
    """Each job's last attempt: what its verdict, the grid and the exit code go by."""
    return [r for r in results if not r.retried]
