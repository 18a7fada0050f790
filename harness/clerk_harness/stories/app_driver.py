"""Drives the app page the way a user (and the app's own code) would: load, sign in, reload, call the API."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page

from clerk_harness.browser.clock import Clock
from clerk_harness.browser.cookie_timeline import CookieTimeline
from clerk_harness.errors import ClerkJsFailed, HarnessError
from clerk_harness.oracle.run_log import RunLog

START_GET_TOKEN = """(clearCache) => {
  window.__harnessToken = { done: false };
  (async () => {
    const session = window.Clerk.session;
    if (!session) throw Object.assign(new Error("no active session"), { code: "no_session" });
    if (clearCache && typeof session.clearCache === "function") session.clearCache();
    return session.getToken();
  })().then(
    (token) => { window.__harnessToken = { done: true, ok: !!token, token: token || null, error: null }; },
    (error) => { window.__harnessToken = { done: true, ok: false, token: null,
                  error: (error && (error.code || error.name)) || String(error), message: String(error) }; });
}"""

AWAIT_SIGN_IN = """async () => {
  await window.__app.signingIn;
  const done = () => (window.Clerk.user && document.cookie.includes("__session="))
    || document.getElementById("error").textContent;
  if (!done()) await new Promise((resolve) => {  // clerk-js writes the cookie a task or two after setActive
    const check = () => { if (done()) { window.cookieStore.removeEventListener("change", check); resolve(); } };
    window.cookieStore.addEventListener("change", check);
    check();
  });
  return document.getElementById("error").textContent;
}"""

# Focus a field (its text selected, so typing replaces it), or find where an element's centre is on screen.
FOCUS = "(selector) => { const field = document.querySelector(selector); field.focus(); field.select(); }"
CENTRE = """(selector) => { const box = document.querySelector(selector).getBoundingClientRect();
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 }; }"""

# Signed out for good: clerk-js holds no user and has removed its cookie (6.40.0 drops the user first).
SIGNED_OUT = (
    "() => window.Clerk && window.Clerk.loaded && !window.Clerk.user"
    " && !document.cookie.split('; ').some((c) => c.startsWith('__session='))"
)

CALL_API = """async () => {
  const answer = await fetch('/api/me', { credentials: 'include' });
  const body = await answer.json();
  return { status: answer.status, state: body.state, userId: body.user_id };
}"""

CLIENT_STATE = """() => ({
  status: window.Clerk ? (window.Clerk.status || (window.Clerk.loaded ? "ready" : "loading")) : "missing",
  userId: window.Clerk && window.Clerk.user ? window.Clerk.user.id : null,
  sessionId: window.Clerk && window.Clerk.session ? window.Clerk.session.id : null,
})"""


@dataclass
class ClientState:
    status: str
    user_id: str | None
    session_id: str | None


@dataclass
class ApiAnswer:
    status: int
    state: str
    user_id: str | None


@dataclass(repr=False)
class ClerkApp:
    page: Page
    origin: str
    version: str
    timeline: CookieTimeline
    clock: Clock
    load_timeout_ms: int = 20_000
    instance: str = "live"

    @property
    def log(self) -> RunLog:
        """The run's time and steps (its marks)."""
        return self.timeline.log

    def __repr__(self) -> str:
        return f"<ClerkApp clerk-js {self.version} at {self.url}>"

    @property
    def url(self) -> str:
        suffix = "&instance=test" if self.instance == "test" else ""
        return f"{self.origin}/?clerk_js={self.version}{suffix}"

    def open(self) -> ClientState:
        self.page.goto(self.url)
        return self.wait_loaded()

    def on(self, page: Page) -> ClerkApp:
        """The same app driven in another tab."""
        return ClerkApp(page, self.origin, self.version, self.timeline, self.clock, self.load_timeout_ms, self.instance)

    def open_in_new_tab(self) -> ClerkApp:
        """The app in a new tab, in front as a new tab is, that this page opens on the app's URL, as a link
        with `target=_blank` does: both tabs then share one renderer process, as tabs an app opens do (a
        tab of its own, `new_page`, cost about 0.1 s more), and going there straight rather than by way
        of a blank tab saves a navigation (0.04 to 0.07 s)."""
        with self.page.context.expect_page() as opened:
            self.page.evaluate("(url) => { window.open(url, '_blank'); }", self.url)
        tab = self.on(opened.value)
        tab.page.wait_for_load_state("domcontentloaded")
        tab.wait_loaded()
        return tab

    def wait_loaded(self) -> ClientState:
        try:
            # one round trip when the page's inline script already ran (as after `goto`): await its promise
            if not self.page.evaluate("window.__app === undefined ? false : window.__app.loaded.then(() => true)"):
                self.page.wait_for_function("window.__app !== undefined", polling=50, timeout=self.load_timeout_ms)
                self.page.evaluate("window.__app.loaded")
        except Exception as error:
            raise ClerkJsFailed(f"clerk-js {self.version} did not load: {_first_line(error)}") from error
        self.log.mark("clerk-js loaded")
        return self.client_state()

    def client_state(self) -> ClientState:
        raw = self.page.evaluate(CLIENT_STATE)
        return ClientState(raw["status"], raw["userId"], raw["sessionId"])

    def sign_in(self, email: str, password: str) -> ClientState:
        """Fill the app's sign-in form; wait for clerk-js to hold a session and write `__session`."""
        state = self.client_state()
        if state.status not in ("ready", "degraded"):
            raise HarnessError(f"clerk-js {self.version} is {state.status!r} after load, not ready")
        if state.status == "degraded":
            raise HarnessError(f"clerk-js {self.version} loaded as degraded: the fake environment drifted")
        # Typed and clicked as a user would (trusted input, focus and activation: 6.40.0 behaves differently
        # without them), as `fill` and `click` do, but without their selector engine, which each new
        # document would load again (about 60 ms a sign-in). The harness's own form is always ready.
        # Then one round trip waits for the form's own handler and clerk-js's cookie write.
        self._type("input[name=identifier]", email)
        self._type("input[name=password]", password)
        self._click("#sign-in button[type=submit]")
        error = self.page.evaluate(AWAIT_SIGN_IN)
        if error:
            raise ClerkJsFailed(f"clerk-js {self.version} could not sign in: {error}")
        self.log.mark("signed in")
        return self.client_state()

    def sign_out(self) -> None:
        """Sign out and wait until clerk-js holds no user and the cookie is gone. Versions differ in the
        request they send, and 6.x navigates to its after-sign-out URL, so the wait is on the outcome,
        across a reload."""
        self._start_sign_out()
        for _ in range(3):
            try:
                self.page.wait_for_function(SIGNED_OUT, polling=20)
                break
            except Exception as error:
                if "context was destroyed" not in str(error) and "navigation" not in str(error):
                    raise
        self.log.mark("signed out")

    def _start_sign_out(self) -> None:
        self._click("#sign-out")

    def _type(self, selector: str, text: str) -> None:
        self.page.evaluate(FOCUS, selector)
        self.page.keyboard.insert_text(text)

    def _click(self, selector: str) -> None:
        centre = self.page.evaluate(CENTRE, selector)
        self.page.mouse.click(centre["x"], centre["y"])

    def start_get_token(self, *, clear_cache: bool = True) -> None:
        """Call `Clerk.session.getToken()` in the page without waiting for it (see `finish_get_token`)."""
        self.page.evaluate(START_GET_TOKEN, clear_cache)

    def get_token(self, *, clear_cache: bool = True, max_virtual_s: float = 60) -> dict[str, Any]:
        """`Clerk.session.getToken()`, stepping the virtual clock through its retry back-off until it settles."""
        self.start_get_token(clear_cache=clear_cache)
        return self.finish_get_token(max_virtual_s=max_virtual_s)

    def finish_get_token(self, *, max_virtual_s: float = 60) -> dict[str, Any]:
        settled = lambda: bool(self.page.evaluate("window.__harnessToken.done"))
        if not settled():
            self.clock.advance(self.page, max_virtual_s, until=settled)
        result = self.page.evaluate("window.__harnessToken")
        if not result.get("done"):
            raise HarnessError(f"getToken() did not settle within {max_virtual_s:g} virtual seconds")
        self.log.mark(f"getToken() -> {'token' if result['ok'] else result.get('error') or 'null'}")
        return result

    def reload(self) -> ClientState:
        self.log.mark("reload")
        self.page.reload()
        return self.wait_loaded()

    def server_auth(self) -> str:
        """What the server-rendered page said about this request's `__session` cookie."""
        return self.page.evaluate("document.body.dataset.serverAuth") or "unknown"

    def call_api(self) -> ApiAnswer:
        raw = self.ask_the_page_in_front(CALL_API)
        self.log.mark(f"/api/me -> {raw['status']}")
        return ApiAnswer(raw["status"], raw["state"], raw["userId"])

    def ask_the_page_in_front(self, expression: str, arg: Any = None) -> Any:
        """`evaluate`, in the page the user sees: when the page was leaving (6.x's redirect after sign-out can
        start after clerk-js removed its cookie, in WebKit), the page it went to is asked once it loaded."""
        try:
            return self.page.evaluate(expression, arg)
        except Exception as error:
            if "navigation" not in str(error):
                raise
            self.page.wait_for_load_state()
            self.wait_loaded()
            return self.page.evaluate(expression, arg)


def _first_line(error: BaseException) -> str:
    """The message without Playwright's call prefix ("Page.evaluate: ")."""
    line = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return re.sub(r"^[A-Z]\w*\.\w+: ", "", line)
