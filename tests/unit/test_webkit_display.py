"""WebKit's virtual display, started by the WebKit program (program.py, under the system's Python): the
number Xvfb took becomes the program's DISPLAY, and an Xvfb that fails says why in the one line the run
reports (two displays once wrote one keyboard map: "Failed to compile keymap")."""

from __future__ import annotations

import importlib
import os
import stat
import sys
from pathlib import Path

import pytest

from clerk_harness.browser.webkit import launch

FAILING_XVFB = """#!/bin/sh
echo "_XSERVTransSocketUNIXCreateListener: ...SocketCreateListener() failed" >&2
echo "XKB: Failed to compile keymap" >&2
echo "(EE) Fatal server error:" >&2
exit 1
"""
# Xvfb says the number it took on the descriptor after -displayfd, then serves until it is ended.
STARTING_XVFB = """#!/bin/sh
echo 7 > /proc/self/fd/$2
exec sleep 60
"""


@pytest.fixture
def program(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(Path(launch.PROGRAM).parent))
    monkeypatch.setitem(os.environ, "DISPLAY", ":99")  # restored after the test
    yield importlib.import_module("program")
    sys.modules.pop("program", None)


def fake_xvfb(folder: Path, script: str, monkeypatch: pytest.MonkeyPatch) -> None:
    xvfb = folder / "Xvfb"
    xvfb.write_text(script)
    xvfb.chmod(xvfb.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")


def test_the_number_xvfb_took_is_the_programs_display(program, tmp_path, monkeypatch):
    fake_xvfb(tmp_path, STARTING_XVFB, monkeypatch)
    display = program.start_display("800x600", str(tmp_path))
    try:
        assert os.environ["DISPLAY"] == ":7"
    finally:
        display.kill()
        display.wait()


def test_an_xvfb_that_fails_says_why_in_one_line(program, tmp_path, monkeypatch):
    fake_xvfb(tmp_path, FAILING_XVFB, monkeypatch)
    with pytest.raises(SystemExit) as stopped:
        program.start_display("800x600", str(tmp_path))
    assert str(stopped.value) == "the virtual display (Xvfb) did not start (exit code 1) XKB: Failed to compile keymap"
    assert os.environ["DISPLAY"] == ":99"
