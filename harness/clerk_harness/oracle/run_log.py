"""The run's log: harness time (seconds since the run's instruments started) and the steps the harness
took ("offline", "reload", "clock +5s"), which reports show beside the cookie events."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(repr=False)
class RunLog:
    started: float = field(default_factory=time.monotonic)
    started_wall: float = field(default_factory=time.time)  # to place server-side events on this log's time
    marks: list[tuple[float, str]] = field(default_factory=list)
    # what catches up before each step is logged (the cookie recorder: the page's reports, a jar snapshot)
    before_each_mark: list[Callable[[], None]] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<RunLog {len(self.marks)} steps, {self.now():.1f}s>"

    def now(self) -> float:
        return round(time.monotonic() - self.started, 4)

    def mark(self, label: str) -> None:
        """A harness step; each instrument in `before_each_mark` catches up first."""
        for catch_up in self.before_each_mark:
            catch_up()
        self.marks.append((self.now(), label))
