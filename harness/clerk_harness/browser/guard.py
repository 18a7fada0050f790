"""A small guard process between the harness and the Chromium it starts, so that nothing outlives a run.

    python -m clerk_harness.browser.guard PROFILE_DIR -- CHROMIUM [ARGS...]

The guard starts Chromium in a process group of its own and then waits. It ends Chromium's whole group
and removes the profile folder when any of these happens: the harness closes the guard's stdin (a normal
close), the harness dies however it dies (SIGKILL included: the kernel closes the pipe), or the guard gets
SIGTERM, SIGINT or SIGHUP. If Chromium (or a user's app, guarded the same way) exits by itself, its group
is ended at once and its folder stays until one of those happens. Chromium also gets SIGKILL from the kernel if the
guard itself is killed (PR_SET_PDEATHSIG). Standard library only: it starts in a few milliseconds.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from clerk_harness.faketime import remove_shared_state

PR_SET_PDEATHSIG = 1
CHILD_EXIT_FILE = "guarded-child-exit-code"
GUARD_PID_FILE = "guard.pid"  # marks the folder as its guard's (see clerk_harness.browser.owned_folders)
STOP_GRACE_S = 3.0


def exit_status(code: int) -> str:
    """A child's exit as a person says it: `signal 9` for one killed, `code 1` for one that exited."""
    return f"signal {-code}" if code < 0 else f"code {code}"


def wait_for_exit_code(exit_file: str | Path, within_s: float = 2.0) -> int | None:
    """The guarded child's exit code, which the guard writes as soon as its wait() returns (a moment after
    the harness notices the child gone); None if nothing is written within `within_s` (closed, not exited)."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            return int(Path(exit_file).read_text())
        except (OSError, ValueError):
            if time.monotonic() > deadline:
                return None
            time.sleep(0.02)  # sleep-ok: another process's file, bounded; only after a child went away


def die_with_parent() -> None:
    """From now on the kernel sends this process SIGKILL when its parent goes away (in Chromium's case,
    called before exec: when the guard goes)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the guard's own cleanup still applies
        pass


def stop_group(process: subprocess.Popen, grace_s: float = STOP_GRACE_S) -> None:
    """SIGTERM the process group, then SIGKILL what is left after `grace_s`."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace_s)
            return
        except subprocess.TimeoutExpired:
            continue


def spawn(folder: str, command: list[str], **popen: Any) -> subprocess.Popen:
    """Start `command` under a guard that owns `folder` (the harness's side; `release` ends it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "clerk_harness.browser.guard", folder, "--", *command],
        stdin=subprocess.PIPE,
        start_new_session=True,
        **popen,
    )


def release(guard: subprocess.Popen) -> None:
    """Closing the guard's stdin makes it end the whole process group and remove the folder."""
    try:
        if guard.stdin is not None:
            guard.stdin.close()
        guard.wait(timeout=10)
    except (subprocess.TimeoutExpired, OSError):
        guard.kill()  # the child then gets SIGKILL from the kernel (PR_SET_PDEATHSIG)
        guard.wait()


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m clerk_harness.browser.guard PROFILE_DIR -- CHROMIUM [ARGS...]", file=sys.stderr)
        return 2
    profile, command = argv[0], argv[2:]
    stopping = threading.Event()  # set by the first stop request, from a signal or from the harness
    started: list[subprocess.Popen] = []

    def stop(*_: object) -> None:
        if not stopping.is_set():
            stopping.set()
            if started:
                threading.Thread(target=stop_group, args=(started[0],), daemon=True).start()

    # The handlers come first: a signal that arrives as the child starts is a stop request, never an
    # unhandled KeyboardInterrupt that would leave the folder behind.
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, stop)
    # The guard makes its folder (unless the harness did) and marks it as its own: a harness ended before
    # the guard started leaves no folder, and a folder whose guard was killed is removed by the next run.
    os.makedirs(profile, mode=0o700, exist_ok=True)
    Path(profile, GUARD_PID_FILE).write_text(str(os.getpid()))
    chromium = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=die_with_parent)
    started.append(chromium)
    if stopping.is_set():  # asked to stop while the child was starting
        threading.Thread(target=stop_group, args=(chromium,), daemon=True).start()

    def watch_the_harness() -> None:
        sys.stdin.buffer.read()  # returns at EOF: the harness closed the pipe, or died
        stop()

    threading.Thread(target=watch_the_harness, daemon=True).start()
    code = chromium.wait()
    try:  # tells the harness that the child is gone while the guard (and the folder) remain; whole, never half
        written = Path(profile, CHILD_EXIT_FILE + ".part")
        written.write_text(str(code))
        os.replace(written, Path(profile, CHILD_EXIT_FILE))
    except OSError:
        pass
    stop_group(chromium, grace_s=1.0)  # helpers (renderers, zygotes) still in the group
    # A child that exits by itself (an app that crashed) leaves its folder until the harness lets go, so
    # that the harness can still read what the child wrote there (its log).
    stopping.wait()
    remove_singleton_folder(profile)
    remove_shared_state(profile)  # libfaketime's, when the child ran on a moved clock (clerk_harness.faketime)
    shutil.rmtree(profile, ignore_errors=True)
    return code if code >= 0 else 0


def remove_singleton_folder(profile: str) -> None:
    """Chromium keeps its profile's lock socket in a temp folder of its own (`<tmp>/org.chromium.Chromium.*`,
    linked from the profile's `SingletonSocket`) and removes it only on a clean exit: remove it with the
    profile. Only a folder that holds nothing but Chromium's singleton files is removed."""
    link = Path(profile, "SingletonSocket")
    try:
        folder = Path(os.readlink(link)).parent
        if folder.is_dir() and {entry.name for entry in folder.iterdir()} <= {"SingletonSocket", "SingletonCookie"}:
            shutil.rmtree(folder, ignore_errors=True)
    except OSError:  # no link (not a Chromium profile, or Chromium never got that far)
        pass


if __name__ == "__main__":
    status = main(sys.argv[1:])
    sys.stderr.flush()
    os._exit(status)  # not SystemExit: the stdin watcher thread is still blocked in read()
