"""`merge --summary`: the verdict grid in Markdown, for a CI job summary (e.g. $GITHUB_STEP_SUMMARY).

Its first line is the news: a verdict the newest release in the grid changed, else any other
unexpected verdict, broken or missing run, else that everything held."""

from __future__ import annotations

import semantic_version

from clerk_harness.matrix.results import ResultSet

MARK = {"survived": "🟢 survived", "lost": "🔴 lost", "inconclusive": "🟡 inconclusive", "error": "⚫ error"}


def newest(versions: list[str]) -> str | None:
    valid = [v for v in versions if semantic_version.validate(v)]
    return max(valid, key=semantic_version.Version) if valid else None


def headline(results: ResultSet) -> str:
    top = newest(results.versions)
    tag = " (npm latest)" if top is not None and results.aliases.get("latest") == top else ""
    unexpected = [
        r for r in results.final() if not r.as_expected and r.outcome.verdict not in ("error", "inconclusive")
    ]
    changed = list(
        {
            (r.job.scenario, r.job.engine, r.outcome.verdict, r.expected): r for r in unexpected if r.job.version == top
        }.values()
    )  # one line per scenario and engine, however many repeats
    broken = [r for r in results.final() if r.outcome.verdict in ("error", "inconclusive")]
    missing = results.missing()
    if changed:
        pairs = ", ".join(
            f"`{r.job.scenario}`{_in(r.job.engine)} {r.outcome.verdict} (expected {r.expected})" for r in changed
        )
        return f"**clerk-js {top}{tag} changed {len(changed)} verdict(s)**: {pairs}"
    if unexpected:
        pairs = ", ".join(
            f"`{r.job.scenario}` @ {r.job.version}{_in(r.job.engine)} {r.outcome.verdict}" for r in unexpected
        )
        return f"**{len(unexpected)} unexpected verdict(s)** on older releases: {pairs}"
    if broken or missing:
        return (
            f"**{len(broken)} run(s) without a verdict** (error or inconclusive) and {len(missing)} missing; "
            f"every verdict given was as expected"
        )
    return (
        f"All {len(results.final())} verdicts as expected on {len(results.versions)} clerk-js release(s); "
        f"newest: {top}{tag}"
    )


def render_summary(results: ResultSet, report_name: str | None = None) -> str:
    cells: dict[tuple[str, str, str], list[str]] = {}
    for r in results.final():
        mark = MARK[r.outcome.verdict] + ("" if r.as_expected else f" ⚠️ expected {r.expected}")
        cells.setdefault((r.job.scenario, r.job.version, r.job.engine), []).append(mark)
    lines = [headline(results)]
    for engine in results.engines:  # one grid per engine; Chromium alone has no heading
        lines += [""] + ([f"**{engine}**", ""] if results.engines != ["chromium"] else [])
        lines += ["| scenario | " + " | ".join(results.versions) + " |", "|---|" + "---|" * len(results.versions)]
        for scenario in results.scenarios:
            row = ["<br>".join(_collapse(cells.get((scenario, v, engine), ["missing"]))) for v in results.versions]
            lines.append(f"| `{scenario}` | " + " | ".join(row) + " |")
    shards = f" from {len(results.shards)} shard(s)" if results.shards else ""
    total = sum(r.outcome.duration_s for r in results.results)
    retried = results.retried()
    again = f", {len(retried)} of them run again after the infrastructure broke" if retried else ""
    lines += ["", f"{len(results.results)} run(s){shards}{again}, {total:.0f} s of browser time."]
    if retried:
        lines += ["", "Runs the infrastructure broke (run again):", ""]
        lines += [
            f"- `{r.job.scenario}` @ {r.job.where()}, attempt {r.attempt}: {'; '.join(r.outcome.reasons)}"
            for r in retried
        ]
    problems = [r for r in results.final() if not r.as_expected]
    if problems:
        lines += ["", "Runs that did not go as expected:", ""]
        lines += [
            f"- `{r.job.scenario}` @ {r.job.where()}: "
            f"{r.outcome.verdict} (expected {r.expected}): "
            f"{'; '.join(r.outcome.reasons)}"
            for r in problems
        ]
    missing = results.missing()
    if missing:
        lines += [
            "",
            f"{len(missing)} job(s) of the matrix are in no results file: "
            + ", ".join(f"`{j.scenario}` @ {j.where()}" for j in missing[:20])
            + (" ..." if len(missing) > 20 else ""),
        ]
    if report_name:
        lines += ["", f"Every run's timeline and evidence: `{report_name}` in the uploaded artifact."]
    return "\n".join(lines) + "\n"


def _in(engine: str) -> str:
    return f" in {engine}" if engine != "chromium" else ""


def _collapse(marks: list[str]) -> list[str]:
    return [f"{marks[0]} ×{len(marks)}"] if len(marks) > 1 and len(set(marks)) == 1 else marks
