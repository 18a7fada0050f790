"""A results file: what `run --json` writes and `clerk-harness merge` reads back.

Shards of one matrix run on many machines; each writes its results with the matrix it belongs to
(scenarios, versions, repeats), so that merging them gives the grid of one unsharded run and says
which jobs no file holds."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clerk_harness.errors import HarnessError
from clerk_harness.matrix.jobs import Job, MatrixResult, final

FORMAT = "clerk-harness-results/1"


def runs_in(scenario_id: str, engine: str) -> bool:
    """False for a catalogue scenario that cannot run in `engine` yet (its reason: `clerk-harness list`, and
    asking for it there alone): a grid of several engines leaves that cell out rather than fail it."""
    from clerk_harness.stories.scenarios import CATALOGUE

    scenario = CATALOGUE.get(scenario_id)
    return scenario is None or engine not in dict(scenario.not_in)


@dataclass
class ResultSet:
    results: list[MatrixResult]
    scenarios: list[str]
    versions: list[str]
    repeat: int = 1
    aliases: dict[str, str] = field(default_factory=dict)  # what a spec resolved to: {"latest": "6.41.0"}
    shards: list[str] = field(default_factory=list)  # "2/3" for each shard file merged; empty when unsharded
    engines: list[str] = field(default_factory=lambda: ["chromium"])  # the browser axis: a grid per engine
    plan: list[Job] | None = None  # merged files: the union of each file's own matrix

    def planned(self) -> list[Job]:
        """Every job of the whole matrix, in `run`'s order."""
        if self.plan is not None:
            return self.plan
        return [
            Job(s, v, r, e)
            for e in self.engines
            for r in range(self.repeat)
            for s in self.scenarios
            for v in self.versions
            if runs_in(s, e)
        ]

    def missing(self) -> list[Job]:
        done = {r.job for r in self.results}
        return [job for job in self.planned() if job not in done]

    def ordered(self) -> list[MatrixResult]:
        """Every attempt, in `run`'s order (a retried run's attempts one after the other)."""
        order = {job: i for i, job in enumerate(self.planned())}
        return sorted(self.results, key=lambda r: (order.get(r.job, len(order)), r.attempt))

    def final(self) -> list[MatrixResult]:
        """Each job's last attempt, in `run`'s order: what the grid, the verdict and the exit code go by."""
        return final(self.ordered())

    def retried(self) -> list[MatrixResult]:
        """The attempts the infrastructure broke and `--retry-errors` ran again."""
        return [r for r in self.ordered() if r.retried]

    def to_dict(self, shard: str | None = None) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "scenarios": self.scenarios,
            "versions": self.versions,
            "repeat": self.repeat,
            "engines": self.engines,
            "aliases": self.aliases,
            "shard": shard,
            "results": [r.to_dict() for r in self.ordered()],
        }

    def write(self, path: Path, shard: str | None = None) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(shard), indent=2))
        return path


def read_results(path: Path) -> ResultSet:
    """One file of `run --json` (a bare list, as before the format was versioned, is read too)."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise HarnessError(f"{path}: no such results file") from None
    except (OSError, ValueError) as error:
        raise HarnessError(f"{path} is not a results file of `clerk-harness run --json`: {error}") from None
    if isinstance(data, list):
        data = {"format": FORMAT, "results": data}
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("results"), list):
        raise HarnessError(f"{path} is not a results file of `clerk-harness run --json` (format {FORMAT})")
    try:
        results = [MatrixResult.from_dict(item) for item in data["results"]]
    except (KeyError, TypeError, ValueError) as error:
        raise HarnessError(f"{path}: a result is malformed ({error!r})") from None
    scenarios = data.get("scenarios") or list(dict.fromkeys(r.job.scenario for r in results))
    versions = data.get("versions") or list(dict.fromkeys(r.job.version for r in results))
    repeat = int(data.get("repeat") or max([r.job.repeat + 1 for r in results], default=1))
    engines = data.get("engines") or list(dict.fromkeys(r.job.engine for r in results)) or ["chromium"]
    shard = data.get("shard")
    return ResultSet(
        results,
        list(scenarios),
        list(versions),
        repeat,
        dict(data.get("aliases") or {}),
        [shard] if shard else [],
        list(engines),
    )


def merge_results(paths: list[Path]) -> ResultSet:
    """Results files as one: the shards of one matrix, or independent runs (a Chromium run with `--repeat 3`
    and a Firefox run); the matrix is the union of what each file ran, and no job may be in two files."""
    if not paths:
        raise HarnessError("give at least one results file of `clerk-harness run --json`")
    merged: ResultSet | None = None
    seen: dict[Job, Path] = {}
    plan: dict[Job, None] = {}
    for path in paths:
        part = read_results(path)
        plan.update(dict.fromkeys(part.planned()))
        for result in final(part.results):
            if result.job in seen:
                raise HarnessError(
                    f"{_name(result.job)} is in both {seen[result.job]} and {path}: give each shard's file once"
                )
            seen[result.job] = path
        if merged is None:
            merged = part
            continue
        for spec, version in part.aliases.items():
            if merged.aliases.setdefault(spec, version) != version:
                raise HarnessError(
                    f"the shards resolved {spec!r} differently ({merged.aliases[spec]} and {version} "
                    f"in {path}): resolve it once and give every shard the exact version"
                )
        merged.results += part.results
        merged.scenarios += [s for s in part.scenarios if s not in merged.scenarios]
        merged.versions += [v for v in part.versions if v not in merged.versions]
        merged.engines += [e for e in part.engines if e not in merged.engines]
        merged.repeat = max(merged.repeat, part.repeat)
        merged.shards += part.shards
    assert merged is not None
    merged.plan = list(plan)
    return merged


def _name(job: Job) -> str:
    return job.describe()
