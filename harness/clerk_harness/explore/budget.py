"""An exploration's budget: a number of stories, or batches of stories until a number of minutes has
passed, one Hypothesis seed after another."""

from __future__ import annotations

import time

from clerk_harness.explore.search import Exploration, Explorer


def explore_for(
    explorer: Explorer,
    *,
    runs: int | None,
    minutes: float | None,
    first_seed: int,
    keep_going: bool = False,
    batch: int = 25,
) -> list[Exploration]:
    """`runs` stories, or batches of `batch` stories until `minutes` have passed (seeds first_seed,
    first_seed + 1, ...). Stops at the first finding unless `keep_going`: then each finding becomes known
    (a losing story that holds its cause, see `cause`, and loses the session the same way, is discarded)
    and the search goes on for different ones."""
    deadline = time.monotonic() + (minutes or 0) * 60
    findings: list[Exploration] = []
    current = first_seed
    while True:
        left = (runs - explorer.coverage.runs) if runs is not None else batch
        tried = explorer.coverage.runs + explorer.coverage.not_carried_out
        if left <= 0:
            break
        found = explorer.explore(left, current)
        if found.minimal is not None:
            findings.append(found)
            explorer.known.append((found.minimal, found.symptom))
            if not keep_going:
                break
        if minutes is not None and time.monotonic() >= deadline:
            break
        if explorer.coverage.runs + explorer.coverage.not_carried_out == tried:
            break  # no story could even start: nothing more to learn from new seeds
        current += 1  # Hypothesis ran out of new stories for this seed, or a finding became known
    return findings
