"""The WebKit browser's operations (see program.py, which runs them): what the harness asks of WebKitGTK's
API, one method each, and the events it hands back. Imported by program.py once inside the network
namespace; standard library and `gi` only, under the system's Python."""

# It runs under the system's Python, whose `gi` the venv's type checker cannot see: WebKitGTK's names are unknown to it.
# pyright: reportMissingImports=false, reportAttributeAccessIssue=false, reportInvalidTypeForm=false
from __future__ import annotations

import json
import socket

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import Gdk, GLib, Gtk, WebKit2  # noqa: E402
from network_namespace import Forwarder  # noqa: E402 - beside this file
from webkit_jar import JarOperations  # noqa: E402 - beside this file

WINDOW_SIZE = (1280, 800)
DESTROYED = "Execution context was destroyed, most likely because of a navigation"


def _headers(message: object) -> dict[str, str]:
    """A request's or response's HTTP headers, by lower-case name (WebKitGTK hides `Set-Cookie`)."""
    found: dict[str, str] = {}
    headers = message.get_http_headers()
    if headers is not None:
        headers.foreach(lambda name, value: found.setdefault(name.lower(), value))
    return found


class Browser(JarOperations):
    def __init__(self, client: socket.socket, forwarder: Forwarder) -> None:
        self.client = client
        self.forwarder = forwarder
        self.out = client.makefile("w", encoding="utf-8")
        self.contexts: dict[int, tuple[WebKit2.WebContext, WebKit2.UserContentManager]] = {}
        self.views: dict[int, WebKit2.WebView] = {}
        self.windows: dict[int, Gtk.Window] = {}
        self.context_of: dict[int, int] = {}
        self.hops: dict[int, list[str]] = {}  # page -> the URLs its document's load was redirected from
        self.window_of: dict[int, int] = {}  # page -> the window it is a tab of (tabs of one window hide each other)
        self.loads: dict[int, list] = {}  # page -> the ids of goto/reload requests waiting for the load
        self.evaluations: dict[int, set] = {}  # page -> ids of evaluations a navigation would end
        self.navigations: dict[int, int] = {}  # page -> how many navigations it has started
        self.opening: set[int] = set()  # pages a page opened, whose first load has not finished yet
        self.in_flight: dict[int, dict[int, str]] = {}  # context -> its loads under way (a number each -> URL)
        self.idle_waits: dict[int, list] = {}  # context -> the requests waiting for its loads to end
        self.held: dict[int, set[int]] = {}  # context -> its loads that outlived a whole wait (held on purpose)
        self.next_id = 0

    def send(self, message: dict) -> None:
        self.out.write(json.dumps(message) + "\n")
        self.out.flush()

    def reply(self, rid: object, result: object = None) -> None:
        self.send({"id": rid, "result": result})

    def fail(self, rid: object, error: str) -> None:
        self.send({"id": rid, "error": error})

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    # --- contexts and pages ---------------------------------------------------------------------------
    def new_context(self, rid: object, data: str | None = None) -> None:
        """An ephemeral context; or one that keeps its data in the folder `data` (WebKit's tracking prevention
        keeps its state there)."""
        if data is None:
            context = WebKit2.WebContext.new_ephemeral()
        else:
            manager = WebKit2.WebsiteDataManager(base_data_directory=data, base_cache_directory=data + "/cache")
            context = WebKit2.WebContext(website_data_manager=manager)
        context.get_website_data_manager().set_itp_enabled(False)
        number = self._new_id()
        self.contexts[number] = (context, WebKit2.UserContentManager())
        self.reply(rid, number)

    def new_page(self, rid: object, context: int, own_window: bool = False) -> None:
        """A tab of the context's window; or, `own_window`, a window of its own beside it, which the
        display gives the focus when it comes to the front (the other window stays on the screen)."""
        web_context, manager = self.contexts[context]
        view = WebKit2.WebView(web_context=web_context, user_content_manager=manager)
        self.reply(rid, self._adopt(view, context, window=self._new_id() if own_window else -context))

    def _adopt(self, view: WebKit2.WebView, context: int, window: int) -> int:
        settings = view.get_settings()
        settings.set_hardware_acceleration_policy(WebKit2.HardwareAccelerationPolicy.NEVER)
        settings.set_javascript_can_open_windows_automatically(True)
        page = self._new_id()
        gtk_window = Gtk.Window()
        gtk_window.set_default_size(*WINDOW_SIZE)
        gtk_window.add(view)
        gtk_window.show_all()
        self.views[page], self.windows[page], self.context_of[page] = view, gtk_window, context
        self.window_of[page] = window
        self.loads[page], self.evaluations[page], self.navigations[page] = [], set(), 0
        view.connect("load-changed", self._load_changed, page)
        view.connect("load-failed", self._load_failed, page)
        view.connect("resource-load-started", self._resource, page)
        view.connect("web-process-terminated", lambda _view, reason: self.send({"event": "crash", "page": page}))
        view.connect("create", self._create, page)
        view.connect("decide-policy", self._deciding, page)
        return page

    def _create(self, view: WebKit2.WebView, _action: object, opener: int) -> WebKit2.WebView:
        """A page opens a window (`window.open`): a new page of the same context, in front, as Safari opens a
        tab in front of the page that opened it."""
        child = WebKit2.WebView(related_view=view, user_content_manager=view.get_user_content_manager())
        page = self._adopt(child, self.context_of[opener], window=self.window_of[opener])
        self.opening.add(page)
        self._to_front(page)
        self.send({"event": "page", "page": page, "context": self.context_of[opener], "opener": opener})
        return child

    def close_page(self, rid: object, page: int) -> None:
        window = self.windows.pop(page, None)
        view = self.views.pop(page, None)
        self.window_of.pop(page, None)
        self.hops.pop(page, None)
        for waiting in self.loads.pop(page, []):
            self.fail(waiting, "the page was closed")
        if view is not None:
            view.try_close()
        if window is not None:
            window.destroy()
        self.reply(rid)

    def close_context(self, rid: object, context: int) -> None:
        for page in [p for p, c in self.context_of.items() if c == context and p in self.views]:
            self.close_page(None, page)
        self.contexts.pop(context, None)
        self.reply(rid)

    # --- loads ----------------------------------------------------------------------------------------
    def _load_changed(self, view: WebKit2.WebView, event: WebKit2.LoadEvent, page: int) -> None:
        if event == WebKit2.LoadEvent.COMMITTED:
            for waiting in self.evaluations.get(page, set()):
                self.fail(waiting, DESTROYED)
            self.evaluations[page] = set()
            self.send({"event": "url", "page": page, "url": view.get_uri()})
        if event == WebKit2.LoadEvent.FINISHED:
            self.opening.discard(page)
            for waiting in self.loads.get(page, []):
                self.reply(waiting, self._document(view, page))
            self.loads[page] = []

    def _document(self, view: WebKit2.WebView, page: int) -> dict:
        """What the page's server answered its document: the URL, status and headers, and the URLs it was
        redirected from on the way (an SDK's handshake), as Playwright's `Response` of a `goto` tells."""
        answer: dict = {"url": view.get_uri(), "status": 0, "headers": {}, "redirected_from": self.hops.get(page, [])}
        resource = view.get_main_resource()
        response = resource.get_response() if resource is not None else None
        if response is not None:
            answer["status"] = response.get_status_code()
            answer["headers"] = _headers(response)
        return answer

    def _deciding(self, _view: WebKit2.WebView, _decision: object, kind: WebKit2.PolicyDecisionType, page: int) -> bool:
        """A navigation of the page is about to start: counted before the page's loads are stopped for it."""
        if kind == WebKit2.PolicyDecisionType.NAVIGATION_ACTION:
            self.navigations[page] += 1
        return False  # WebKit decides as it would

    def _load_failed(self, view: WebKit2.WebView, _event: object, uri: str, error: GLib.Error, page: int) -> bool:
        for waiting in self.loads.get(page, []):
            self.fail(waiting, f"net::{error.message} at {uri}")
        self.loads[page] = []
        return False

    def _resource(self, view: WebKit2.WebView, resource: WebKit2.WebResource, request: object, page: int) -> None:
        """A request's failure, and an error status, reach the harness (WebKitGTK hides `Set-Cookie` headers)."""
        method, url = request.get_http_method() or "GET", request.get_uri()
        kind = (
            "document" if resource == view.get_main_resource() else "script" if ".js" in url.split("?")[0] else "fetch"
        )
        about = {"page": page, "method": method, "url": url, "resource_type": kind}
        if kind == "document":  # the hops of its redirects (a handshake), for the load's answer
            self.hops[page] = []
            resource.connect("sent-request", self._redirected, page)
        if kind != "script":  # documents and fetches, with their headers; the first answer follows
            request_id = self._new_id()
            self.send({"event": "request", **about, "id": request_id, "headers": _headers(request)})
            answered = False

            def answer(response: object) -> None:
                nonlocal answered
                if not answered and response is not None:
                    answered = True
                    status, headers = response.get_status_code(), _headers(response)
                    self.send(
                        {"event": "answered", "page": page, "id": request_id, "status": status, "headers": headers}
                    )

            resource.connect("sent-request", lambda _r, _q, redirected: answer(redirected))
            resource.connect("finished", lambda finished_resource: answer(finished_resource.get_response()))
        context = self.context_of[page]
        loading, key = self.in_flight.setdefault(context, {}), self._new_id()  # a resource's wrapper may change
        loading[key] = url

        def failed(_resource: object, error: GLib.Error) -> None:
            self.send({"event": "requestfailed", **about, "failure": error.message})

        def finished(finished_resource: WebKit2.WebResource) -> None:  # after a failure too
            response = finished_resource.get_response()
            if response is not None and response.get_status_code() >= 400:
                self.send({"event": "response", **about, "status": response.get_status_code()})
            loading.pop(key, None)
            held = self.held.setdefault(context, set())
            held.discard(key)
            if not set(loading) - held:
                for waiting in self.idle_waits.pop(context, []):
                    self.reply(waiting)

        resource.connect("failed", failed)
        resource.connect("finished", finished)

    def _redirected(self, _resource: object, _request: object, redirected: object, page: int) -> None:
        if redirected is not None:
            self.hops.setdefault(page, []).append(redirected.get_uri())

    def wait_for_network_idle(self, rid: object, context: int, within_ms: int) -> None:
        """Replies once the context's loads under way have ended, or after `within_ms`. A load still under way
        then is held on purpose (a story's hanging fault): later waits do not wait for it again."""
        held = self.held.setdefault(context, set())
        if not set(self.in_flight.get(context, {})) - held:
            self.reply(rid)
            return
        self.idle_waits.setdefault(context, []).append(rid)

        def give_up() -> bool:
            waiting = self.idle_waits.get(context, [])
            if rid in waiting:
                waiting.remove(rid)
                loading = self.in_flight.get(context, {})
                held.update(loading)
                self.reply(rid, sorted(loading.values()))
            return False

        GLib.timeout_add(within_ms, give_up)

    def goto(self, rid: object, page: int, url: str) -> None:
        self.loads[page].append(rid)
        self.views[page].load_uri(url)

    def reload(self, rid: object, page: int) -> None:
        self.loads[page].append(rid)
        self.views[page].reload()

    def wait_for_load(self, rid: object, page: int) -> None:
        """Replies once the page's navigation under way (if any) has loaded."""
        if self.views[page].is_loading() or page in self.opening:
            self.loads[page].append(rid)
        else:
            self.reply(rid, {"url": self.views[page].get_uri()})

    # --- script ---------------------------------------------------------------------------------------
    def add_init_script(self, rid: object, context: int, source: str) -> None:
        manager = self.contexts[context][1]
        manager.add_script(
            WebKit2.UserScript(
                source,
                WebKit2.UserContentInjectedFrames.ALL_FRAMES,
                WebKit2.UserScriptInjectionTime.START,
                None,
                None,
            )
        )
        self.reply(rid)

    def expose_binding(self, rid: object, context: int, name: str) -> None:
        """`window[name](...args)` posts its arguments here; they reach the harness as an event, in order
        with the replies (a flush the harness awaits comes after every report sent before it)."""
        manager = self.contexts[context][1]

        def received(_manager: object, value: WebKit2.JavascriptResult) -> None:
            self.send(
                {
                    "event": "binding",
                    "context": context,
                    "name": name,
                    "args": json.loads(value.get_js_value().to_string()),
                }
            )

        manager.connect(f"script-message-received::{name}", received)
        manager.register_script_message_handler(name)
        self.add_init_script(
            None,
            context,
            f"window.{name} = (...args) => {{ window.webkit.messageHandlers.{name}.postMessage(JSON.stringify(args));"
            " return Promise.resolve(); };",
        )
        self.reply(rid)

    def evaluate(self, rid: object, page: int, expression: str, arg: object) -> None:
        """As Playwright's `evaluate`: an expression, or a function called with `arg`; a promise is awaited."""
        body = (
            f"let value = ({expression}\n);"
            " if (typeof value === 'function') value = value(JSON.parse(argument));"
            " value = await value; return JSON.stringify(value === undefined ? null : value);"
        )
        arguments = GLib.Variant("a{sv}", {"argument": GLib.Variant("s", json.dumps(arg))})
        self.evaluations[page].add(rid)
        navigations = self.navigations[page]

        def done(view: WebKit2.WebView, result: object) -> None:
            if rid not in self.evaluations.get(page, set()):
                return  # a navigation already ended it
            self.evaluations[page].discard(rid)
            try:
                value = view.call_async_javascript_function_finish(result)
                self.reply(rid, json.loads(value.to_string()))
            except GLib.Error as error:  # the page is leaving: what failed, failed because of it
                leaving = view.is_loading() or self.navigations.get(page) != navigations
                self.fail(rid, DESTROYED if leaving else error.message)

        self.views[page].call_async_javascript_function(body, -1, arguments, None, None, None, done)

    # --- input, windows, cookies, network -------------------------------------------------------------
    def insert_text(self, rid: object, page: int, text: str) -> None:
        self.views[page].execute_editing_command_with_argument("InsertText", text)
        self.reply(rid)

    def click(self, rid: object, page: int, x: float, y: float) -> None:
        """A trusted click: a button press and release on the view's window, as the display would send."""
        view = self.views[page]
        pointer = Gdk.Display.get_default().get_default_seat().get_pointer()
        for kind in (Gdk.EventType.BUTTON_PRESS, Gdk.EventType.BUTTON_RELEASE):
            event = Gdk.Event.new(kind)
            event.button.window = view.get_window()
            event.button.send_event = True
            event.button.x, event.button.y = float(x), float(y)
            event.button.button = 1
            event.button.time = Gtk.get_current_event_time()
            event.set_device(pointer)
            Gtk.main_do_event(event)
        self.reply(rid)

    def minimize(self, rid: object, page: int) -> None:
        """The window leaves the screen (unmapped): WebKit reports its page hidden and unfocused."""
        self.windows[page].hide()
        self.reply(rid)

    def bring_to_front(self, rid: object, page: int) -> None:
        self._to_front(page)
        self.reply(rid)

    def _to_front(self, page: int) -> None:
        """The tabs of a window: the one in front is shown (and its window gets the display's focus), the
        others are hidden."""
        self.windows[page].show_all()
        self.windows[page].present()
        for other, window in self.windows.items():
            if other != page and self.window_of[other] == self.window_of[page]:
                window.hide()

    def block(self, rid: object, prefix: str | None, host: str | None = None) -> None:
        """Requests for paths under `prefix`, and to `host` over TLS, fail, as on a network that loses them,
        while WebKit stays online (None: none do). A request's failure reaches the harness as any other does."""
        self.forwarder.block(prefix, host)
        self.reply(rid)

    def forward(self, rid: object, port: int) -> None:
        self.forwarder.forward(port)
        self.reply(rid)

    def set_offline(self, rid: object, offline: bool) -> None:
        self.forwarder.set_offline(offline)
        self.reply(rid)

    def version(self, rid: object) -> None:
        self.reply(rid, f"{WebKit2.get_major_version()}.{WebKit2.get_minor_version()}.{WebKit2.get_micro_version()}")

    def handle(self, request: dict) -> None:
        rid, op = request.pop("id", None), request.pop("op")
        handler = getattr(self, op, None)
        if op.startswith("_") or handler is None:
            self.fail(rid, f"unknown operation {op!r}")
            return
        try:
            handler(rid, **request)
        except Exception as error:  # noqa: BLE001 - told to the harness, which raises it
            self.fail(rid, f"{type(error).__name__}: {error}")
