"""The CLI answers bad input with exit 2 and one actionable line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clerk_harness.cli import main

CLI = str(Path(sys.executable).with_name("clerk-harness"))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    "argv",
    [
        ("repro",),
        ("repro", "offline-reload"),
        ("frobnicate",),
        ("run", "--workers", "0"),
        ("run", "--repeat", "x"),
        ("repro", "offline-reload", "--clerk-js", "6.1.0", "--profile", "chrome"),
        ("survey",),
        ("survey", "offline-reload", "--confirm-runs", "0"),
        ("run", "--every-minor", "0"),
        ("run", "--keep", "on-failure"),  # which runs' artifacts, with no --artifacts to keep them in
        ("run", "--artifacts", "out", "--keep", "never"),
        ("repro", "offline-reload", "--clerk-js", "6.1.0", "--run-timeout", "0"),
        ("bisect", "offline-reload", "--good", "6.1.0", "--bad", "6.0.0", "--run-timeout", "x"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("clerk-harness: error:")


def test_unknown_scenario_names_the_known_ones(capsys):
    code, _, err = run(capsys, "repro", "no-such-story", "--clerk-js", "6.1.0")
    assert code == 2 and "offline-reload" in err and len(err.strip().splitlines()) == 1


def test_unpublished_version_is_one_clear_line(capsys):
    code, _, err = run(capsys, "repro", "offline-reload", "--clerk-js", "6.0.99")
    assert code == 2 and "6.0.99 is not published on npm" in err and len(err.strip().splitlines()) == 1


def test_missing_browser_is_one_clear_line(tmp_path, clerk_config):
    """As a user runs it, in a process of its own: the check asks the command's Playwright driver."""
    config = tmp_path / "playwright.config.json"
    config.write_text(
        json.dumps(
            {
                "browser": {"executablePath": "/nowhere/chromium"},
                "clerkJs": {"cacheDir": str(clerk_config.clerk_js.cache_dir)},
            }
        )
    )
    done = subprocess.run(
        [CLI, "repro", "offline-reload", "--clerk-js", "6.1.0"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CLERK_HARNESS_CONFIG": str(config)},
    )
    assert done.returncode == 2 and "/nowhere/chromium" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_broken_config_is_one_clear_line(capsys, tmp_path, monkeypatch):
    config = tmp_path / "playwright.config.json"
    config.write_text('{"tokenTtlSeconds": 10}')
    monkeypatch.setenv("CLERK_HARNESS_CONFIG", str(config))
    code, _, err = run(capsys, "list")
    assert code == 2 and "tokenTtlSeconds" in err


def test_list_shows_the_catalogue(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    for scenario in ("offline-reload", "offline-visibility", "rate-limit-signout", "offline-online-race"):
        assert scenario in out


def test_survey_of_an_unknown_scenario_is_one_line(capsys):
    code, _, err = run(capsys, "survey", "no-such-story")
    assert code == 2 and "offline-reload" in err and len(err.strip().splitlines()) == 1


def test_a_broken_config_is_one_line_naming_the_key(capsys, tmp_path, monkeypatch):
    config = tmp_path / "playwright.config.json"
    config.write_text('{"browser": {"name": "chromium"}}')
    monkeypatch.setenv("CLERK_HARNESS_CONFIG", str(config))
    code, _, err = run(capsys, "list")
    assert code == 2 and "unknown key 'browser.name'" in err and len(err.strip().splitlines()) == 1


def test_an_interrupted_search_says_what_it_knew(capsys):
    from clerk_harness.cli import StepPrinter
    from clerk_harness.releases.bisect import Step

    printer = StepPrinter()
    with pytest.raises(KeyboardInterrupt):
        with printer.summary_on_interrupt():
            printer(Step("6.0.0", ["lost"]), "older end")
            printer(Step("6.40.0", ["survived", "survived"]), "newer end")
            raise KeyboardInterrupt
    assert "interrupted after 3 run(s); known: 6.0.0 lost, 6.40.0 survived" in capsys.readouterr().out


def test_version_names_the_harness_and_playwright(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("clerk-harness 0.") and "Playwright 1." in out


@pytest.mark.parametrize(
    "argv, near",
    [
        (("reproo", "x"), "'repro'"),
        (("repro", "ofline-reload", "--clerk-js", "6.1.0"), "'offline-reload'"),
        (("lsit",), "'list'"),
    ],
)
def test_a_misspelt_command_or_scenario_gets_did_you_mean(capsys, argv, near):
    code, _, err = run(capsys, *argv)
    assert code == 2 and f"did you mean {near}?" in err and len(err.strip().splitlines()) == 1


def test_nothing_near_gets_no_guess(capsys):
    code, _, err = run(capsys, "zzzzzz")
    assert code == 2 and "did you mean" not in err


def test_list_as_json_has_every_scenario_with_its_range_per_engine(capsys):
    from clerk_harness.stories.scenarios import CATALOGUE

    code, out, _ = run(capsys, "list", "--json")
    listed = json.loads(out)
    assert code == 0 and [s["id"] for s in listed] == list(CATALOGUE)
    reload = next(s for s in listed if s["id"] == "offline-reload")
    assert reload["lost_on"] == {"chromium": "<6.1.0", "firefox": "<6.1.0", "webkit": "<6.1.0"}
    unmeasured = [s["id"] for s in listed if s["lost_on"]["webkit"] == "unmeasured"]
    assert all(not CATALOGUE[s].measured_in("webkit") for s in unmeasured)


def test_versions_as_json(capsys, monkeypatch):
    from clerk_harness.releases import clerk_js

    monkeypatch.setattr(clerk_js, "resolve_version", lambda spec: "6.40.0")
    code, out, _ = run(capsys, "versions", "--json")
    seen = json.loads(out)
    assert code == 0 and seen["latest"] == "6.40.0" and "cached" in seen and seen["pinned_newest"]
    code, out, _ = run(capsys, "versions", "--latest", "--json")
    assert json.loads(out) == {"latest": "6.40.0"}
