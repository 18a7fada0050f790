"""explore's parts without a browser: the step vocabulary, findings on disk, the written-out scenario."""

from __future__ import annotations

import json

import pytest

from clerk_harness.cli import main
from clerk_harness.explore.causes import _contains, cause
from clerk_harness.explore.findings import Finding
from clerk_harness.explore.search import Coverage
from clerk_harness.explore.steps import FAULTS, Step

STORY = [Step("go_offline"), Step("let_the_token_age"), Step("fault", ("token", "429", "once")), Step("reload")]


def test_every_step_is_code_of_the_story_vocabulary():
    assert Step("go_offline").code == "story.go_offline()"
    assert (
        Step("fault", ("token", "429", "once")).code
        == 'story.inject("POST", "/v1/client/sessions/*/tokens", times=1).error(429, retry_after=1)'
    )
    assert Step("fault", ("client", "500", "until-cleared")).code == 'story.inject("GET", "/v1/client").error(500)'
    assert ("client", "empty-token") not in FAULTS  # only the token route answers with a token
    with pytest.raises(ValueError):
        Step("os.system('true')")
    with pytest.raises(ValueError):
        Step("fault", ("client", "empty-token", "once"))
    with pytest.raises(ValueError):
        Step("go_offline", ("extra",))


def test_a_finding_on_disk_can_only_name_steps_of_the_vocabulary(tmp_path):
    """The code in finding.json is never run: steps are rebuilt from kind and arguments."""
    finding = Finding("6.0.0", 7, STORY, ["__session removed"], faults=True, found_after=3)
    folder = finding.write(tmp_path / "f")
    data = json.loads((folder / "finding.json").read_text())
    assert [s["code"] for s in data["steps"]] == [s.code for s in STORY]
    data["steps"][0]["code"] = "import os; os.system('rm -rf /')"  # edited code is ignored
    (folder / "finding.json").write_text(json.dumps(data))
    assert Finding.read(folder / "finding.json").steps == STORY
    data["steps"][0]["kind"] = "__import__('os')"
    (folder / "finding.json").write_text(json.dumps(data))
    assert main(["explore", "--replay", str(folder / "finding.json")]) == 2


def test_the_written_scenario_is_valid_python_that_tells_the_story(tmp_path):
    source = Finding("6.0.0", 7, STORY, ["__session removed at t=0.3s"]).scenario_source()
    compile(source, "scenario.py", "exec")
    assert '@scenario("explored-6.0.0-seed7"' in source and "def explored_6_0_0_seed7(story: Story)" in source
    body = [line.strip() for line in source.splitlines()[3:]]
    assert body == [
        "story.sign_in()",
        "story.go_offline()",
        "story.let_token_age_past_refresh()",
        'story.inject("POST", "/v1/client/sessions/*/tokens", times=1).error(429, retry_after=1)',
        "story.let_an_expired_token_be_replaced()",
        "story.reload()",
    ]


def test_a_story_holding_a_known_finding_is_recognised():
    known = [Step("go_offline"), Step("ask_for_a_token")]
    assert _contains([Step("hide_and_show"), Step("go_offline"), Step("reload"), Step("ask_for_a_token")], known)
    assert not _contains([Step("ask_for_a_token"), Step("go_offline")], known)


def test_a_finding_is_known_by_its_cause_whatever_sets_it_off():
    offline = [Step("go_offline"), Step("ask_for_a_token")]
    assert cause(offline) == [Step("go_offline")]
    assert _contains(cause([Step("reload"), Step("go_offline"), Step("let_the_token_age")]), cause(offline))
    rate_limited = [
        Step("fault", ("token", "429", "until-cleared")),
        Step("fault", ("client", "500", "once")),
        Step("let_the_token_come_due"),
    ]
    assert cause(rate_limited) == [Step("fault", ("token", "429", "once")), Step("fault", ("client", "500", "once"))]
    assert not _contains(cause(rate_limited), cause(offline))
    assert cause([Step("reload")]) == [Step("reload")]  # no cause: the story itself
    empty_token = [Step("api_misbehaves", ("empty-token", "fine", "once"))]
    assert cause(empty_token) == [Step("fault", ("token", "empty-token", "once"))]  # "fine" is no cause
    assert _contains(cause([Step("api_misbehaves", ("empty-token", "429", "until-cleared"))]), cause(empty_token))
    assert not _contains(cause([Step("api_misbehaves", ("429", "500", "once"))]), cause(empty_token))


def test_coverage_says_what_was_tried():
    coverage = Coverage(runs=3, longest=2)
    coverage.steps.update({"go_offline": 2, "reload": 1})
    text = coverage.render(faults=False)
    assert text.startswith("3 stories, 3 steps (longest 2)") and "go_offline 2" in text and "step kinds 2/" in text
    assert "fault" not in text.split("step kinds", 1)[1]


@pytest.mark.parametrize(
    "argv",
    [
        ["explore"],
        ["explore", "--clerk-js", "6.0.0", "--runs", "0"],
        ["explore", "--clerk-js", "6.0.0", "--runs", "5", "--minutes", "1"],
        ["explore", "--replay", "/nowhere/finding.json"],
    ],
)
def test_bad_explore_arguments_are_one_line_and_exit_2(capsys, argv):
    try:
        code = main(argv)
    except SystemExit as stop:
        code = int(stop.code)
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err


def test_a_known_cause_that_loses_the_session_another_way_is_a_finding_of_its_own():
    """The 429-on-the-client-at-a-reload family is known (Clerk.user null after the reload); a story that
    also holds that cause but shows /api/me 401 (a slow token route, then a 503 on the touch) is news."""
    from clerk_harness.explore.causes import is_known

    known_family = [Step("fault", ("client", "429", "once")), Step("reload")]
    known = [(known_family, "reload_without_user")]
    other_family = [
        Step("fault", ("client", "429", "once")),
        Step("fault", ("token", "slow", "once")),
        Step("reload"),
        Step("call_the_api"),
    ]
    assert is_known(other_family, "reload_without_user", known)
    assert not is_known(other_family, "api_refused", known)
    assert not is_known([Step("reload")], "reload_without_user", known)
