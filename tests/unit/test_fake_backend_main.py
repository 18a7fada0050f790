"""`python -m clerk_harness_fake`: the fake alone, for tools that need nothing of the harness."""

from __future__ import annotations

import subprocess
import sys
import urllib.request


def test_it_prints_its_origin_and_answers():
    process = subprocess.Popen([sys.executable, "-m", "clerk_harness_fake"], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        origin = line.rsplit(" ", 1)[-1].strip()
        assert line.startswith("fake Clerk backend on http://127.0.0.1:"), line
        with urllib.request.urlopen(origin + "/__harness/health", timeout=10) as answer:
            assert answer.status == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_beyond_loopback_it_needs_to_be_told_and_says_so_in_one_line():
    done = subprocess.run(
        [sys.executable, "-m", "clerk_harness_fake", "--host", "0.0.0.0"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "allow" in done.stderr, done.stderr
