"""A run that hangs ends the command that tells it in this process (`repro`, `demo`, `bisect`, `survey`,
`explore`: each of its stories).

No call of Playwright's has a timeout of its own, and a browser can stop answering: Firefox once spun in a
tab switch for 14 minutes (docs/facts.md). `run` ends such a run by killing its worker process
(`--run-timeout`); these commands tell their stories in their own process, so after `--run-timeout` seconds
the guard interrupts the command as Ctrl-C does (its browser, app and Playwright's driver end, nothing is
left behind) and the command exits 2 with one line. If that clean-up hangs too, the process ends
`GRACE_S` later, and the browser's and the app's guards end them as it goes.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from clerk_harness.commands.exits import EXIT_ERROR
from clerk_harness.matrix.job import hung_run

GRACE_S = 15.0  # for the clean-up after the interrupt, before the process ends without it
_hung_after: list[float] = []  # the guard's timeout, once it fired


@contextmanager
def ends_a_hung_run(seconds: float) -> Iterator[None]:
    """Interrupt this process (as Ctrl-C does) if the block has not ended after `seconds`."""
    timer = threading.Timer(seconds, _interrupt, args=(seconds,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def hung_after() -> float | None:
    """The timeout of the guard that interrupted this process, if one did."""
    return _hung_after[0] if _hung_after else None


def message(seconds: float) -> str:
    return f"{hung_run(seconds)}: it was ended (--run-timeout)"


def _interrupt(seconds: float) -> None:
    _hung_after.append(seconds)
    last_resort = threading.Timer(GRACE_S, _end_now, args=(seconds,))
    last_resort.daemon = True
    last_resort.start()
    os.kill(os.getpid(), signal.SIGINT)  # the main thread's KeyboardInterrupt: the Ctrl-C path cleans up


def _end_now(seconds: float) -> None:
    sys.stderr.write(f"clerk-harness: error: {message(seconds)}; its clean-up hung too\n")
    sys.stderr.flush()
    os._exit(EXIT_ERROR)
