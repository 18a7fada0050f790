"""benchmarks/durations.py splits a change in the suite's time into the tests both suites have and the
tests one of them added or dropped, from `pytest --durations=0` output."""

from __future__ import annotations

from benchmarks.durations import SuiteChange, compare, worker_seconds

BEFORE = """\
============================= slowest durations ==============================
2.00s call     tests/e2e/test_a.py::test_one[x-1]
0.50s setup    tests/e2e/test_a.py::test_one[x-1]
1.00s call     tests/unit/test_b.py::test_two
0.25s call     tests/unit/test_b.py::test_gone
(12 durations < 0.005s hidden.  Use -vv to show these durations.)
520 passed in 155.76s (0:02:35)
"""
AFTER = """\
3.00s call     tests/e2e/test_a.py::test_one[x-1]
0.80s call     tests/unit/test_b.py::test_two
4.00s call     tests/e2e/test_new.py::test_three
0.10s teardown tests/e2e/test_new.py::test_three
718 passed in 260.55s (0:04:20)
"""


def test_a_tests_setup_call_and_teardown_add_up_and_other_lines_are_not_read():
    seconds = worker_seconds(BEFORE.splitlines())
    assert seconds == {
        "tests/e2e/test_a.py::test_one[x-1]": 2.5,
        "tests/unit/test_b.py::test_two": 1.0,
        "tests/unit/test_b.py::test_gone": 0.25,
    }


def test_the_tests_both_have_are_told_apart_from_the_added_and_the_dropped():
    change = SuiteChange(worker_seconds(BEFORE.splitlines()), worker_seconds(AFTER.splitlines()))
    assert change.kept == {"tests/e2e/test_a.py::test_one[x-1]", "tests/unit/test_b.py::test_two"}
    assert change.added == {"tests/e2e/test_new.py::test_three"}
    assert change.dropped == {"tests/unit/test_b.py::test_gone"}
    report = change.report()
    assert report[0].endswith("3.8 s over 3 tests before, 7.9 s over 3 after")
    assert report[1] == "the 2 tests both have: 3.5 s before, 3.8 s after"
    assert report[2] == "added: 1 tests, 4.1 s; dropped: 1 tests, 0.2 s"
    assert "     4.1 s  tests/e2e/test_new.py" in report
    assert "     2.5 ->    3.0 s  tests/e2e/test_a.py" in report


def test_it_reads_files(tmp_path):
    (tmp_path / "before.txt").write_text(BEFORE)
    (tmp_path / "after.txt").write_text(AFTER)
    assert compare(tmp_path / "before.txt", tmp_path / "after.txt").added == {"tests/e2e/test_new.py::test_three"}
