"""Nightly (`pytest -m nightly`): the ranges of today's sign-outs hold over every published release, in
both engines: `clerk-harness survey` finds the catalogue's edges (exit 0) or says which differ (exit 1).
A scenario that loses in two ranges (5.x and 6.x) is surveyed per major line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.nightly]
CLI = str(Path(sys.executable).with_name("clerk-harness"))
WHOLE = ()
PER_MAJOR = (("--from", "5.0.0", "--to", "5.128.0"), ("--from", "6.0.0"))
SURVEYS = {
    "clock-slow": (WHOLE,),
    "clock-fast": (WHOLE,),
    "minter-outage": PER_MAJOR,
    "minter-outage-403": PER_MAJOR,
    "minter-outage-503": (WHOLE,),
    "expired-token-retry": (WHOLE,),
    "sleep-wake": (WHOLE,),
    "reload-rate-limited": (WHOLE,),
    "bfcache-restore": (WHOLE,),
    "minter-stale-token": (WHOLE,),
    "focus-multi-tab": (WHOLE,),
    "partitioned-late": (("--from", "5.125.3"),),
}  # the first release that knows partitioned cookies


@pytest.mark.parametrize("engine", ["chromium", "firefox"])
@pytest.mark.parametrize("scenario_id", sorted(SURVEYS))
def test_the_measured_range_is_the_catalogues(scenario_id, engine, tmp_path):
    for span in SURVEYS[scenario_id]:
        done = subprocess.run(
            [
                CLI,
                "survey",
                scenario_id,
                "--browser",
                engine,
                *span,
                "--retry-errors",
                "1",
                "--json",
                str(tmp_path / "survey.json"),
            ],
            capture_output=True,
            text=True,
            timeout=1800,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
