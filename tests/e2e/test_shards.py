"""The matrix in three shards, for real (a browser each), gives the grid of one unsharded run once merged;
`run --junit` writes JUnit XML that a JUnit reader accepts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from junitparser import JUnitXml

pytestmark = pytest.mark.e2e
CLI = str(Path(sys.executable).with_name("clerk-harness"))
MATRIX = ["--scenario", "offline-reload", "--scenario", "signout-control", "--clerk-js", "6.0.0", "--clerk-js", "6.1.0",
          "--workers", "1"]


def harness(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *argv], capture_output=True, text=True, timeout=180)


def grid(stdout: str) -> list[str]:
    """The verdict table `run` and `merge` print (header and one row per scenario)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("scenario "))
    return [line.rstrip() for line in lines[start:start + 3]]


def test_three_shards_merge_into_the_unsharded_grid(tmp_path, harness_config):
    whole = harness("run", *MATRIX, "--json", str(tmp_path / "whole.json"), "--junit", str(tmp_path / "whole.xml"))
    assert whole.returncode == 0, whole.stdout + whole.stderr
    shards = []
    for index in (1, 2, 3):
        part = harness("run", *MATRIX, "--shard", f"{index}/3", "--durations", str(tmp_path / "whole.json"),
                       "--json", str(tmp_path / f"shard-{index}.json"))
        assert part.returncode == 0, part.stdout + part.stderr
        shards.append(tmp_path / f"shard-{index}.json")
    ran = [(r["scenario"], r["version"]) for path in shards for r in json.loads(path.read_text())["results"]]
    assert sorted(ran) == sorted((s, v) for s in ("offline-reload", "signout-control") for v in ("6.0.0", "6.1.0"))
    merged = harness("merge", *map(str, shards), "--junit", str(tmp_path / "merged.xml"),
                     "--summary", str(tmp_path / "summary.md"))
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert grid(merged.stdout) == grid(whole.stdout)
    assert grid(whole.stdout)[1].split() == ["offline-reload", "lost", "survived"]  # the real verdicts, not a blank grid
    for junit in ("whole.xml", "merged.xml"):
        suite = next(iter(JUnitXml.fromfile(str(tmp_path / junit))))
        assert suite.tests == 4 and suite.failures == 0 and suite.errors == 0
        assert {case.name for case in suite} == {f"{s}[clerk-js {v}]" for s in ("offline-reload", "signout-control")
                                                 for v in ("6.0.0", "6.1.0")}
    assert (tmp_path / "summary.md").read_text().startswith("All 4 verdicts as expected")


PLUGIN_TESTS = '''
import pytest

@pytest.mark.clerk_js("6.1.0")
def test_a_real_sign_out_is_reported(run_clerk_scenario):
    assert run_clerk_scenario("signout-control").verdict == "lost"

@pytest.mark.clerk_js("6.1.0")
def test_a_story_that_fails(clerk_page, network, session_cookie):
    clerk_page.sign_out()
    session_cookie.assert_never_removed()
'''


def test_pytest_junitxml_gets_the_same_properties_through_the_plugin(tmp_path, harness_config):
    """--junitxml is pytest's own; the plugin adds the version, the verdicts and the kept artifacts' paths."""
    import xml.etree.ElementTree as ET

    (tmp_path / "test_user.py").write_text(PLUGIN_TESTS)
    junit = tmp_path / "junit.xml"
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "test_user.py"),
                           "--junitxml", str(junit), "--rootdir", str(tmp_path)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=180,
                          env={**__import__("os").environ, "CLERK_HARNESS_CONFIG": str(root / "playwright.config.json")})
    assert done.returncode == 1, done.stdout + done.stderr  # the second test fails, on purpose
    cases = {case.get("name"): case for case in ET.parse(junit).iter("testcase")}
    passed = {p.get("name"): p.get("value") for p in cases["test_a_real_sign_out_is_reported[clerk-js-6.1.0]"].iter("property")}
    assert passed["scenario"] == "signout-control" and passed["verdict"] == "lost" and passed["clerk-js"] == "6.1.0"
    assert not any(name.startswith("artifact:") for name in passed)  # removed after a pass: not named
    failed = [(p.get("name"), p.get("value")) for p in cases["test_a_story_that_fails[clerk-js-6.1.0]"].iter("property")]
    paths = {name: value for name, value in failed if name.startswith("artifact:")}
    assert ("clerk-js", "6.1.0") in failed and set(paths) == {"artifact:trace", "artifact:timeline", "artifact:journal"}
    assert all(Path(path).is_file() for path in paths.values())
