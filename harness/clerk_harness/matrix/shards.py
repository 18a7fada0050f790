"""`run --shard I/N`: a stable split of the matrix's jobs over N machines, balanced by recorded durations.

Every shard computes the same split from the same jobs (and the same durations file), whatever order
the jobs come in: the longest job goes to the least loaded shard first, ties broken by the job's name.
Without durations every job counts the same, so the shards differ by at most one job."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from clerk_harness.matrix.jobs import Job, MatrixResult

Durations = dict[tuple[str, str, str], float]  # (scenario, version, engine) -> seconds


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based, as written on the command line
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        try:
            index, count = (int(part) for part in text.split("/"))
        except ValueError:
            raise ValueError(f"--shard takes I/N, e.g. 2/3, not {text!r}") from None
        if not 1 <= index <= count:
            raise ValueError(f"--shard {text}: I must be between 1 and N")
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def pick(self, jobs: list[Job], durations: Durations | None = None) -> list[Job]:
        """This shard's jobs, in the order given."""
        return split(jobs, self.count, durations)[self.index - 1]


def recorded_durations(results: list[MatrixResult]) -> Durations:
    """The median duration of each (scenario, version, engine) in earlier results."""
    by: dict[tuple[str, str, str], list[float]] = {}
    for r in results:
        by.setdefault((r.job.scenario, r.job.version, r.job.engine), []).append(r.outcome.duration_s)
    return {key: statistics.median(values) for key, values in by.items()}


def estimate(job: Job, durations: Durations) -> float:
    """The recorded duration of this job; else of its scenario in its engine on other versions; else of its
    engine's runs; else of any run; else 1."""
    if (job.scenario, job.version, job.engine) in durations:
        return durations[(job.scenario, job.version, job.engine)]
    same_scenario = [
        d for (scenario, _, engine), d in durations.items() if scenario == job.scenario and engine == job.engine
    ]
    same_engine = [d for (_, _, engine), d in durations.items() if engine == job.engine]
    pool = same_scenario or same_engine or list(durations.values())
    return statistics.median(pool) if pool else 1.0


def split(jobs: list[Job], count: int, durations: Durations | None = None) -> list[list[Job]]:
    durations = durations or {}
    cost = {job: estimate(job, durations) for job in jobs}
    loads = [0.0] * count
    shards: list[list[Job]] = [[] for _ in range(count)]
    for job in sorted(set(jobs), key=lambda j: (-cost[j], j.scenario, j.version, j.repeat, j.engine)):
        lightest = min(range(count), key=lambda i: (loads[i], len(shards[i]), i))
        shards[lightest].append(job)
        loads[lightest] += cost[job]
    position = {job: i for i, job in enumerate(jobs)}
    return [sorted(shard, key=position.__getitem__) for shard in shards]
