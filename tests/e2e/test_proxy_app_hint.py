"""An app written for Clerk's proxy (its page loads clerk-js from CLERK_PROXY_URL) run in the default
production topology, where that variable is not set: the run ends within seconds, naming the request for
clerk-js that failed, its status and `--app-topology proxy`, instead of waiting out clerk-js's load timeout."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
CLI = str(Path(sys.executable).with_name("clerk-harness"))

PROXY_STYLE_APP = textwrap.dedent("""
    import http.server, os
    PROXY = os.environ.get("CLERK_PROXY_URL", "undefined")  # as a template literal prints a missing one
    KEY = os.environ["CLERK_PUBLISHABLE_KEY"]
    PAGE = (f'<!doctype html><script src="{PROXY}/npm/@clerk/clerk-js@6/dist/clerk.browser.js" '
            f'data-clerk-publishable-key="{KEY}"></script><script>window.Clerk && window.Clerk.load()</script>')
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            found = self.path == "/"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(PAGE.encode() if found else b"not found")
        def log_message(self, *args):
            pass
    http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
""")


def test_a_proxy_app_in_the_production_topology_is_told_in_seconds(tmp_path, clerk_config):
    app = tmp_path / "app.py"
    app.write_text(PROXY_STYLE_APP)
    started = time.monotonic()
    run = subprocess.run(
        [
            CLI,
            "repro",
            "offline-reload",
            "--clerk-js",
            "6.1.0",
            "--json",
            "--artifacts",
            str(tmp_path / "run"),
            "--app-cmd",
            f"{sys.executable} {app}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    took = time.monotonic() - started
    said = run.stdout + run.stderr
    assert run.returncode == 2, said
    result = json.loads(run.stdout)  # --json: the run's result, for a script
    assert result["verdict"] == "inconclusive" and result["expected"] == "survived", result
    said = result["reasons"][0]
    assert "/undefined/npm/@clerk/clerk-js@6/dist/clerk.browser.js and got 404" in said, said
    assert "--app-topology proxy" in said, said
    assert took < 10, f"{took:.1f}s: the run waited for the load timeout (20 s) instead of the failed request"
