"""WebKit's browser, contexts and pages in the shape of Playwright's sync API: the part of it the harness's
instruments and stories call (evaluate, init scripts, bindings, the whole jar, offline, the clock, windows),
so that they drive WebKit as they drive Chromium and Firefox. What WebKit cannot do here says so when asked
(`route`: the forwarder's `block` stands in for it where the harness needs it, the Frontend API's outage)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from clerk_harness.browser.webkit.clock import WebKitClock
from clerk_harness.browser.webkit.connection import Connection
from clerk_harness.browser.webkit.input import Keyboard, Locator, Mouse
from clerk_harness.browser.webkit.records import Request, Response
from clerk_harness.errors import HarnessError
from clerk_harness.faketime import INSTALL_HINT, ProcessClock

NAVIGATED = "Execution context was destroyed"  # what the program answers when a navigation ends an evaluation

# The trusted `offline` and `online` events come about 3 s after the route changes (WebKit's network
# monitor): a page is told within this.
NETWORK_EVENT_WITHIN_S = 15.0

# Polls `predicate` on the page's real timers (the virtual clock, when installed, keeps them as builtins).
WAIT_FOR = """async (argument) => {
  const builtins = (globalThis.__pwClock && globalThis.__pwClock.builtins) || globalThis;
  const sleep = () => new Promise((resolve) => builtins.setTimeout.call(globalThis, resolve, %(polling)d));
  const predicate = () => { let value = (%(expression)s
  ); if (typeof value === "function") value = value(argument); return value; };
  for (;;) { const value = await predicate(); if (value) return value; await sleep(); }
}"""

NETWORK_STATE = """(offline) => navigator.onLine === !offline || new Promise((resolve) =>
  window.addEventListener(offline ? "offline" : "online", () => resolve(true), { once: true }))"""


class Emitter:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Callable[..., None]]] = {}

    def on(self, event: str, handler: Callable[..., None]) -> None:
        self._handlers.setdefault(event, []).append(handler)

    def remove_listener(self, event: str, handler: Callable[..., None]) -> None:
        handlers = self._handlers.get(event, [])
        if handler in handlers:
            handlers.remove(handler)

    def emit(self, event: str, *args: Any) -> None:
        for handler in list(self._handlers.get(event, [])):
            handler(*args)


class WebKitPage(Emitter):
    def __init__(self, context: WebKitContext, number: int) -> None:
        super().__init__()
        self.context = context
        self.number = number
        self.url = "about:blank"
        self._closed = False
        self.keyboard = Keyboard(self)
        self.mouse = Mouse(self)

    def __repr__(self) -> str:
        return f"<WebKitPage {self.number} {self.url}>"

    def _call(self, op: str, *, timeout_s: float | None = None, **params: Any) -> Any:
        return self.context.connection.call(
            op, page=self.number, timeout_s=timeout_s or self.context.default_timeout_s, **params
        )

    def is_closed(self) -> bool:
        return self._closed

    def evaluate(self, expression: str, arg: Any = None) -> Any:
        return self._call("evaluate", expression=expression, arg=arg)

    def wait_for_function(
        self, expression: str, *, arg: Any = None, polling: float | str = 100, timeout: float | None = None
    ) -> Any:
        """As Playwright's: the condition is polled in the page, and again in the next document when a
        navigation (Back, a reload) replaces the one it was polled in."""
        interval = 16 if polling == "raf" else int(polling)
        timeout_s = (timeout or self.context.default_timeout_s * 1000) / 1000
        script = WAIT_FOR % {"expression": expression, "polling": interval}
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return self._call("evaluate", expression=script, arg=arg, timeout_s=deadline - time.monotonic())
            except PlaywrightTimeoutError:
                raise PlaywrightTimeoutError(
                    f"Page.wait_for_function: Timeout {timeout_s * 1000:.0f}ms exceeded"
                ) from None
            except PlaywrightError as error:
                if NAVIGATED not in str(error) or time.monotonic() >= deadline:
                    raise

    def wait_for_load_state(self, state: str = "load", timeout: float | None = None) -> None:
        """The navigation under way, if any, has loaded (WebKit's own `is-loading`)."""
        answer = self._call("wait_for_load", timeout_s=(timeout / 1000) if timeout else None)
        self.url = (answer or {}).get("url") or self.url

    def wait_for_timeout(self, timeout_ms: float) -> None:  # sleep-ok: Playwright's call, for real time to pass
        """Real time passes (the page's real timers, which the virtual clock keeps as builtins)."""
        self.evaluate(
            "(ms) => new Promise((resolve) => ((globalThis.__pwClock && globalThis.__pwClock.builtins) || globalThis)"
            ".setTimeout.call(globalThis, resolve, ms))",
            timeout_ms,
        )

    def goto(self, url: str, *, timeout: float | None = None, **_: Any) -> Response | None:
        self.context.reach(url)
        return self._loaded(self._call("goto", url=url, timeout_s=(timeout / 1000) if timeout else None))

    def reload(self, *, timeout: float | None = None, **_: Any) -> Response | None:
        return self._loaded(self._call("reload", timeout_s=(timeout / 1000) if timeout else None))

    def _loaded(self, answer: dict | None) -> Response | None:
        """The document's answer, as Playwright's `Response` of a navigation (None when none came)."""
        if not answer:
            return None
        self.url = answer["url"] or self.url
        request = None
        for hop in answer["redirected_from"]:
            request = Request("GET", hop, "document", redirected_from=request)
        response = Response(Request("GET", self.url, "document", redirected_from=request), answer["status"])
        response.headers = answer["headers"]
        return response

    def bring_to_front(self) -> None:
        self._call("bring_to_front")

    def locator(self, selector: str) -> Locator:
        """As Playwright's, for the first element `selector` matches: `count` and a trusted `click`."""
        return Locator(self, selector)

    def wait_for_url(self, url: Callable[[str], bool], *, timeout: float | None = None) -> None:
        """As Playwright's, with a predicate: until the page's URL (a router's `pushState` included) passes."""
        seen = self.evaluate("location.href")
        while not url(seen):
            seen = self.wait_for_function(
                "(seen) => location.href !== seen && location.href", arg=seen, timeout=timeout
            )
        self.url = seen

    def minimize(self) -> None:
        """The window leaves the screen: WebKit makes the page hidden (a trusted `visibilitychange`)."""
        self._call("minimize")

    def set_default_timeout(self, timeout_ms: float) -> None:
        self.context.default_timeout_s = timeout_ms / 1000

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            if self.context.connection.connected:
                self._call("close_page")
            self.context._forget(self)
            self.emit("close", self)


class NoTracing:
    """WebKit keeps no Playwright trace: a run's artifacts there are its timeline, journal and report."""

    def start(self, **_: Any) -> None:
        pass

    def stop(self, **_: Any) -> None:
        pass


class WebKitContext(Emitter):
    def __init__(self, browser: WebKitBrowser, number: int, process_clock: ProcessClock | None = None) -> None:
        super().__init__()
        self.browser = browser
        self.process_clock = process_clock
        self.connection: Connection = browser.connection
        self.number = number
        self.default_timeout_s = 30.0
        self.pages: list[WebKitPage] = []
        self._bindings: dict[str, Callable[..., Any]] = {}
        self._requests: dict[int, Request] = {}  # those not answered yet, by the program's number
        self._offline = False
        self._blocked = False
        self.clock = WebKitClock(self)
        self.tracing = NoTracing()
        self.connection.listeners.append(self._on_event)

    def __repr__(self) -> str:
        return f"<WebKitContext {self.number}, {len(self.pages)} page(s)>"

    def _call(self, op: str, **params: Any) -> Any:
        return self.connection.call(op, context=self.number, timeout_s=self.default_timeout_s, **params)

    def _page(self, number: int) -> WebKitPage | None:
        return next((page for page in self.pages if page.number == number), None)

    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        if kind == "page" and event.get("context") == self.number:
            page = WebKitPage(self, event["page"])
            self.pages.append(page)
            self.emit("page", page)
            return
        page = self._page(event.get("page", -1))
        if kind == "binding" and event.get("context") == self.number:
            handler = self._bindings.get(event["name"])
            if handler is not None:
                handler({"context": self, "page": page}, *event["args"])
        elif page is None:
            return
        elif kind == "url":
            page.url = event["url"]
        elif kind == "requestfailed":
            self.emit("requestfailed", Request(event["method"], event["url"], event["resource_type"], event["failure"]))
        elif kind == "response":
            request = Request(event["method"], event["url"], event["resource_type"])
            self.emit("response", Response(request, event["status"]))
        elif kind == "request":
            request = Request(event["method"], event["url"], event["resource_type"])
            request.headers = event["headers"]
            self._requests[event["id"]] = request
            page.emit("request", request)
        elif kind == "answered" and event["id"] in self._requests:
            request = self._requests.pop(event["id"])
            request.answer = Response(request, event["status"])
            request.answer.headers = event["headers"]
        elif kind == "crash":
            page.emit("crash", page)

    def _forget(self, page: WebKitPage) -> None:
        if page in self.pages:
            self.pages.remove(page)

    def new_page(self, *, own_window: bool = False) -> WebKitPage:
        """A tab of the context's window (bringing one to the front hides the others); `own_window`: a window
        beside it, which takes the display's focus from the other when it comes to the front."""
        page = WebKitPage(self, self.connection.call("new_page", context=self.number, own_window=own_window))
        self.pages.append(page)
        self.emit("page", page)
        return page

    @contextmanager
    def expect_page(self, timeout: float | None = None) -> Iterator[PageOpened]:
        """As Playwright's: the page that the block makes the app open (`window.open`)."""
        opened = PageOpened()
        self.on("page", opened.take)
        try:
            yield opened
            if opened.page is None:  # the event comes with the next message: one round trip brings it
                self.connection.call("version", timeout_s=(timeout or 30_000) / 1000)
        finally:
            self.remove_listener("page", opened.take)
        if opened.page is None:
            raise PlaywrightTimeoutError("BrowserContext.expect_page: no page was opened")

    def add_init_script(self, script: str | None = None, **_: Any) -> None:
        self._call("add_init_script", source=script)

    def expose_binding(self, name: str, callback: Callable[..., Any]) -> None:
        self._bindings[name] = callback
        self._call("expose_binding", name=name)

    def cookies(self, urls: Any = None) -> list[dict[str, Any]]:
        return self._call("cookies")

    def add_cookies(self, cookies: list[dict[str, Any]]) -> None:
        """As Playwright's, for cookies given with their domain and path (as `cookies()` returns them)."""
        self._call("add_cookies", cookies=cookies)

    def clear_cookies(self, **_: Any) -> None:
        self._call("clear_cookies")

    def set_default_timeout(self, timeout_ms: float) -> None:
        self.default_timeout_s = timeout_ms / 1000

    def set_offline(self, offline: bool) -> None:
        """Real offline: the namespace's route goes (program.py), and each page hears the trusted event."""
        self.connection.call("set_offline", offline=offline)
        self._offline = offline
        for page in list(self.pages):
            if not page.is_closed() and page.url.startswith("http"):
                page._call("evaluate", expression=NETWORK_STATE, arg=offline, timeout_s=NETWORK_EVENT_WITHIN_S)

    def trust_certificate(self, pem: str, hosts: list[str]) -> None:
        """This context trusts the certificate `pem` for `hosts` alone (as Chromium trusts it by its key's
        hash): every other certificate is checked as usual."""
        self.connection.call("trust_certificate", context=self.number, pem=pem, hosts=hosts)

    def accept_cookies_across_hosts(self) -> None:
        """The production topology's two made-up hosts are one site, as real ones are (see the program's
        operation of that name: libsoup knows no base domain under `.test`)."""
        self.connection.call("accept_cookies_across_hosts", context=self.number)

    def reach(self, *origins: str) -> None:
        """WebKit can reach these origins' ports on this machine's loopback (its namespace's way out)."""
        for origin in origins:
            if origin.startswith(("http://", "https://")):
                self.connection.call("forward", port=_port(origin))

    def wait_for_network_idle(self, within_ms: int = 1000) -> None:
        """The context's requests under way have been answered (or failed); a request still open after
        `within_ms` is held on purpose (a story's hanging fault), and the wait ends."""
        self._call("wait_for_network_idle", within_ms=within_ms)

    def set_tracking_prevention(self, enabled: bool) -> None:
        """WebKit's Intelligent Tracking Prevention, on as in Safari by default (it needs a context with data)."""
        self._call("set_tracking_prevention", enabled=enabled)

    def move_browser_clock(self, offset_s: float) -> None:
        """WebKit's own wall clock runs `offset_s` ahead of the real one (its jar expires cookies by it)."""
        if self.process_clock is None:
            raise HarnessError(f"moving WebKit's own clock needs libfaketime, which is not installed: {INSTALL_HINT}")
        self.process_clock.set_offset(offset_s)

    def block(self, path_prefix: str | None, host: str | None = None) -> None:
        """Requests for paths under `path_prefix`, and every request to `host` over HTTPS, fail as on a network
        that loses them (the forwarder cuts their connection), while WebKit stays online; None: none do.
        WebKit has no request routing: `api_down` uses this (the proxy topology's path, the Frontend API's
        own host in the production topology)."""
        self.connection.call("block", prefix=path_prefix, host=host)
        self._blocked = path_prefix is not None or host is not None

    @property
    def network_changed(self) -> bool:
        """The run left the network changed: offline, or the Frontend API's requests cut."""
        return self._offline or self._blocked

    def route(self, *_: Any, **__: Any) -> None:
        raise PlaywrightError("WebKit runs have no request routing (the forwarder fails requests: `block`)")

    unroute = route

    def close(self) -> None:
        for page in list(self.pages):
            page._closed = True
        self.pages.clear()
        if self.connection.connected:
            if self._offline:
                self.connection.call("set_offline", offline=False)
            self.connection.call("block", prefix=None)
            self._call("close_context")
        if self._on_event in self.connection.listeners:
            self.connection.listeners.remove(self._on_event)


class WebKitBrowser(Emitter):
    def __init__(self, connection: Connection, version: str) -> None:
        super().__init__()
        self.connection = connection
        self.version = version
        self.contexts: list[WebKitContext] = []
        connection.on_disconnect.append(lambda: self.emit("disconnected", self))

    def is_connected(self) -> bool:
        self.connection.pump()
        return self.connection.connected

    def new_context(self, *, data: str | None = None, clock: ProcessClock | None = None) -> WebKitContext:
        """A context of its own: ephemeral, or keeping its data in the folder `data` (where WebKit's tracking
        prevention keeps its state); `clock` moves WebKit's own wall clock (libfaketime), when there is one."""
        context = WebKitContext(self, self.connection.call("new_context", data=data), clock)
        self.contexts.append(context)
        return context

    def close(self) -> None:
        self.connection.close()


class PageOpened:
    def __init__(self) -> None:
        self.page: WebKitPage | None = None

    def take(self, page: WebKitPage) -> None:
        if self.page is None:
            self.page = page

    @property
    def value(self) -> WebKitPage:
        assert self.page is not None
        return self.page


def _port(url: str) -> int:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme == "https" else 80)
