"""The server's notion of time: wall-clock time plus an offset the harness can advance.

The harness advances this clock in lockstep with the browser's virtual clock, so that token
`iat`/`exp` claims and server-side verification agree with what clerk-js sees in the page.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class ServerClock:
    def __init__(self) -> None:
        self._offset_s = 0.0
        self._lock = threading.Lock()
        self._followers: list[Callable[[float], None]] = []

    def follow(self, follower: Callable[[float], None]) -> Callable[[], None]:
        """Call `follower(offset_s)` now and whenever the offset changes (another process's clock kept in
        step: a user's app under libfaketime); returns how to stop."""
        with self._lock:
            self._followers.append(follower)
            offset = self._offset_s
        follower(offset)

        def stop() -> None:
            with self._lock:
                if follower in self._followers:
                    self._followers.remove(follower)

        return stop

    def _tell(self, offset: float) -> None:
        for follower in list(self._followers):
            follower(offset)

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
            offset = self._offset_s
        self._tell(offset)

    def reset(self) -> None:
        with self._lock:
            self._offset_s = 0.0
        self._tell(0.0)
