"""`run --junit` / `merge --junit`: one JUnit test case per run, for CI systems that read JUnit XML.

A run is a failure when its verdict is not the one the catalogue expects, an error when it could not
give a verdict (error, inconclusive); the text holds the verdict and its reasons, and the properties the
version, verdicts and the paths of the run's artifacts."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from clerk_harness.matrix.jobs import MatrixResult, final

BROKEN = ("error", "inconclusive")


def case_name(result: MatrixResult) -> str:
    name = f"{result.job.scenario}[clerk-js {result.job.version}, {result.job.engine}]"
    return name + (f" (run {result.job.repeat + 1})" if result.job.repeat else "")


def junit_tree(results: list[MatrixResult], suite: str = "clerk-harness") -> ET.ElementTree:
    """One case per job: its last attempt, with `attempts` when the infrastructure broke an earlier one."""
    earlier = {}
    for r in results:
        if r.retried:
            earlier.setdefault(r.job, []).append(r)
    results = final(results)
    failures = sum(1 for r in results if not r.as_expected and r.outcome.verdict not in BROKEN)
    errors = sum(1 for r in results if r.outcome.verdict in BROKEN)
    total = sum(r.outcome.duration_s for r in results)
    root = ET.Element(
        "testsuites",
        name=suite,
        tests=str(len(results)),
        failures=str(failures),
        errors=str(errors),
        time=f"{total:.3f}",
    )
    element = ET.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=str(len(results)),
        failures=str(failures),
        errors=str(errors),
        skipped="0",
        time=f"{total:.3f}",
    )
    for result in results:
        outcome = result.outcome
        case = ET.SubElement(
            element,
            "testcase",
            classname=f"{suite}.{outcome.scenario}",
            name=case_name(result),
            time=f"{outcome.duration_s:.3f}",
        )
        properties = ET.SubElement(case, "properties")
        for name, value in [
            ("scenario", outcome.scenario),
            ("clerk-js", outcome.version),
            ("browser", outcome.engine),
            ("verdict", outcome.verdict),
            ("expected", result.expected),
            *([("attempts", result.attempt)] if result.attempt > 1 else []),
            *((f"artifact:{k}", v) for k, v in sorted(outcome.artifacts.items())),
        ]:
            ET.SubElement(properties, "property", name=name, value=str(value))
        text = "\n".join(
            [
                f"verdict {outcome.verdict}, expected {result.expected}",
                *outcome.reasons,
                *(
                    f"attempt {r.attempt} was run again: {'; '.join(r.outcome.reasons)}"
                    for r in earlier.get(result.job, [])
                ),
                *([outcome.error.strip()] if outcome.error and outcome.verdict == "error" else []),
            ]
        )
        if outcome.verdict in BROKEN:
            ET.SubElement(
                case, "error", message=f"{outcome.verdict}: {'; '.join(outcome.reasons)[:500]}", type=outcome.verdict
            ).text = text
        elif not result.as_expected:
            ET.SubElement(
                case,
                "failure",
                message=f"{outcome.verdict}, expected {result.expected}: {'; '.join(outcome.reasons)[:500]}",
                type="unexpected-verdict",
            ).text = text
        else:
            ET.SubElement(case, "system-out").text = text
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(path: Path, results: list[MatrixResult], suite: str = "clerk-harness") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    junit_tree(results, suite).write(path, encoding="utf-8", xml_declaration=True)
    return path
