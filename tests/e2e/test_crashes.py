"""A crash is one run's error: when the harness's own browser, its page, the app or a worker process
breaks under a run, that run is an `error` that says what broke, never a verdict about clerk-js; its
clean-up raises nothing; the next run gets a working browser; a matrix finishes with every file written;
and `--retry-errors` runs the broken runs again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from clerk_harness.matrix.runner import run_scenario
from clerk_harness.stories.scenarios import Scenario, get_scenario
from clerk_harness.stories.story import Story
from tests.e2e.test_interrupts import children, cmdline, in_group, wait_for

pytestmark = pytest.mark.e2e


def crash_the_page_then_reload(story: Story) -> None:
    story.sign_in()
    try:  # the renderer dies, as one the kernel kills when memory runs out
        story.page.goto("chrome://crash", timeout=5_000)
    except Exception:  # noqa: BLE001 - the navigation fails with the page
        pass
    story.reload()


CRASH = Scenario("renderer-crash", "The page's renderer dies mid-story", "issue 27", "", crash_the_page_then_reload)


@pytest.mark.clerk_js("6.40.0")
def test_a_crashed_page_is_that_runs_error_and_the_next_run_is_fine(
    playwright, clerk_config, clerk_fake, clerk_js_version, clerk_warm_browser
):
    crashed = run_scenario(playwright, clerk_config, clerk_fake, CRASH, clerk_js_version, browsers=clerk_warm_browser)
    assert crashed.verdict == "error", crashed.reasons
    assert "the page crashed" in crashed.reasons[0] and "says nothing about clerk-js" in crashed.reasons[0]
    after = run_scenario(
        playwright, clerk_config, clerk_fake, "offline-reload", clerk_js_version, browsers=clerk_warm_browser
    )
    assert after.verdict == get_scenario("offline-reload").expected(clerk_js_version) == "survived", after.reasons


CLI = str(Path(sys.executable).with_name("clerk-harness"))
ROOT = Path(__file__).resolve().parents[2]


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def chromium_processes(pid: int, kind: str | None) -> list[int]:
    """The Chromium processes under `pid`: renderers (`kind="renderer"`) or browsers (`kind=None`)."""

    def is_one(args: list[str]) -> bool:  # a zygote's child rewrites its argv as one string: split it again
        words = " ".join(args).split()
        if not words or "chrom" not in Path(words[0]).name:
            return False
        types = [w.split("=", 1)[1] for w in words if w.startswith("--type=")]
        return types == [kind] if kind else not types

    return [p for p in descendants(pid) if is_one(cmdline(p))]


def worker_processes(pid: int) -> list[int]:
    return [
        p
        for p in children(pid)
        if "resource_tracker" not in " ".join(cmdline(p)) and any("clerk-harness" in arg for arg in cmdline(p))
    ]


RUNS = 12  # two scenarios x two releases x three repeats


def break_a_matrix(temp: Path, results: Path, *extra: str) -> subprocess.CompletedProcess:
    """`run` of 12 runs on 2 workers; after the 2nd result every renderer is killed, after the 5th one
    browser, after the 9th one worker process: SIGKILL each, as the kernel kills on a runner short of
    memory. (The worker dies late, so that the new pool starts only the one or two workers still needed.)"""
    kills = {
        2: lambda pid: chromium_processes(pid, "renderer"),
        5: lambda pid: chromium_processes(pid, None)[:1],
        9: lambda pid: worker_processes(pid)[:1],
    }
    run = subprocess.Popen(
        [
            CLI,
            "run",
            "--scenario",
            "offline-aging",
            "--scenario",
            "signout-control",
            "--clerk-js",
            "6.0.0",
            "--clerk-js",
            "6.40.0",
            "--repeat",
            "3",
            "--workers",
            "2",
            "--json",
            str(results),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "TMPDIR": str(temp)},
    )
    killed: dict[int, list[int]] = {}
    try:
        assert run.stderr is not None
        lines = []
        for line in run.stderr:  # progress: one line per finished run
            lines.append(line)
            for after, victims in kills.items():
                if f" {after}/{RUNS} " in line and after not in killed:
                    killed[after] = victims(run.pid)
                    for victim in killed[after]:
                        os.kill(victim, signal.SIGKILL)
        out, _ = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert all(killed.get(after) for after in kills), f"nothing to kill at some moment: {killed}"
    assert wait_for(lambda: not in_group(run.pid), timeout=10), f"left running: {in_group(run.pid)}"
    left = lambda: [p.name for p in temp.iterdir() if p.name != "node-compile-cache"]
    assert wait_for(lambda: not left(), timeout=10), f"left behind: {left()}"
    return subprocess.CompletedProcess(run.args, run.returncode, out, "".join(lines))


# What each run hit says first. A browser killed while its worker is between runs is found as the next run
# leases it, and that run says so.
BROKE = {
    "page": ("the page crashed (its renderer process died)",),
    "browser": ("Chromium exited (signal 9) under the run", "Chromium exited or was closed as the run began"),
    "worker": ("the worker process running it died (signal 9)",),
}


def test_a_matrix_whose_renderers_browser_and_worker_are_killed_finishes_with_the_runs_hit_as_errors(
    short_temp_dir, tmp_path
):
    kept = tmp_path / "runs"
    run = break_a_matrix(short_temp_dir, tmp_path / "results.json", "--artifacts", str(kept), "--keep", "on-failure")
    assert run.returncode == 2, run.stdout + run.stderr[-2000:]
    output = run.stdout + run.stderr
    assert "Traceback" not in output, output[max(0, output.find("Traceback") - 300) :][:4000]
    results = json.loads((tmp_path / "results.json").read_text())["results"]
    assert len(results) == RUNS and not any(r["retried"] for r in results)
    hit = [r for r in results if r["verdict"] == "error"]
    assert hit, "no run was hit"
    for r in hit:  # each says what broke, never a verdict about clerk-js
        assert r["broke"] in BROKE, (r["reasons"], (r["error"] or "")[-1500:])
        assert r["reasons"][0].startswith(BROKE[r["broke"]]), r["reasons"]
    assert all(r["as_expected"] for r in results if r not in hit), [(r["version"], r["verdict"]) for r in results]
    assert {r["verdict"] for r in results if r not in hit} == {"lost", "survived"}  # 6.0.0 loses, a sign-out too
    # --keep on-failure: the artifacts of each run hit (but a worker's, which died with it), and of no other run
    for r in results:
        written = r["artifacts"].get("report") and Path(r["artifacts"]["report"]).is_file()
        assert bool(written) == (r in hit and r["broke"] != "worker"), (r["scenario"], r["version"], r["artifacts"])
    assert len(list(kept.iterdir())) == len([r for r in hit if r["broke"] != "worker"])


@pytest.mark.nightly  # 12 more browser runs; the default run checks retries with scripted workers (test_matrix_retries)
def test_with_retry_errors_the_runs_hit_run_again_and_the_matrix_passes(short_temp_dir, tmp_path):
    # Retries run last, so a late kill may hit a retry: two retries each (a run hit three times is an error).
    run = break_a_matrix(short_temp_dir, tmp_path / "results.json", "--retry-errors", "2")
    assert run.returncode == 0, run.stdout + run.stderr[-2000:]
    results = json.loads((tmp_path / "results.json").read_text())["results"]
    retried = [r for r in results if r["retried"]]
    final = [r for r in results if not r["retried"]]
    assert retried, "no run was hit"
    assert len(final) == RUNS and all(r["as_expected"] for r in final)
    for r in retried:  # the attempt the infrastructure broke, then its retry
        assert r["verdict"] == "error" and r["broke"] in BROKE and r["attempt"] in (1, 2)
        again = [
            f for f in final if (f["scenario"], f["version"], f["repeat"]) == (r["scenario"], r["version"], r["repeat"])
        ]
        assert again and again[0]["attempt"] > r["attempt"]
    assert run.stdout.count("run again") == len(retried), run.stdout


DIES_ON_THE_RELOAD = textwrap.dedent("""
    // The plain-page app, dying (as one out of memory) at the first page load that carries a session.
    const http = require("http");
    const create = http.createServer;
    http.createServer = (handler) => create((req, res) => {
      if (req.url === "/" && /__session=/.test(req.headers.cookie || "")) {
        console.log("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory");
        process.exit(134);
      }
      handler(req, res);
    });
    require(process.argv[2]);
""")


def test_an_app_that_dies_mid_run_is_an_error_naming_its_exit_and_last_line(tmp_path):
    wrapper = tmp_path / "dies.js"
    wrapper.write_text(DIES_ON_THE_RELOAD)
    modules = ROOT / "examples" / "express-app" / "node_modules"
    app = f"NODE_PATH={modules} node {wrapper} {ROOT / 'tests' / 'e2e' / 'apps' / 'plain-page.js'}"
    run = subprocess.run(
        [CLI, "repro", "offline-reload", "--clerk-js", "6.1.0", "--app-cmd", app, "--artifacts", str(tmp_path / "run")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2, run.stdout + run.stderr
    result = json.loads(next((tmp_path / "run").rglob("result.json")).read_text())
    assert result["verdict"] == "error" and result["broke"] == "app", result["reasons"]
    assert result["reasons"][0].startswith("the app exited (code 134): FATAL ERROR: Reached heap limit"), result[
        "reasons"
    ]


BROWSER_DIES = textwrap.dedent("""
    import os, signal
    from pathlib import Path

    import pytest


    def kill_my_browser(session):
        profile = Path(session.browser.exit_file).parent
        for entry in Path("/proc").iterdir():
            try:
                args = (entry / "cmdline").read_bytes().decode().split(chr(0))
            except OSError:
                continue
            if (entry.name.isdigit() and "chrom" in Path(args[0]).name and f"--user-data-dir={profile}" in args
                    and not any(a.startswith("--type=") for a in args)):  # Chromium's browser process, not its guard
                os.kill(int(entry.name), signal.SIGKILL)


    @pytest.mark.clerk_js("6.40.0")
    def test_1_its_browser_is_killed(clerk_story, clerk_session):
        kill_my_browser(clerk_session)
        clerk_story.reload()


    @pytest.mark.clerk_js("6.40.0")
    def test_2_the_next_test_gets_a_new_browser(clerk_story, clerk_cookie):
        clerk_story.reload()
        clerk_cookie.assert_never_removed()
        clerk_story.assert_signed_in(server_side=True)
""")


def test_a_pytest_test_whose_browser_is_killed_fails_alone_with_the_reason(tmp_path, clerk_config):
    (tmp_path / "test_dies.py").write_text(BROWSER_DIES)
    (tmp_path / "test_other.py").write_text(
        BROWSER_DIES.split("@pytest.mark")[0]
        + textwrap.dedent("""
        @pytest.mark.clerk_js("6.0.0")
        def test_elsewhere(clerk_run_scenario):
            assert clerk_run_scenario("offline-reload").verdict == "lost"
    """)
    )
    config = tmp_path / "playwright.config.json"
    config.write_text(json.dumps({"clerkJs": {"cacheDir": str(clerk_config.clerk_js.cache_dir)}}))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-n",
            "2",
            "--dist",
            "loadfile",
            "-rA",
            str(tmp_path),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")},
            "CLERK_HARNESS_CONFIG": str(config),
        },
    )
    out = done.stdout
    assert "1 failed, 2 passed" in out, out[-3000:]
    assert "FAILED test_dies.py::test_1_its_browser_is_killed" in out
    assert "the browser broke under this test" in out and "Chromium exited (signal 9)" in out, out[-3000:]


@pytest.mark.clerk_js("6.40.0")
def test_explore_stops_with_one_line_when_its_browser_breaks(clerk_explore, monkeypatch):
    """A story on a crashed page proves nothing: the exploration stops, and Hypothesis shrinks nothing."""
    from clerk_harness.errors import HarnessError
    from clerk_harness.explore.invariant import SessionGuard

    plays = []

    def crash_at_the_third_step(guard: SessionGuard, step, number: int) -> None:
        plays.append(step)
        if len(plays) == 3:
            try:
                guard.story.page.goto("chrome://crash", timeout=5_000)
            except Exception:  # noqa: BLE001 - the navigation fails with the page
                pass

    monkeypatch.setattr(SessionGuard, "play", crash_at_the_third_step)
    with pytest.raises(
        HarnessError,
        match=r"^the page crashed \(its renderer process died\) in story \d+: the "
        r"exploration stops \(the story says nothing about clerk-js 6.40.0\)",
    ):
        clerk_explore(runs=20, seed=1)
    assert len(plays) == 3, "the story after the crash, or a shrink of it, ran"


@pytest.mark.parametrize("dies", [True, False], ids=["killed-as-it-starts", "alive-but-unreachable"])
def test_a_chromium_killed_as_it_starts_is_the_runs_error(playwright, clerk_config, tmp_path, dies):
    """Killed between printing its DevTools address and the connection (as the kill matrix can hit it), the
    browser broke under the run; a Chromium that lives but cannot be reached is a set-up error instead."""
    from dataclasses import replace

    from clerk_harness.browser.launch import launch_session
    from clerk_harness.errors import HarnessError, InfrastructureBroke

    fake = tmp_path / "chromium"
    fake.write_text(
        "#!/bin/sh\necho 'DevTools listening on ws://127.0.0.1:9/devtools/browser/gone' >&2\n"
        + ("kill -9 $$\n" if dies else "exec sleep 30\n")
    )
    fake.chmod(0o755)
    config = replace(clerk_config.browser, executable_path=str(fake), visibility="real", cdp_endpoints=())
    with pytest.raises(HarnessError) as raised:
        launch_session(playwright, config, timeout_s=10)
    if dies:
        assert isinstance(raised.value, InfrastructureBroke) and raised.value.broke == "browser"
        assert str(raised.value).startswith("Chromium exited (signal 9) under the run"), raised.value
    else:
        assert not isinstance(raised.value, InfrastructureBroke), raised.value
        assert str(raised.value).startswith("cannot connect to Chromium over CDP"), raised.value
