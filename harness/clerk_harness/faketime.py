"""A process's wall clock, moved from outside through libfaketime: a user's app on the harness's virtual
clock, and WebKit's own clock (the jar's cookie expiry) for a story that moves it.

An SDK server checks each token's `iat`/`exp` against its own clock. Left on real time, runs against an
app need short-lived tokens and real waiting. With Debian's libfaketime preloaded into the app's
processes, their wall clock (`Date.now()`, `time.time()`) is the real time plus an offset read from a
file on every call; the harness writes the fake backend's offset there at each `advance`, so the app,
the fake and the page share one virtual time. Monotonic clocks stay real (`FAKETIME_DONT_FAKE_MONOTONIC`),
so the app's own timers and event loop run as ever.

libfaketime shares a little state between the processes it is preloaded into (`FAKETIME_SHARED`: a POSIX
shared memory object and a semaphore, in /dev/shm). Left to itself, the first such process makes a pair
named after its pid and removes it only when it exits normally: an app that is ended left one behind each
run. The harness makes the pair itself, named after the guarded folder of the app (or of WebKit), and the
folder's guard removes it with the folder, however the run ended.
"""

from __future__ import annotations

import ctypes
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
        """The app's environment: libfaketime preloaded, reading the offset file on every clock call, and
        sharing the state the harness made for the offset file's folder (see the module's docstring)."""
        preload = " ".join(filter(None, (str(self.library), base.get("LD_PRELOAD"))))
        shared = make_shared_state(self.path.parent)
        return {
            **base,
            "LD_PRELOAD": preload,
            "FAKETIME_TIMESTAMP_FILE": str(self.path),
            "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            **({"FAKETIME_SHARED": shared} if shared else {}),
        }

    def set_offset(self, offset_s: float) -> None:
        """Written whole (a rename), so a read never sees half a number."""
        part = self.path.with_suffix(".part")
        part.write_text(f"{offset_s:+.3f}\n")
        os.replace(part, self.path)


SHARED_SIZE = 4096  # libfaketime 0.9.10 maps 8 bytes of it (a counter); a page leaves room for later versions
SHM_FOLDER = Path("/dev/shm")  # where glibc keeps POSIX shared memory and named semaphores (`sem.NAME`)


def shared_names(folder: str | Path) -> tuple[str, str]:
    """The semaphore's and the shared memory's names for the processes of one guarded folder."""
    tag = Path(folder).name
    return f"/{tag}-faketime-sem", f"/{tag}-faketime-shm"


def make_shared_state(folder: str | Path) -> str | None:
    """Make (once) the pair libfaketime shares for `folder`; returns `FAKETIME_SHARED`'s value, or None where
    there is no /dev/shm (libfaketime then makes its own)."""
    sem, shm = shared_names(folder)
    try:
        descriptor = os.open(SHM_FOLDER / shm[1:], os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    except FileExistsError:
        return f"{sem} {shm}"
    except OSError:
        return None
    try:
        os.ftruncate(descriptor, SHARED_SIZE)
    finally:
        os.close(descriptor)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.sem_open.restype = ctypes.c_void_p
    libc.sem_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_uint]
    libc.sem_close.argtypes = [ctypes.c_void_p]
    handle = libc.sem_open(sem.encode(), os.O_CREAT, 0o600, 1)
    if handle is None or handle == ctypes.c_void_p(-1).value:  # SEM_FAILED
        remove_shared_state(folder)
        raise HarnessError(f"cannot make libfaketime's semaphore {sem}: {os.strerror(ctypes.get_errno())}")
    libc.sem_close(handle)
    return f"{sem} {shm}"


def remove_shared_state(folder: str | Path) -> None:
    """Remove the pair of `folder`, if there is one (the processes still attached keep their mappings)."""
    sem, shm = shared_names(folder)
    for path in (SHM_FOLDER / shm[1:], SHM_FOLDER / f"sem.{sem[1:]}"):
        try:
            path.unlink()
        except OSError:  # none made (no libfaketime), or already removed
            pass
