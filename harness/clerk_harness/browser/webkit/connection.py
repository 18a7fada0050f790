"""The harness's end of the WebKit browser's socket (see program.py): requests and their replies, and the
browser's events, handed to listeners in the order they happened.

As in Playwright's sync API, events are handled only while the harness waits for a reply, on the harness's
own thread: a listener never runs beside the code that drives the browser. A listener may itself make a
request; a reply that arrives for an outer request meanwhile is kept for it."""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

Listener = Callable[[dict[str, Any]], None]


class WebKitGone(PlaywrightError):
    """The browser went away (it exited, or its program broke)."""


class Connection:
    def __init__(self, client: socket.socket) -> None:
        self._socket = client
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._replies: dict[int, dict[str, Any]] = {}
        self._next = 0
        self.connected = True
        self.listeners: list[Listener] = []
        self.on_disconnect: list[Callable[[], None]] = []
        threading.Thread(target=self._read, name="webkit-reader", daemon=True).start()

    def _read(self) -> None:
        with self._socket.makefile("r", encoding="utf-8") as lines:
            try:
                for line in lines:
                    self._messages.put(json.loads(line))
            except (OSError, ValueError):
                pass
        self._messages.put(None)

    def call(self, op: str, *, timeout_s: float = 30.0, **params: Any) -> Any:
        """Send one request and wait for its reply, handling the events that come first."""
        if not self.connected:
            raise WebKitGone(f"WebKit.{op}: the browser has been closed")
        self._next += 1
        rid = self._next
        try:
            self._socket.sendall((json.dumps({"id": rid, "op": op, **params}) + "\n").encode())
        except OSError as error:
            self._gone()
            raise WebKitGone(f"WebKit.{op}: the browser has gone ({error})") from None
        deadline = time.monotonic() + timeout_s
        while rid not in self._replies:
            if not self._next_message(deadline, op, timeout_s):
                raise WebKitGone(f"WebKit.{op}: the browser has gone")
        reply = self._replies.pop(rid)
        if "error" in reply:
            raise PlaywrightError(f"WebKit.{op}: {reply['error']}")
        return reply.get("result")

    def pump(self) -> None:
        """Handle the events that have arrived, without waiting."""
        while self.connected:
            try:
                message = self._messages.get_nowait()
            except queue.Empty:
                return
            self._take(message)

    def _next_message(self, deadline: float, op: str, timeout_s: float) -> bool:
        try:
            message = self._messages.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise PlaywrightTimeoutError(f"WebKit.{op}: Timeout {timeout_s * 1000:.0f}ms exceeded") from None
        return self._take(message)

    def _take(self, message: dict[str, Any] | None) -> bool:
        if message is None:
            self._gone()
            return False
        if "event" in message:
            for listener in list(self.listeners):
                listener(message)
        elif isinstance(message.get("id"), int):
            self._replies[message["id"]] = message
        return True

    def _gone(self) -> None:
        if self.connected:
            self.connected = False
            for callback in list(self.on_disconnect):
                callback()

    def close(self) -> None:
        try:
            self._socket.close()
        except OSError:
            pass
        self._gone()
