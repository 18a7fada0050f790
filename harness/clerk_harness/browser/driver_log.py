"""What Playwright logs about its own connection, as one line each.

Since 1.65 Playwright's Python client logs an error that a message from the driver raised as it was
dispatched (a listener's error, or a message for an object a killed browser already took with it) on the
`playwright` logger, and a process without logging configured prints it as a whole traceback. A run
whose browser was killed is then reported twice: once as the run's `error` verdict, once as a traceback
that reads like a crash of the harness. Here each such record is one line: the message, the error and
where it was raised.
"""

from __future__ import annotations

import logging
import sys
import traceback

LOGGER = "playwright"


class OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = f"[playwright] {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            frames = traceback.extract_tb(error.__traceback__)
            where = f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""
            line += f": {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}{where}"
        return line


def one_line_errors() -> None:
    """Playwright's logged errors go to stderr as one line each (once per process; a logging setup of the
    caller's own, with a handler on the `playwright` logger or the root, is left as it is)."""
    logger = logging.getLogger(LOGGER)
    if logger.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLine())
    handler.setLevel(logging.ERROR)
    logger.addHandler(handler)
    logger.propagate = False
