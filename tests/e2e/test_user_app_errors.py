"""A user's app that cannot be tested says why in one line (exit 2), never a verdict."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
CLI = str(Path(sys.executable).with_name("clerk-harness"))

SENDS_TO_CLERK = textwrap.dedent("""
    import http.server, os
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/api/me":
                self.send_response(401)
            else:  # a handshake to a Frontend API of its own, not the one the publishable key names
                self.send_response(307)
                self.send_header("Location", "https://clerk.example.com/v1/client/handshake?redirect_url=x")
            self.end_headers()
        def log_message(self, *args):
            pass
    http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
""")


def repro(tmp_path, app_cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            CLI,
            "repro",
            "offline-reload",
            "--clerk-js",
            "6.1.0",
            "--quiet",
            "--artifacts",
            str(tmp_path / "run"),
            "--app-cmd",
            app_cmd,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_app_that_exits_at_once_is_one_line_with_its_output(tmp_path, clerk_config):
    run = repro(tmp_path, "echo 'Error: Cannot find module express'; exit 1")
    assert run.returncode == 2 and "Cannot find module express" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_an_app_that_sends_the_browser_to_clerk_is_refused(tmp_path, clerk_config):
    script = tmp_path / "app.py"
    script.write_text(SENDS_TO_CLERK)
    run = repro(tmp_path, f"{sys.executable} {script}")
    assert run.returncode == 2 and "not to the fake's Frontend API" in run.stdout
    assert len(run.stdout.strip().splitlines()) == 1, "--quiet prints the verdict line only, with the why of an error"
