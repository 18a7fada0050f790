"""The server's notion of time: wall-clock time plus an offset the harness can advance.

The harness advances this clock in lockstep with the browser's virtual clock, so that token
`iat`/`exp` claims and server-side verification agree with what clerk-js sees in the page.
"""

from __future__ import annotations

import threading
import time


class ServerClock:
    def __init__(self) -> None:
        self._offset_s = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Seconds since the epoch, as the fake backend sees them."""
        with self._lock:
            return time.time() + self._offset_s

    def now_ms(self) -> int:
        return int(self.now() * 1000)

    @property
    def offset_s(self) -> float:
        with self._lock:
            return self._offset_s

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset_s += seconds

    def reset(self) -> None:
        with self._lock:
            self._offset_s = 0.0
