"""Finding and starting the WebKit browser (program.py): Debian's WebKitGTK, on a virtual display, under the
harness's guard, which ends it (its display and helpers with it) and removes its folder with the run."""

from __future__ import annotations

import os
import queue
import shutil
import socket
import subprocess
import threading
import time
from collections import deque
from pathlib import Path

from clerk_harness.browser import guard as browser_guard
from clerk_harness.browser import owned_folders
from clerk_harness.browser.session import BrowserSession
from clerk_harness.browser.webkit.connection import Connection
from clerk_harness.browser.webkit.pages import WebKitBrowser
from clerk_harness.config import BrowserConfig
from clerk_harness.errors import HarnessError
from clerk_harness.faketime import ProcessClock, find_libfaketime

PYTHON = "/usr/bin/python3"  # the system's: its PyGObject reaches WebKitGTK (the harness's venv has none)
PROGRAM = Path(__file__).with_name("program.py")
PACKAGES = ("gir1.2-webkit2-4.1", "python3-gi", "xvfb", "iproute2")
HOW_TO_GET_IT = (
    "WebKit runs need Debian's WebKitGTK and a virtual display (Linux only): "
    f"`clerk-harness setup --browser webkit` as root, or `apt-get install {' '.join(PACKAGES)}`"
)
PROBE = (
    "import gi; gi.require_version('Gtk', '3.0'); gi.require_version('WebKit2', '4.1');"
    " from gi.repository import WebKit2;"
    " print(f'{WebKit2.get_major_version()}.{WebKit2.get_minor_version()}.{WebKit2.get_micro_version()}')"
)


_found: dict[str, str] = {}  # WebKitGTK's version once found; a machine without it is asked again (setup installs it)


def webkit_version() -> str | None:
    """WebKitGTK's version as the system's Python reaches it; None where it cannot."""
    if "version" not in _found:
        if not os.access(PYTHON, os.X_OK):
            return None
        result = subprocess.run([PYTHON, "-c", PROBE], capture_output=True, text=True, timeout=60)
        version = result.stdout.strip() if result.returncode == 0 else ""
        if not version:
            return None
        _found["version"] = version
    return _found["version"]


def missing() -> list[str]:
    """What a WebKit run needs and this machine lacks (empty when it can run)."""
    lacking = []
    if webkit_version() is None:
        lacking.append("WebKitGTK 4.1 for the system's python3 (gir1.2-webkit2-4.1, python3-gi)")
    if shutil.which("Xvfb") is None:
        lacking.append("a virtual display (xvfb)")
    if shutil.which("ip") is None:
        lacking.append("ip (iproute2)")
    return lacking


def check_webkit() -> str:
    """WebKitGTK's version, or one line saying what to install."""
    lacking = missing()
    if lacking:
        raise HarnessError(f"{HOW_TO_GET_IT} (missing: {'; '.join(lacking)})")
    return webkit_version() or ""


def launch_webkit_session(
    config: BrowserConfig, *, timeout_s: float = 30, movable_clock: bool = False
) -> BrowserSession:
    """A WebKit of the run's own, with one context and its first page; with `movable_clock`, WebKit's own
    wall clock can be moved (`WebKitContext.move_browser_clock`: libfaketime, about 0.3 s a run)."""
    from clerk_harness_fake.settings import APP_HOST, FAPI_HOST

    version = check_webkit()
    owned_folders.remove_stale_profiles()
    folder = owned_folders.new_profile_name()
    width, height = config.window_size
    clock = _movable_clock(folder) if movable_clock else None
    command = [
        *(["env", *(f"{key}={value}" for key, value in _network_process_only(clock).items())] if clock else []),
        PYTHON,
        str(PROGRAM),
        os.path.join(folder, "control.sock"),
        f"{width}x{height}",  # its virtual display's (program.py starts one of its own)
        f"{FAPI_HOST},{APP_HOST}",  # the production topology's hosts, on loopback in WebKit's namespace
    ]
    # its temp files go in the guarded folder, removed with it; no accessibility bus; X11 (its own Xvfb)
    env = {**os.environ, "TMPDIR": folder, "NO_AT_BRIDGE": "1", "GDK_BACKEND": "x11"}
    guard = browser_guard.spawn(folder, command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    try:
        connection = _connect(guard, folder, timeout_s)
        browser = WebKitBrowser(connection, version)
        context = browser.new_context(data=os.path.join(folder, "data"), clock=clock)
        page = context.new_page()
    except BaseException:
        browser_guard.release(guard)
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return BrowserSession(
        browser,  # type: ignore[arg-type]  # Playwright's shape (clerk_harness.browser.webkit.pages)
        context,  # type: ignore[arg-type]
        page,  # type: ignore[arg-type]
        config.visibility,
        f"WebKitGTK {version}",
        _guard=guard,
        _profile_dir=folder,
        engine="webkit",
        exit_file=os.path.join(folder, browser_guard.CHILD_EXIT_FILE),
    )


def _movable_clock(folder: str) -> ProcessClock | None:
    """WebKit's own wall clock, movable from outside (libfaketime, when installed; its offset file in the
    run's folder): cookie expiry is the network process's business, on that clock. Monotonic clocks stay
    real. The file is written once the folder is there; until then the clock is the real one."""
    library = find_libfaketime()
    return None if library is None else ProcessClock(library, Path(folder) / "faketime-offset")


def _network_process_only(clock: ProcessClock) -> dict[str, str]:
    """libfaketime's environment, faking the clock of WebKit's network process alone (its jar expires
    cookies): the page's own clock stays the virtual clock's, whose replay in each new document reads the
    web process's real time."""
    return {**clock.env({}), "FAKETIME_ONLY_CMDS": "WebKitNetworkProcess"}


def _connect(guard: subprocess.Popen, folder: str, timeout_s: float) -> Connection:
    """Wait for the program's "listening" (on its stderr), then connect to its socket."""
    lines: queue.Queue[str | None] = queue.Queue()
    log: deque[str] = deque(maxlen=20)

    def read_stderr() -> None:
        assert guard.stderr is not None
        for line in guard.stderr:
            log.append(line.rstrip())
            if line.strip() == "listening":
                lines.put("listening")
        lines.put(None)

    threading.Thread(target=read_stderr, name="webkit-stderr", daemon=True).start()
    exit_file = Path(folder, browser_guard.CHILD_EXIT_FILE)
    deadline = time.monotonic() + timeout_s
    ready = None
    while ready is None and time.monotonic() < deadline and not exit_file.exists():
        try:  # the guard writes the exit file if the program ends before it listens
            ready = lines.get(timeout=0.1)
        except queue.Empty:
            continue
    if ready is None:
        tail = " | ".join(list(log)[-3:]) or "no output"
        raise HarnessError(f"WebKit did not start: {tail}")
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(os.path.join(folder, "control.sock"))
    return Connection(client)
