"""Starting a user's app: its environment, readiness, the check that it uses the fake, and its end.
Stand-in apps are tiny Python servers, so no browser and no npm are needed here."""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from clerk_harness.browser import driver_cache
from clerk_harness.errors import HarnessError
from clerk_harness.stories.user_app import AppSpec, start_app
from clerk_harness_fake import BackendSettings, FakeClerkServer

APP = textwrap.dedent("""
    import http.server, json, os, sys
    with open(sys.argv[1], "w") as out:
        json.dump({k: v for k, v in os.environ.items()
                   if "CLERK" in k or k in ("PORT", "HOST", "NODE_COMPILE_CACHE", "LD_PRELOAD")}, out)
    status = int(sys.argv[2])
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(status if self.path == "/api/me" else 200)
            self.end_headers()
            if self.path == "/time":  # the app's own clock
                self.wfile.write(repr(__import__("time").time()).encode())
        def log_message(self, *args):
            pass
    http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
""")


@pytest.fixture
def server(tmp_path):
    with FakeClerkServer(BackendSettings(clerk_js_cache=tmp_path)) as running:
        yield running


def stand_in(tmp_path, probe_status: int = 401, **spec) -> AppSpec:
    script = tmp_path / "app.py"
    script.write_text(APP)
    return AppSpec(f"{sys.executable} {script} {tmp_path / 'env.json'} {probe_status}", **spec)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def test_the_app_gets_the_fakes_environment_and_ends_with_the_run(tmp_path, server, monkeypatch):
    monkeypatch.delenv(driver_cache.VARIABLE, raising=False)
    app = start_app(stand_in(tmp_path), server)
    env = json.loads((tmp_path / "env.json").read_text())
    assert driver_cache.VARIABLE not in env  # the harness's setting for Playwright's driver is never the app's
    # The production topology (the default): only what every SDK reads; the key names the Frontend API at
    # its own host, served by the fake's HTTPS front, where the browser also reaches the app.
    assert env["PORT"] == str(app.port) and "CLERK_PROXY_URL" not in env
    assert not {name for name in env if "PROXY" in name or "CLERK_JS_URL" in name}
    assert env["CLERK_API_URL"] == server.origin + "/__clerk_api" and "BEGIN PUBLIC KEY" in env["CLERK_JWT_KEY"]
    assert env["CLERK_PUBLISHABLE_KEY"] == server.clerk.settings.publishable_key
    assert server.clerk.settings.frontend_api_host == f"clerk.harness.test:{server.front.port}"
    assert server.clerk.app_origins[0] == app.origin == f"https://app.harness.test:{server.front.port}"
    assert app.direct_url == f"http://127.0.0.1:{app.port}/"
    guard = app._guard.pid
    app.stop()
    assert app._guard.poll() is not None and not alive(guard)


def test_the_proxy_topology_gives_the_proxy_url_and_keeps_the_app_on_loopback(tmp_path, server):
    app = start_app(stand_in(tmp_path, topology="proxy"), server)
    try:
        env = json.loads((tmp_path / "env.json").read_text())
        assert env["CLERK_PROXY_URL"] == server.origin + "/__clerk" and server.front is None
        assert server.clerk.app_origins[0] == app.origin == f"http://127.0.0.1:{app.port}"
    finally:
        app.stop()


def test_an_app_that_exits_early_shows_its_output(tmp_path, server):
    with pytest.raises(HarnessError, match=r"'echo boom; exit 3' exited \(code 3\) before answering, in .+: boom$"):
        start_app(AppSpec("echo boom; exit 3"), server)


NODE_MISSING_MODULE = """node:internal/modules/cjs/loader:1228
  throw err;
  ^

Error: Cannot find module 'express'
Require stack:
- /repo/server.js
    at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)
    at Module._load (node:internal/modules/cjs/loader:1051:27) {
  code: 'MODULE_NOT_FOUND',
  requireStack: [ '/repo/server.js' ]
}

Node.js v20.20.2
"""
PYTHON_TRACEBACK = """Traceback (most recent call last):
  File "/repo/app.py", line 1, in <module>
    import flask
ModuleNotFoundError: No module named 'flask'
"""


@pytest.mark.parametrize(
    "output, why",
    [
        (NODE_MISSING_MODULE, "Error: Cannot find module 'express'"),
        (PYTHON_TRACEBACK, "ModuleNotFoundError: No module named 'flask'"),
        ("listening\nbye\n", "bye"),
        ("", "no output"),
    ],
)
def test_the_line_that_says_why_an_app_exited(tmp_path, server, output, why):
    """Node prints the cause above a stack, a `code:` block and its version line."""
    (tmp_path / "out.txt").write_text(output)
    with pytest.raises(HarnessError, match=rf"in {tmp_path}: {re.escape(why)}$"):
        start_app(AppSpec("cat out.txt; exit 1", cwd=tmp_path), server)


def test_an_app_that_never_answers_names_the_url_and_the_timeout(tmp_path, server):
    with pytest.raises(HarnessError, match=r"did not answer at http://127\.0\.0\.1:\d+/ within 0\.5s"):
        start_app(AppSpec("sleep 30", ready_timeout_s=0.5), server)


def test_an_app_whose_probe_lets_anyone_in_does_not_use_the_fake(tmp_path, server):
    with pytest.raises(HarnessError, match="answered 200 without any cookie: it does not check Clerk's session"):
        start_app(stand_in(tmp_path, probe_status=200), server)


def test_a_missing_folder_is_one_line(tmp_path, server):
    with pytest.raises(HarnessError, match="is not a folder"):
        start_app(AppSpec("true", cwd=tmp_path / "nope"), server)


def test_a_real_node_app_missing_its_modules_names_the_module_and_the_folder(tmp_path, server):
    (tmp_path / "server.js").write_text("require('express');\n")
    with pytest.raises(
        HarnessError,
        match=rf"'node server.js' exited \(code 1\) before answering, in {tmp_path}: "
        r"Error: Cannot find module 'express'$",
    ):
        start_app(AppSpec("node server.js", cwd=tmp_path), server)


def test_the_configs_app_runs_beside_the_config_and_a_given_command_where_it_was_given(tmp_path, monkeypatch):
    """`app.command` in playwright.config.json starts in the config's folder (pytest from a subfolder or an
    IDE included); `--app-cmd` or a marker's command without a folder starts where it was given."""
    from clerk_harness.config import load_config
    from clerk_harness.stories.user_app import app_spec

    (tmp_path / "playwright.config.json").write_text('{"app": {"command": "node server.js"}}')
    (tmp_path / "tests").mkdir()
    monkeypatch.chdir(tmp_path / "tests")
    app = load_config(tmp_path / "playwright.config.json").app
    assert app_spec(app).cwd == tmp_path
    assert app_spec(app, command="node other.js").cwd is None
    assert app_spec(app, command="node other.js", cwd="web").cwd == Path("web")


def app_time(app) -> float:
    import urllib.request

    with urllib.request.urlopen(app.direct_url.rstrip("/") + "/time", timeout=5) as answer:
        return float(answer.read())


def test_the_apps_clock_follows_the_fakes(tmp_path, server):
    """libfaketime in the app's processes: its `time.time()` moves with each advance of the fake's clock,
    and a reset brings it back (the app is shared by the runs of a test process)."""
    from clerk_harness.faketime import find_libfaketime

    if find_libfaketime() is None:
        pytest.fail(
            "libfaketime is not installed: `clerk-harness setup` installs it as root (apt-get install faketime)"
        )
    from clerk_harness.faketime import SHM_FOLDER, shared_names

    in_shm = lambda: {entry.name for entry in SHM_FOLDER.iterdir()}
    before = in_shm()
    app = start_app(stand_in(tmp_path, clock="virtual"), server)
    assert app.clock is not None
    sem, shm = shared_names(app.clock.path.parent)
    try:
        assert app.clock_mode == "virtual"
        assert abs(app_time(app) - server.clerk.clock.now()) < 1
        server.clerk.clock.advance(3600.5)
        assert abs(app_time(app) - server.clerk.clock.now()) < 1 and server.clerk.clock.offset_s == 3600.5
        server.clerk.clock.reset()
        assert abs(app_time(app) - server.clerk.clock.now()) < 1
        app.skew_clock(-30)  # a story's server clock behind: it stays behind as the fake's clock moves
        server.clerk.clock.advance(60)
        assert abs(app_time(app) - (server.clerk.clock.now() - 30)) < 1
        app.skew_clock(0.0)  # as each run starts
        assert abs(app_time(app) - server.clerk.clock.now()) < 1
        # libfaketime's shared state is the pair the harness made for the app's folder: none of its own
        pair = {shm[1:], f"sem.{sem[1:]}"}
        assert pair <= in_shm() and not {n for n in in_shm() - before if n.startswith(("faketime_", "sem.faketime_"))}
    finally:
        app.stop()
    server.clerk.clock.advance(10)  # a stopped app's clock file is gone: the fake's clock no longer writes it
    assert not pair & in_shm(), f"left in /dev/shm: {pair & in_shm()}"  # the app's guard removed the pair


def test_an_app_on_real_time_gets_no_preload_and_virtual_without_libfaketime_is_one_line(tmp_path, server, monkeypatch):
    monkeypatch.delenv("LD_PRELOAD", raising=False)
    app = start_app(stand_in(tmp_path, clock="real"), server)
    app.stop()
    assert app.clock_mode == "real" and "LD_PRELOAD" not in json.loads((tmp_path / "env.json").read_text())
    with pytest.raises(HarnessError, match=r"skewing your app's clock needs it on the virtual clock: libfaketime"):
        app.skew_clock(-30)
    monkeypatch.setenv("CLERK_HARNESS_LIBFAKETIME", str(tmp_path / "missing.so"))
    scratch_root = tmp_path / "scratch"
    scratch_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch_root))  # where the app's scratch folder goes
    with pytest.raises(HarnessError, match=r"needs libfaketime, which is not installed: apt-get install faketime"):
        start_app(stand_in(tmp_path, clock="virtual"), server)
    assert list(scratch_root.iterdir()) == []  # the failed start left no folder behind
    fallback = start_app(stand_in(tmp_path, clock="auto"), server)
    fallback.stop()
    assert fallback.clock_mode == "real"  # auto: real time without libfaketime
    assert list(scratch_root.iterdir()) == []
