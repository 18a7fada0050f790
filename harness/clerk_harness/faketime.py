"""A process's wall clock, moved from outside through libfaketime: a user's app on the harness's virtual
clock, and WebKit's own clock (the jar's cookie expiry) for a story that moves it.

An SDK server checks each token's `iat`/`exp` against its own clock. Left on real time, runs against an
app need short-lived tokens and real waiting. With Debian's libfaketime preloaded into the app's
processes, their wall clock (`Date.now()`, `time.time()`) is the real time plus an offset read from a
file on every call; the harness writes the fake backend's offset there at each `advance`, so the app,
the fake and the page share one virtual time. Monotonic clocks stay real (`FAKETIME_DONT_FAKE_MONOTONIC`),
so the app's own timers and event loop run as ever.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from clerk_harness.errors import HarnessError

LIBRARY_ENV = "CLERK_HARNESS_LIBFAKETIME"  # a libfaketime.so.1 elsewhere
LIBRARY_GLOBS = (
    "/usr/lib/*/faketime/libfaketime.so.1",
    "/usr/lib/faketime/libfaketime.so.1",
    "/usr/local/lib/faketime/libfaketime.so.1",
)
CLOCK_MODES = ("auto", "virtual", "real")
INSTALL_HINT = "apt-get install faketime (or `clerk-harness setup` as root)"


def find_libfaketime() -> Path | None:
    given = os.environ.get(LIBRARY_ENV)
    if given:
        return Path(given) if Path(given).is_file() else None
    found = sorted(path for pattern in LIBRARY_GLOBS for path in glob.glob(pattern))
    return Path(found[0]) if found else None


def app_clock_mode(wanted: str) -> str:
    """`virtual` when libfaketime is there (or `wanted` says real); `virtual` wanted without it is an error."""
    if wanted not in CLOCK_MODES:
        raise HarnessError(f"app clock {wanted!r}: choose one of {', '.join(CLOCK_MODES)}")
    if wanted == "real":
        return "real"
    if find_libfaketime() is not None:
        return "virtual"
    if wanted == "virtual":
        raise HarnessError(f"your app on the virtual clock needs libfaketime, which is not installed: {INSTALL_HINT}")
    return "real"


@dataclass(frozen=True)
class ProcessClock:
    """The offset file the app's libfaketime reads; `set_offset` moves the app's clock."""

    library: Path
    path: Path

    @classmethod
    def in_folder(cls, folder: str | Path) -> ProcessClock:
        library = find_libfaketime()
        if library is None:
            raise HarnessError(f"libfaketime is not installed: {INSTALL_HINT}")
        clock = cls(library, Path(folder) / "faketime-offset")
        clock.set_offset(0.0)
        return clock

    def env(self, base: dict[str, str]) -> dict[str, str]:
        """The app's environment: libfaketime preloaded, reading the offset file on every clock call."""
        preload = " ".join(filter(None, (str(self.library), base.get("LD_PRELOAD"))))
        return {
            **base,
            "LD_PRELOAD": preload,
            "FAKETIME_TIMESTAMP_FILE": str(self.path),
            "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        }

    def set_offset(self, offset_s: float) -> None:
        """Written whole (a rename), so a read never sees half a number."""
        part = self.path.with_suffix(".part")
        part.write_text(f"{offset_s:+.3f}\n")
        os.replace(part, self.path)
