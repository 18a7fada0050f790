"""The harness's side of the WebKit browser, without a browser: the socket's order (events before the reply
they came before, a listener's own request inside another's wait), errors, the browser going away, the
clock's source, and the one line a machine without WebKitGTK gets."""

from __future__ import annotations

import json
import socket
import sys
import threading

import pytest
from playwright.sync_api import Error as PlaywrightError

from clerk_harness.browser.webkit import launch
from clerk_harness.browser.webkit.clock import clock_source
from clerk_harness.browser.webkit.connection import Connection, WebKitGone
from clerk_harness.errors import HarnessError


def browser_that(answer) -> tuple[Connection, threading.Thread]:
    """A stand-in for program.py: `answer(request)` gives the lines it sends back to each request."""
    harness_end, browser_end = socket.socketpair()

    def serve() -> None:
        with browser_end, browser_end.makefile("rw", encoding="utf-8") as stream:
            for line in stream:
                for reply in answer(json.loads(line)):
                    stream.write(json.dumps(reply) + "\n")
                    stream.flush()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return Connection(harness_end), thread


def test_events_sent_before_a_reply_reach_their_listeners_before_the_call_returns():
    connection, _ = browser_that(
        lambda request: [{"event": "binding", "n": 1}, {"event": "binding", "n": 2}, {"id": request["id"], "result": 7}]
    )
    heard = []
    connection.listeners.append(lambda event: heard.append(event["n"]))
    assert connection.call("evaluate") == 7
    assert heard == [1, 2]
    connection.close()


def test_a_listener_may_call_the_browser_while_another_call_waits():
    def answer(request):
        if request["op"] == "outer":
            return [{"event": "ask"}, {"id": request["id"], "result": "outer"}]
        return [{"id": request["id"], "result": "inner"}]

    connection, _ = browser_that(answer)
    inner = []
    connection.listeners.append(lambda event: inner.append(connection.call("inner")))
    assert connection.call("outer") == "outer"
    assert inner == ["inner"]
    connection.close()


def test_an_error_reply_is_playwrights_error_and_a_browser_gone_says_so():
    connection, thread = browser_that(lambda request: [{"id": request["id"], "error": "TypeError: Load failed"}])
    with pytest.raises(PlaywrightError, match="WebKit.evaluate: TypeError: Load failed"):
        connection.call("evaluate")
    gone = []
    connection.on_disconnect.append(lambda: gone.append(True))
    connection._socket.shutdown(socket.SHUT_WR)  # the stand-in reads EOF and closes its end: the browser has gone
    thread.join(5)
    with pytest.raises(WebKitGone):
        connection.call("evaluate")
    assert gone == [True] and not connection.connected


def test_the_clock_is_playwrights_own_read_from_the_installed_driver():
    source = clock_source()
    assert "function inject(globalObject, browserName)" in source and "fastForward" in source


def test_a_machine_without_webkitgtk_gets_one_line_saying_what_to_install(monkeypatch):
    monkeypatch.setattr(launch, "PYTHON", "/nonexistent/python3")
    monkeypatch.setattr(launch, "_found", {})
    with pytest.raises(HarnessError) as raised:
        launch.check_webkit()
    message = str(raised.value)
    assert "\n" not in message and "clerk-harness setup --browser webkit" in message and "WebKitGTK" in message


def test_webkitgtk_installed_by_setup_is_found_in_the_same_command(monkeypatch):
    """On a fresh machine `setup --browser webkit` probes, installs, and probes again: the first answer
    (not there) must not stand for the second."""
    from clerk_harness.releases import setup

    monkeypatch.setattr(launch, "PYTHON", "/nonexistent/python3")
    monkeypatch.setattr(launch.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(setup.os, "geteuid", lambda: 0)
    installed = []

    def apt_get_install(package, progress, *more):
        installed.append((package, *more))
        monkeypatch.setattr(launch, "PYTHON", sys.executable)  # the system's python3 now reaches WebKitGTK
        monkeypatch.setattr(launch, "PROBE", "print('2.50.6')")

    monkeypatch.setattr(setup, "_apt_get_install", apt_get_install)
    monkeypatch.setattr(launch, "_found", {})
    assert setup.ensure_webkit(progress=lambda _: None) == "WebKitGTK 2.50.6"
    assert installed == [launch.PACKAGES]
