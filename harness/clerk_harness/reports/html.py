"""A self-contained HTML report (one file, no network): a verdict grid (scenarios × versions) and, per
run, a timeline chart of the session — online/offline and visible/hidden bands, the `__session` cookie with each write and
removal, the fake FAPI's requests with their status and injected faults — and the evidence."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from clerk_harness.oracle.verdict import Outcome
from clerk_harness.reports.text import ENGINE_NAMES, observed

WIDTH, LEFT, ROW = 960, 110, 30
ROWS = ("network", "visibility", "__session", "requests", "steps")
COLORS = {"survived": "#1a7f37", "lost": "#cf222e", "inconclusive": "#9a6700", "error": "#6e7781"}

CSS = """
body { font: 14px/1.45 system-ui, sans-serif; color: #1f2328; margin: 24px auto; max-width: 1020px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 36px; border-top: 1px solid #d0d7de; padding-top: 16px; }
table { border-collapse: collapse; margin: 8px 0; } td, th { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; }
.badge { display: inline-block; color: white; border-radius: 4px; padding: 1px 8px; font-weight: 600; }
.unexpected { outline: 3px solid #cf222e; } .muted { color: #656d76; }
.grid td { white-space: nowrap; } .grid th { white-space: nowrap; }
a.cell { display: inline-block; color: white; border-radius: 4px; padding: 1px 6px; margin: 1px; font-size: 12px;
  text-decoration: none; font-weight: 600; } a.cell.unexpected { outline-offset: 1px; }
pre { background: #f6f8fa; padding: 8px; overflow-x: auto; font-size: 12px; }
svg text { font: 11px system-ui, sans-serif; fill: #1f2328; }
"""


def badge(verdict: str) -> str:
    return f'<span class="badge" style="background:{COLORS[verdict]}">{verdict.upper()}</span>'


def _x(t: float, end: float) -> float:
    return LEFT + (WIDTH - LEFT - 10) * (t / end if end > 0 else 0)


def _cookie_bands(events: list[dict[str, Any]], end: float) -> list[tuple[float, float]]:
    bands, since = [], None
    for event in sorted(events, key=lambda e: e["t"]):
        if event["action"] == "write" and since is None:
            since = event["t"]
        elif event["action"] == "remove" and since is not None:
            bands.append((since, event["t"]))
            since = None
    if since is not None:
        bands.append((since, end))
    return bands


def chart_svg(chart: dict[str, Any]) -> str:
    end = max(float(chart.get("end") or 0), 0.001)
    height = ROW * len(ROWS) + 30
    parts = [f'<svg width="{WIDTH}" height="{height}" role="img" aria-label="session timeline">']
    for i, name in enumerate(ROWS):
        y = 20 + i * ROW
        parts.append(f'<text x="4" y="{y + 18}">{name}</text>')
        parts.append(f'<rect x="{LEFT}" y="{y + 4}" width="{WIDTH - LEFT - 10}" height="{ROW - 8}" fill="#f6f8fa"/>')

    def band(row: int, start: float, stop: float, color: str, title: str) -> None:
        y = 20 + row * ROW
        x0, x1 = _x(start, end), _x(stop, end)
        parts.append(
            f'<rect x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 1.5):.1f}" height="{ROW - 8}" '
            f'fill="{color}"><title>{html.escape(title)}</title></rect>'
        )

    for start, stop in chart.get("offline", []):
        band(0, start, stop, "#ffb3b3", f"offline / FAPI down {start:.3f}s - {stop:.3f}s")
    for start, stop in chart.get("hidden", []):
        band(1, start, stop, "#c8c8c8", f"hidden {start:.3f}s - {stop:.3f}s")
    cookie_events = chart.get("cookie", [])
    for start, stop in _cookie_bands(cookie_events, end):
        band(2, start, stop, "#9ec5fe", f"__session present {start:.3f}s - {stop:.3f}s")
    y = 20 + 2 * ROW
    for event in cookie_events:
        x = _x(event["t"], end)
        title = html.escape(
            f"t={event['t']:.3f}s {event['action']} via {event['source']} {event.get('detail', '')[:200]}"
        )
        if event["action"] == "remove":
            parts.append(
                f'<path d="M{x - 5:.1f},{y + 4} L{x + 5:.1f},{y + 4} L{x:.1f},{y + ROW - 4} Z" '
                f'fill="#cf222e"><title>{title}</title></path>'
            )
        else:
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 4}" y2="{y + ROW - 4}" stroke="#0550ae" '
                f'stroke-width="1.5"><title>{title}</title></line>'
            )
    y = 20 + 3 * ROW
    for request in chart.get("requests", []):
        status = int(request["status"])
        color = "#1a7f37" if status < 300 else "#bc4c00" if status < 500 else "#cf222e"
        color = "#000000" if status == 0 else color
        fault = request.get("fault_id") is not None
        title = html.escape(
            f"t={request['t']:.3f}s {request['method']} {request['path']} -> {status} {request.get('note', '')}"
        )
        ring = ' stroke="#8250df" stroke-width="3"' if fault else ""
        parts.append(
            f'<circle cx="{_x(request["t"], end):.1f}" cy="{y + ROW / 2}" r="{6 if fault else 4}" '
            f'fill="{color}"{ring}><title>{title}</title></circle>'
        )
    for failed in chart.get("failed_in_browser", []):
        x, mid = _x(failed["t"], end), y + ROW / 2
        title = html.escape(
            f"t={failed['t']:.3f}s {failed['method']} {failed['url']} failed in the browser: {failed['failure']}"
        )
        parts.append(
            f'<path d="M{x - 4:.1f},{mid - 4} L{x + 4:.1f},{mid + 4} M{x - 4:.1f},{mid + 4} '
            f'L{x + 4:.1f},{mid - 4}" stroke="#000" stroke-width="2"><title>{title}</title></path>'
        )
    y = 20 + 4 * ROW
    for number, mark in enumerate(chart.get("marks", []), start=1):
        x = _x(mark["t"], end)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="20" y2="{y + ROW - 4}" stroke="#8c959f" stroke-dasharray="2,3">'
            f"<title>{html.escape(mark['label'])}</title></line>"
        )
        parts.append(f'<text x="{x + 2:.1f}" y="{y + 18 - (number % 2) * 9}">{number}</text>')
    parts.append(
        f'<text x="{LEFT}" y="{height - 2}">0 s</text><text x="{WIDTH - 60}" y="{height - 2}">{end:.2f} s</text></svg>'
    )
    return "".join(parts)


def run_section(index: int, outcome: Outcome, expected: str) -> str:
    unexpected = outcome.verdict != expected
    rows = [
        f'<h2 id="run-{index}">{html.escape(outcome.scenario)} on clerk-js {html.escape(outcome.version)} '
        f"in {ENGINE_NAMES.get(outcome.engine, html.escape(outcome.engine))} "
        f'{badge(outcome.verdict)} <span class="muted">expected {expected}'
        f"{' - UNEXPECTED' if unexpected else ''}, {outcome.duration_s:.1f}s, visibility {outcome.visibility_mode}"
        f", topology {outcome.topology}"
        f"{', profile ' + outcome.profile if outcome.profile != 'realistic' else ''}</span></h2>"
    ]
    rows.append("<ul>" + "".join(f"<li>{html.escape(r)}</li>" for r in outcome.reasons) + "</ul>")
    if outcome.proof is not None:
        proof = outcome.proof.describe()
        if proof:
            rows.append(f"<p><b>Stress</b></p><pre>{html.escape(proof)}</pre>")
    rows.append(f"<p><b>Seen:</b> {html.escape(observed(outcome))}</p>")
    if outcome.app:
        loads = "".join(f"<li>{html.escape(d)}</li>" for d in outcome.observations.app_documents)
        rows.append(
            f"<p><b>Your app:</b> <code>{html.escape(outcome.app)}</code> (clock: {outcome.clock_mode}, topology: {outcome.topology}); "
            f"what its server said per page load:</p><ul>{loads}</ul>"
        )
    if outcome.chart:
        rows.append(chart_svg(outcome.chart))
        rows.append(
            '<p class="muted">Bands: red = offline or FAPI down, grey = hidden, blue = __session present; '
            "blue lines = writes, red triangles = removals; dots = FAPI requests (green 2xx, orange 4xx, "
            "red 5xx, black dropped; ringed = injected fault; a cross = a request that failed in the browser and never "
            "reached the server). Hover for details.</p>"
        )
        marks = outcome.chart.get("marks", [])
        rows.append(
            "<details><summary>Steps</summary><ol>"
            + "".join(f"<li>t={m['t']:.3f}s {html.escape(m['label'])}</li>" for m in marks)
            + "</ol></details>"
        )
    if outcome.timeline:
        rows.append(f"<details><summary>Cookie timeline</summary><pre>{html.escape(outcome.timeline)}</pre></details>")
    if outcome.journal:
        rows.append(
            "<details><summary>Requests the fake backend answered</summary><table>"
            "<tr><th>method</th><th>path</th><th>status</th><th>note</th></tr>"
            + "".join(
                f"<tr><td>{e['method']}</td><td>{html.escape(e['path'])}</td><td>{e['status']}</td>"
                f"<td>{html.escape(e['note'])}</td></tr>"
                for e in outcome.journal
            )
            + "</table></details>"
        )
    if outcome.artifacts:
        rows.append(
            "<p class='muted'>Artifacts: "
            + ", ".join(f"{html.escape(k)}: {html.escape(Path(v).name)}" for k, v in sorted(outcome.artifacts.items()))
            + "</p>"
        )
    if outcome.error and outcome.verdict == "error":
        rows.append(f"<pre>{html.escape(outcome.error)}</pre>")
    return "\n".join(rows)


def verdict_grid(runs: list[tuple[Outcome, str]]) -> str:
    """Scenarios × versions, one grid per engine (a heading each when there is more than Chromium); each cell
    holds one coloured link per run, `!` and an outline when unexpected."""
    scenarios = list(dict.fromkeys(outcome.scenario for outcome, _ in runs))
    versions = list(dict.fromkeys(outcome.version for outcome, _ in runs))
    engines = list(dict.fromkeys(outcome.engine for outcome, _ in runs))
    cells: dict[tuple[str, str, str], list[str]] = {}
    for i, (outcome, expected) in enumerate(runs):
        unexpected = outcome.verdict != expected
        title = html.escape(
            f"{outcome.scenario} on {outcome.version} in {outcome.engine}: {outcome.verdict} "
            f"(expected {expected}), {outcome.duration_s:.1f}s"
        )
        cells.setdefault((outcome.scenario, outcome.version, outcome.engine), []).append(
            f'<a class="cell{" unexpected" if unexpected else ""}" href="#run-{i}" title="{title}" '
            f'style="background:{COLORS[outcome.verdict]}">{outcome.verdict}{"!" if unexpected else ""}</a>'
        )
    rows: list[str] = []
    for engine in engines:
        if engines != ["chromium"]:
            rows.append(f'<h2 class="engine">{html.escape(ENGINE_NAMES.get(engine, engine))}</h2>')
        rows.append(
            '<table class="grid"><tr><th>scenario</th>'
            + "".join(f"<th>{html.escape(v)}</th>" for v in versions)
            + "</tr>"
        )
        for scenario in scenarios:
            rows.append(
                f"<tr><th>{html.escape(scenario)}</th>"
                + "".join(f"<td>{' '.join(cells.get((scenario, v, engine), []))}</td>" for v in versions)
                + "</tr>"
            )
        rows.append("</table>")
    unexpected = sum(1 for outcome, expected in runs if outcome.verdict != expected)
    legend = (
        f'<p class="muted">{len(runs)} run(s); {unexpected} unexpected (marked ! and outlined). Each cell links '
        f"to its run below.</p>"
    )
    return "".join(rows) + legend


def render_report(runs: list[tuple[Outcome, str]], title: str) -> str:
    sections = [run_section(i, outcome, expected) for i, (outcome, expected) in enumerate(runs)]
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{CSS}</style></head><body><h1>{html.escape(title)}</h1>"
        + verdict_grid(runs)
        + "".join(sections)
        + "</body></html>"
    )


def write_report(path: Path, runs: list[tuple[Outcome, str]], title: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(runs, title))
    return path
