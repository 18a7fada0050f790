"""A user's own app under test: a server with Clerk's SDK, started with the fake's Clerk settings.

The harness picks a free port, starts the app's command with `PORT` and the Clerk environment (the fake's
publishable key, its JWT key, its Backend API and proxy URLs), waits until the app answers, checks that it
really uses the fake (its probe refuses a request without cookies), and stops it and all its children at
the end, however the run ends (the same guard process as the browser's).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from clerk_harness.browser import guard as browser_guard
from clerk_harness.browser import owned_folders
from clerk_harness.browser.guard import CHILD_EXIT_FILE
from clerk_harness.config import TOPOLOGIES, AppConfig
from clerk_harness.errors import HarnessError
from clerk_harness.faketime import ProcessClock, app_clock_mode

if TYPE_CHECKING:
    from clerk_harness_fake import FakeClerkServer

APP_DEFAULTS = AppConfig()

# Without libfaketime a user's server checks tokens on its own real clock, so time really passes:
# short-lived tokens keep a story to seconds. clerk-js refreshes at TTL - 17 s: 19 s puts the refresh point 2 s after the sign-in
# (time for the story to go offline first) and leaves the token valid when the browser is back.
APP_TOKEN_TTL_S = 19
# WebKit's page hears it is offline about 3 s after the route goes (its network monitor), and a refresh
# that fails before then is a network error, not an offline one: its refresh point comes 6 s after the sign-in.
WEBKIT_APP_TOKEN_TTL_S = 23
# The line of a dying app's output that names the cause (Node, Python, a shell, a busy port).
TELLING_LINE = re.compile(r"\b(\w*Error|Cannot find|not found|No such file|EADDRINUSE|denied)\b")


@dataclass(frozen=True)
class AppSpec:
    """How to start and reach the app: `command` runs in a shell in `cwd`; `{port}` or $PORT is its port."""

    command: str
    cwd: Path | None = None
    url: str | None = None  # default http://127.0.0.1:$PORT/
    probe: str = APP_DEFAULTS.probe  # an authenticated route: 2xx = signed in; 401/403/redirect = signed out
    ready_timeout_s: float = APP_DEFAULTS.ready_timeout_ms / 1000
    topology: str = "production"  # or "proxy" (see config: app.topology)
    protected_page: str = APP_DEFAULTS.protected_page  # reached by a client-side link from the first page
    clock: str = APP_DEFAULTS.clock  # "auto": the virtual clock where libfaketime is installed, else "real"


def app_spec(
    app: AppConfig,
    *,
    command: str | None = None,
    cwd: str | Path | None = None,
    url: str | None = None,
    probe: str | None = None,
    ready_timeout_s: float | None = None,
    topology: str | None = None,
    protected_page: str | None = None,
    clock: str | None = None,
) -> AppSpec | None:
    """What was given (CLI flags, a pytest marker) over the config's `app` section; None when neither
    names a command (the built-in page is under test)."""
    given = command is not None  # a command given here (flags, a marker) runs where it was given, unless `cwd`
    command = command or app.command
    if not command:
        return None
    topology = topology or app.topology
    topology = "production" if topology == "auto" else topology  # a user's app: as in production
    if topology not in TOPOLOGIES:
        raise HarnessError(f"topology {topology!r}: choose one of {', '.join(TOPOLOGIES)}")
    return AppSpec(
        command,
        Path(cwd) if cwd else (None if given else app.cwd),
        url or app.url,
        probe or app.probe,
        ready_timeout_s or app.ready_timeout_ms / 1000,
        topology,
        protected_page or app.protected_page,
        clock or app.clock,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(repr=False)
class RunningApp:
    spec: AppSpec
    port: int
    url: str  # where the browser opens it (in the production topology, through the HTTPS front)
    direct_url: str  # where the harness itself reaches it (its readiness and its probe): loopback, http
    _guard: subprocess.Popen
    _log_path: Path
    _scratch: str
    clock: ProcessClock | None = None  # the app on the harness's virtual clock (libfaketime); None: real time
    clock_skew_s: float = 0.0  # how far the app's clock runs ahead of the fake's (behind, when negative)
    _fake_offset_s: float = 0.0
    _unfollow: Callable[[], None] = field(default=lambda: None, repr=False)

    @property
    def clock_mode(self) -> str:
        return "virtual" if self.clock is not None else "real"

    def __repr__(self) -> str:
        return f"<RunningApp {self.spec.command!r} at {self.url}>"

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    def probe_url(self) -> str:
        return self.origin + self.spec.probe

    @property
    def direct_host(self) -> str:
        """The host the app listens on (its `HOST`): what the HTTPS front connects to."""
        return urlsplit(self.direct_url).hostname or "127.0.0.1"

    def direct_probe_url(self) -> str:
        parts = urlsplit(self.direct_url)
        return f"{parts.scheme}://{parts.netloc}{self.spec.probe}"

    def direct_request(self, url: str) -> urllib.request.Request:
        """A request the harness sends the app itself, with the host the browser uses (the HTTPS front's
        headers in the production topology): a Next.js middleware otherwise rewrites it to another host."""
        if self.direct_url == self.url:
            return urllib.request.Request(url)
        host = urlsplit(self.url).netloc
        return urllib.request.Request(url, headers={"Host": host, "X-Forwarded-Host": host})

    def exit_code(self) -> int | None:
        """The app command's exit code once it has ended (its guard stays until the run lets go)."""
        try:
            return int(Path(self._scratch, CHILD_EXIT_FILE).read_text())
        except (OSError, ValueError):
            return None if self._guard.poll() is None else self._guard.returncode

    def exited_within(self, seconds: float) -> int | None:
        """The exit code, waiting up to `seconds` for it (its guard notes it a moment after it exits)."""
        deadline = time.monotonic() + seconds
        while (code := self.exit_code()) is None and time.monotonic() < deadline:
            time.sleep(0.02)  # sleep-ok: another process's exit, bounded; only after a page the app did not serve
        return code

    def how_it_exited(self) -> str:
        """`the app exited (code 1): Error: ...`, once it has."""
        code = self.exit_code()
        how = browser_guard.exit_status(code) if code is not None else "code unknown"
        return f"the app exited ({how}): {self.why_it_exited()}"

    def why_it_exited(self) -> str:
        """The line of its output that says why (Node's "Error: Cannot find module ..." sits above a stack
        and a version line), else its last line."""
        try:
            text = self._log_path.read_text(errors="replace")
        except OSError:
            return "no output"
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        telling = [line for line in lines if TELLING_LINE.search(line) and not line.startswith("at ")]
        return (telling or lines or ["no output"])[0 if telling else -1]

    def last_output(self, lines: int = 8) -> str:
        try:
            text = self._log_path.read_text(errors="replace")
        except OSError:
            return ""
        return " | ".join(line for line in text.strip().splitlines()[-lines:]) or "no output"

    def until_ready(self, server: FakeClerkServer) -> RunningApp:
        """Wait until it answers, then check that it uses the fake; on any failure (or Ctrl-C) stop it."""
        try:
            _wait_until_answering(self)
            server.clerk.app_origins.insert(0, self.origin)
            if self.clock is not None:  # from now on the app's clock is the fake's (plus any skew a story sets)
                self._unfollow = server.clerk.clock.follow(self._follow)
            _check_it_uses_the_fake(self)
        except BaseException:
            self.stop()
            raise
        return self

    def ask_the_probe(self) -> tuple[int, Message]:
        """The probe's answer to the harness itself (no cookie, no redirect followed): status and headers."""
        try:
            with urllib.request.build_opener(_NoRedirect).open(
                self.direct_request(self.direct_probe_url()), timeout=10
            ) as answer:
                return answer.status, answer.headers
        except urllib.error.HTTPError as refused:  # signed out (401), or a redirect: an answer too
            return refused.code, refused.headers

    def _follow(self, fake_offset_s: float) -> None:
        assert self.clock is not None
        self._fake_offset_s = fake_offset_s
        self.clock.set_offset(fake_offset_s + self.clock_skew_s)

    def skew_clock(self, seconds: float) -> None:
        """From now on the app's clock runs `seconds` ahead of the fake's and the page's (behind, when
        negative); 0 puts it back in step. Only an app on the virtual clock has a clock the harness moves."""
        if self.clock is None:
            raise HarnessError(
                "skewing your app's clock needs it on the virtual clock: libfaketime (apt-get install faketime; app.clock)"
            )
        self.clock_skew_s = seconds
        self._follow(self._fake_offset_s)

    def stop(self) -> None:
        """Close the guard's stdin: it ends the app's whole process group and removes the scratch folder."""
        self._unfollow()
        browser_guard.release(self._guard)
        shutil.rmtree(self._scratch, ignore_errors=True)


def start_app(spec: AppSpec, server: FakeClerkServer) -> RunningApp:
    """Start the app with the fake's Clerk environment and wait until it answers; check it uses the fake."""
    return spawn_app(spec, server).until_ready(server)


def spawn_app(spec: AppSpec, server: FakeClerkServer) -> RunningApp:
    """Start the app's command and return at once: the caller can start Playwright while the app boots,
    then call `until_ready` (which stops the app if it never gets ready)."""
    port = free_port()
    url = (spec.url or "http://127.0.0.1:{port}/").replace("{port}", str(port)).replace("$PORT", str(port))
    cwd = Path(spec.cwd).resolve() if spec.cwd else None
    if cwd is not None and not cwd.is_dir():
        raise HarnessError(f"--app-cwd {cwd} is not a folder")
    host = urlsplit(url).hostname or "127.0.0.1"
    direct_url = url
    if spec.topology == "production":  # the browser goes through the HTTPS front; the app gets only the keys
        from clerk_harness_fake.settings import APP_HOST

        front = server.ensure_front()
        parts = urlsplit(url)
        url = f"https://{APP_HOST}:{front.port}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
        clerk_env = server.clerk.production_sdk_env()
    else:
        clerk_env = server.clerk.sdk_env(host)
    virtual = app_clock_mode(spec.clock) == "virtual"  # a one-line error before anything is made
    scratch = tempfile.mkdtemp(prefix="clerk-harness-app-")  # the guard removes it, however the run ends
    log_path = Path(scratch) / "app.log"
    env = {**os.environ, **clerk_env, "PORT": str(port), "HOST": host}
    command = spec.command.replace("{port}", str(port))
    try:
        clock = ProcessClock.in_folder(scratch) if virtual else None
        if clock is not None:
            env = clock.env(env)
        with open(log_path, "wb") as log:
            guard = browser_guard.spawn(
                scratch, ["sh", "-c", command], stdout=log, stderr=subprocess.STDOUT, cwd=cwd, env=env
            )
    except BaseException:  # no guard owns the folder yet
        owned_folders.remove(scratch)
        raise
    return RunningApp(spec, port, url, direct_url, guard, log_path, scratch, clock)


def _wait_until_answering(app: RunningApp) -> None:
    deadline = time.monotonic() + app.spec.ready_timeout_s
    while time.monotonic() < deadline:
        exited = app.exit_code()
        if exited is not None:
            where = app.spec.cwd.resolve() if app.spec.cwd else Path.cwd()
            raise HarnessError(
                f"the app command {app.spec.command!r} exited (code {exited}) before answering, in "
                f"{where}: {app.why_it_exited()}"
            )
        try:
            urllib.request.build_opener(_NoRedirect).open(app.direct_request(app.direct_url), timeout=5).close()
            return
        except urllib.error.HTTPError:
            return  # it answers (an error page or a redirect, e.g. a handshake, is an answer)
        except (urllib.error.URLError, OSError):
            time.sleep(0.025)  # sleep-ok: a starting server has no readiness event; its port is polled
    raise HarnessError(
        f"the app did not answer at {app.direct_url} within {app.spec.ready_timeout_s:g}s "
        f"(last output: {app.last_output(3)})"
    )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _check_it_uses_the_fake(app: RunningApp) -> None:
    """Without any cookie the probe must refuse: a 2xx means the app does not check the session."""
    try:
        status, _ = app.ask_the_probe()
    except (urllib.error.URLError, OSError) as error:
        raise HarnessError(f"the app's probe {app.direct_probe_url()} did not answer: {error}") from None
    if 200 <= status < 300:
        raise HarnessError(
            f"the app's probe {app.direct_probe_url()} answered {status} without any cookie: it does not "
            f"check Clerk's session, or does not use the fake (see `clerk-harness env`)"
        )
