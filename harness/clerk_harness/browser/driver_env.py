"""The environment of Playwright's driver, and of nothing else.

The harness gives Playwright's driver (a Node.js process) two settings: Node's compile cache, and the
Firefox workaround's preload (`NODE_OPTIONS=--require firefox_driver_patch.cjs`). Playwright takes no
environment for its driver: it copies `os.environ` at the moment it spawns it (pytest-playwright's
fixture included). So the settings are put there for exactly that moment, on the thread that starts the
driver, and taken out again (`starting`). A pytest run, a user's app and the processes of a user's other
tests never see them; every other child the harness starts gets its environment through `env=`.

A driver that does not start (Node rejects a preload, a `NODE_OPTIONS` of the user's is broken) is one
line with Node's own first error line and what to do, instead of Playwright's "Connection closed".
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, cast

from clerk_harness.browser import driver_cache, driver_log, firefox_driver_patch
from clerk_harness.errors import HarnessError

if TYPE_CHECKING:
    from playwright.sync_api import Playwright


def variables(environ: dict[str, str] | None = None, temp_dir: str | None = None) -> dict[str, str]:
    """The variables the driver gets on top of `environ` (default: this process's environment)."""
    environ = dict(os.environ) if environ is None else environ
    added = {**driver_cache.variables(environ), **firefox_driver_patch.variables(environ)}
    if temp_dir is not None:
        added["TMPDIR"] = temp_dir
    return added


@contextmanager
def applied(temp_dir: str | None = None) -> Iterator[None]:
    """`os.environ` with the driver's variables while the block runs (a driver start), exactly as it was after."""
    added = variables(temp_dir=temp_dir)
    saved = {name: os.environ.get(name) for name in added}
    os.environ.update(added)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def starting(temp_dir: str | None = None) -> Iterator[None]:
    """The block starts a Playwright driver: it gets the harness's settings, and a driver that cannot start
    is `DriverDidNotStart` with Node's own words (Playwright says only "Connection closed while reading
    from the driver")."""
    with applied(temp_dir):
        try:
            yield
        except Exception as error:
            node_said = why_the_driver_failed()
            if node_said is None:  # the driver starts: the error is not about its start
                raise
            raise DriverDidNotStart(node_said) from error


def start_playwright(temp_dir: str | None = None) -> Playwright:
    """Playwright's driver, started with the harness's settings (and its temp dir in `temp_dir`)."""
    from playwright.sync_api import sync_playwright

    driver_log.one_line_errors()
    with starting(temp_dir):
        return sync_playwright().start()


class OnFirstUse:
    """Playwright's driver, started (as `start_playwright` starts it) the first time something of it is used.
    A WebKit run never uses it (the harness drives WebKitGTK through its own program), so a WebKit-only
    worker or command spares the driver's Node.js start: about 0.3 s of CPU each. `stop` stops only a
    driver that was started."""

    def __init__(self, temp_dir: str | None = None) -> None:
        self._temp_dir = temp_dir
        self._started: Playwright | None = None

    def __getattr__(self, name: str) -> object:
        if name.startswith("_"):  # copy and pickle probe dunders: never a reason to start Node
            raise AttributeError(name)
        if self._started is None:
            self._started = start_playwright(self._temp_dir)
        return getattr(self._started, name)

    def stop(self) -> None:
        if self._started is not None:
            started, self._started = self._started, None
            started.stop()


def start_on_first_use(temp_dir: str | None = None) -> Playwright:
    """A Playwright whose driver starts when first used (see `OnFirstUse`)."""
    return cast("Playwright", OnFirstUse(temp_dir))


def playwright_for(temp_dir: str | None = None, *, webkit_only: bool) -> Playwright:
    """The Playwright of a worker or a command: its driver started now, or, when every run is in WebKit
    (which never uses it), only if something asks for it."""
    return start_on_first_use(temp_dir) if webkit_only else start_playwright(temp_dir)


class DriverDidNotStart(HarnessError):
    def __init__(self, node_said: str) -> None:
        users = os.environ.get("NODE_OPTIONS", "")
        hint = (
            f"check your NODE_OPTIONS ({users!r}), which Playwright's driver inherits"
            if users
            else "reinstall Playwright (pip install --force-reinstall playwright) and check that `python -m "
            "playwright --version` works"
        )
        super().__init__(f"Playwright's driver (Node.js) did not start: {node_said}; {hint}")


def why_the_driver_failed() -> str | None:
    """Node's own first error line when the driver is started as the harness starts it, or None."""
    import playwright

    driver = Path(playwright.__file__).parent / "driver"  # where Playwright keeps its Node.js and cli.js
    node = os.environ.get("PLAYWRIGHT_NODEJS_PATH") or str(driver / "node")
    cli = str(driver / "package" / "cli.js")
    env = {**os.environ, **variables()}
    try:
        done = subprocess.run([node, cli, "--version"], env=env, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{node}: {error}"
    if done.returncode == 0:
        return None
    return first_error_line(done.stderr)


def first_error_line(stderr: str) -> str | None:
    """The line of Node's stderr that names the error (`ReferenceError: ...`), else its first line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        head = line.split(":", 1)[0]
        if head.endswith("Error") or head.startswith("Error") or line.startswith("node: "):
            return line
    return lines[0] if lines else None
