"""Scaling out, for real (a browser each): the matrix in three local shards merges into the grid of one
unsharded run through a Chromium that runs elsewhere, driven over CDP (here a separately started Chromium
on a loopback debugging port stands in for the remote one), so the remote browser gives the verdicts of
local ones; `run --junit` and pytest's `--junitxml` carry the verdicts; visibility events stay trusted in
the remote browser; and a fake backend beyond loopback needs a flag and then a token."""

from __future__ import annotations

import fcntl
import ipaddress
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from junitparser import JUnitXml

from clerk_harness.browser.guard import remove_singleton_folder
from clerk_harness.browser.launch import find_chromium, remote_browser_flags
from clerk_harness.config import HarnessConfig

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
CLI = str(Path(sys.executable).with_name("clerk-harness"))
SCENARIOS, VERSIONS = (
    ("offline-aging", "signout-control"),
    ("6.0.0", "6.1.0"),
)  # the quickest stories: this is about sharding
MATRIX = [*(a for s in SCENARIOS for a in ("--scenario", s)), *(a for v in VERSIONS for a in ("--clerk-js", v))]


def harness(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *argv], capture_output=True, text=True, timeout=180)


def grid(stdout: str) -> list[str]:
    """The verdict table `run` and `merge` print (header and one row per scenario)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("scenario "))
    return [line.rstrip() for line in lines[start : start + 1 + len(SCENARIOS)]]


def verdicts(path: Path) -> dict[tuple[str, str], str]:
    return {(r["scenario"], r["version"]): r["verdict"] for r in json.loads(path.read_text())["results"]}


PLUGIN_TESTS = """
import pytest

@pytest.mark.clerk_js("6.1.0")
def test_a_real_sign_out_is_reported(clerk_run_scenario):
    assert clerk_run_scenario("signout-control").verdict == "lost"

@pytest.mark.clerk_js("6.1.0")
def test_a_story_that_fails(clerk_story, clerk_network, clerk_cookie):
    clerk_story.sign_out()
    clerk_cookie.assert_never_removed()

@pytest.mark.clerk_js("6.1.0")
def test_a_scenario_that_fails(clerk_run_scenario):
    assert clerk_run_scenario("offline-reload").verdict == "lost"  # 6.1.0 keeps the cookie: fails on purpose
"""


def test_pytest_junitxml_gets_the_same_properties_through_the_plugin(tmp_path, clerk_config):
    """--junitxml is pytest's own; the plugin adds the version, the verdicts and the kept artifacts' paths."""
    (tmp_path / "test_user.py").write_text(PLUGIN_TESTS)
    junit = tmp_path / "junit.xml"
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(tmp_path / "test_user.py"),
            "--junitxml",
            str(junit),
            "--rootdir",
            str(tmp_path),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        env={**__import__("os").environ, "CLERK_HARNESS_CONFIG": str(root / "playwright.config.json")},
    )
    assert done.returncode == 1, done.stdout + done.stderr  # the second and third tests fail, on purpose
    cases = {case.get("name"): case for case in ET.parse(junit).iter("testcase")}
    passed = {
        p.get("name"): p.get("value")
        for p in cases["test_a_real_sign_out_is_reported[clerk-js-6.1.0]"].iter("property")
    }
    assert passed["scenario"] == "signout-control" and passed["verdict"] == "lost" and passed["clerk-js"] == "6.1.0"
    assert not any(name.startswith("artifact:") for name in passed)  # removed after a pass: not named
    failed = [
        (p.get("name"), p.get("value")) for p in cases["test_a_story_that_fails[clerk-js-6.1.0]"].iter("property")
    ]
    paths = {name: value for name, value in failed if name.startswith("artifact:")}
    assert ("clerk-js", "6.1.0") in failed and set(paths) == {"artifact:trace", "artifact:timeline", "artifact:journal"}
    assert all(Path(path).is_file() for path in paths.values())
    # A scenario's artifacts wait for the test's outcome: written for the failed one, never for the passed one.
    scenario = {
        p.get("name"): p.get("value") for p in cases["test_a_scenario_that_fails[clerk-js-6.1.0]"].iter("property")
    }
    kept = {name: path for name, path in scenario.items() if name.startswith("artifact:")}
    assert {"artifact:trace", "artifact:report", "artifact:screenshot", "artifact:result"} <= set(kept), scenario
    assert all(Path(path).is_file() for path in kept.values()), kept
    assert not list(Path(kept["artifact:trace"]).parents[2].glob("*real_sign_out*")), "a passed test's artifacts stayed"


def this_machines_address() -> str | None:
    """An IPv4 address of this machine beyond loopback (asked of the kernel, nothing sent), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _, name in socket.if_nameindex():
            try:
                packed = fcntl.ioctl(probe.fileno(), 0x8915, struct.pack("256s", name.encode()[:15]))  # SIOCGIFADDR
            except OSError:
                continue
            address = socket.inet_ntoa(packed[20:24])
            if not ipaddress.ip_address(address).is_loopback:
                return address
    return None


def start_remote_chromium(config: HarnessConfig, reach: list[str]) -> tuple[subprocess.Popen, str, str]:
    """Chromium as a user would start it for the harness: its flags, a loopback DevTools port."""
    profile = tempfile.mkdtemp(prefix="remote-chromium-")
    command = [
        find_chromium(config.browser),
        *remote_browser_flags(config.browser, reach=reach),
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        f"--user-data-dir={profile}",
        *(["--no-sandbox"] if os.geteuid() == 0 else []),
        "about:blank",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    assert process.stderr is not None
    for line in process.stderr:  # Chromium prints its DevTools address once it listens
        if line.startswith("DevTools listening on "):
            port = line.rsplit(":", 1)[1].split("/", 1)[0]
            return process, f"http://127.0.0.1:{port}", profile
    raise AssertionError("Chromium did not open its DevTools port")


def stop(process: subprocess.Popen, profile: str) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)
    remove_singleton_folder(profile)
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def remote_chromium(clerk_config: HarnessConfig) -> Iterator[str]:
    """One remote Chromium for the module's tests, as a runner's long-lived browser serves one job after another."""
    process, endpoint, profile = start_remote_chromium(clerk_config, reach=[])
    yield endpoint
    stop(process, profile)


def test_three_local_shards_merge_into_the_grid_of_one_remote_run(tmp_path, remote_chromium, request):
    """The reference is the matrix unsharded, through the remote browser; the shards run on local
    browsers, each its own. Their merge prints the reference's grid: sharding loses or repeats no job, and
    the remote browser gives the local verdicts (6.0.0 loses the cookie there too)."""
    whole = harness(
        "run",
        *MATRIX,
        "--cdp-endpoint",
        remote_chromium,
        "--json",
        str(tmp_path / "whole.json"),
        "--junit",
        str(tmp_path / "whole.xml"),
    )
    assert whole.returncode == 0, whole.stdout + whole.stderr
    assert "1 remote browser(s)" in whole.stderr
    assert grid(whole.stdout)[1].split() == ["offline-aging", "lost", "survived"]  # real verdicts, not a blank grid
    assert {r["visibility_mode"] for r in json.loads((tmp_path / "whole.json").read_text())["results"]} == {"real"}

    shards = [tmp_path / f"shard-{index}.json" for index in (1, 2, 3)]
    temp = Path(tempfile.mkdtemp(prefix="ch-"))  # the shards' temp dir (short, for Chromium's socket path):
    request.addfinalizer(lambda: shutil.rmtree(temp, ignore_errors=True))  # nothing of theirs may stay there
    running = [
        subprocess.Popen(
            [
                CLI,
                "run",
                *MATRIX,
                "--workers",
                "1",
                "--shard",
                f"{index}/3",
                "--durations",
                str(tmp_path / "whole.json"),
                "--json",
                str(path),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "TMPDIR": str(temp)},
        )
        for index, path in zip((1, 2, 3), shards)
    ]
    for part in running:  # the three shards run at once, as on three runners
        output, _ = part.communicate(timeout=180)
        assert part.returncode == 0, output
    assert [p.name for p in temp.iterdir() if p.name != "node-compile-cache"] == []
    ran = [(r["scenario"], r["version"]) for path in shards for r in json.loads(path.read_text())["results"]]
    assert sorted(ran) == sorted((s, v) for s in SCENARIOS for v in VERSIONS)  # every job exactly once
    local = {job: verdict for path in shards for job, verdict in verdicts(path).items()}
    assert local == verdicts(tmp_path / "whole.json")  # the remote browser's verdicts are the local ones

    merged = harness(
        "merge", *map(str, shards), "--junit", str(tmp_path / "merged.xml"), "--summary", str(tmp_path / "summary.md")
    )
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert grid(merged.stdout) == grid(whole.stdout)
    for junit in (tmp_path / "whole.xml", tmp_path / "merged.xml"):
        suite = next(iter(JUnitXml.fromfile(str(junit))))
        assert suite.tests == 4 and suite.failures == 0 and suite.errors == 0
        assert {case.name for case in suite} == {f"{s}[clerk-js {v}, chromium]" for s in SCENARIOS for v in VERSIONS}
    assert (tmp_path / "summary.md").read_text().startswith("All 4 verdicts as expected")


def test_visibility_events_stay_trusted_in_a_remote_browser(tmp_path, remote_chromium, clerk_config):
    config = tmp_path / "playwright.config.json"
    config.write_text(
        json.dumps(
            {"browser": {"cdpEndpoint": remote_chromium}, "clerkJs": {"cacheDir": str(clerk_config.clerk_js.cache_dir)}}
        )
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "tests/e2e/test_mission.py::test_real_visibility_changes_are_trusted",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")},
            "CLERK_HARNESS_CONFIG": str(config),
        },
    )  # not an xdist worker of the outer run
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout + done.stderr


def test_a_fake_beyond_loopback_needs_the_flag_and_then_a_token(tmp_path, clerk_config):
    address = this_machines_address()
    if address is None:
        pytest.skip("this machine has no address beyond loopback")
    refused = subprocess.run(
        [CLI, "repro", "offline-reload", "--clerk-js", "6.0.0", "--fake-host", address],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2 and "--allow-remote" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    process, endpoint, profile = start_remote_chromium(clerk_config, reach=[address])
    try:
        run = subprocess.run(
            [
                CLI,
                "repro",
                "offline-reload",
                "--clerk-js",
                "6.0.0",
                "--cdp-endpoint",
                endpoint,
                "--fake-host",
                address,
                "--allow-remote",
                "--artifacts",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:
        stop(process, profile)
    assert run.returncode == 1, run.stdout + run.stderr  # 6.0.0 loses the cookie, through the remote browser
    assert "Authorization: Bearer " in run.stderr and f"http://{address}:" in run.stdout
