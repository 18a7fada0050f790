"""Drives a user's own app (a server with Clerk's SDK) the way the built-in page is driven, through
clerk-js itself rather than the page's markup: any app that loads clerk-js can be signed in and out.

The server's side of the verdict is what the app says: the probe route's status, and for each document
request the SDK's `x-clerk-auth-status`/`x-clerk-auth-reason` headers and whether a handshake ran (the
navigation went through the fake's `/v1/client/handshake`) and why.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Response

from clerk_harness.errors import ClerkJsFailed, HarnessError, InfrastructureBroke
from clerk_harness.stories.app_driver import ApiAnswer, ClerkApp, ClientState, _first_line
from clerk_harness.stories.script_failures import ScriptFailures
from clerk_harness.stories.user_app import RunningApp

SIGN_IN = """async ([identifier, password]) => {
  const attempt = await window.Clerk.client.signIn.create({ identifier, password, strategy: "password" });
  await window.Clerk.setActive({ session: attempt.createdSessionId });
}"""


LOAD_SLICE_MS = 250  # how often the wait for clerk-js looks at the failed script requests
GATEWAY_ERRORS = (502, 503, 504)  # what the HTTPS front answers for an app it cannot reach
CUT_OFF = (
    "ERR_EMPTY_RESPONSE",
    "ERR_CONNECTION_RESET",
    "ERR_CONNECTION_CLOSED",
    "NS_ERROR_NET_RESET",
    "NS_ERROR_NET_EMPTY_RESPONSE",
    "NS_ERROR_NET_INTERRUPT",
)  # the app cut the page load off
MARKUP_AUTH = "() => document.querySelector('[data-server-auth]')?.getAttribute('data-server-auth') ?? null"


@dataclass(frozen=True)
class DocumentAnswer:
    """What the app's server said about one document request (after any redirects)."""

    status: int
    auth_status: str | None  # x-clerk-auth-status: signed-in, signed-out, handshake
    auth_reason: str | None
    handshakes: tuple[str, ...]  # the reason of each handshake round the navigation went through

    @property
    def server_auth(self) -> str:
        if self.auth_status in ("signed-in", "signed-out"):
            return self.auth_status.replace("-", "_")
        if self.status in (401, 403):
            return "signed_out"
        return "unknown"

    def describe(self) -> str:
        text = f"{self.status}, x-clerk-auth-status {self.auth_status or 'absent'}"
        if self.auth_reason:
            text += f" ({self.auth_reason})"
        if self.handshakes:
            text += f"; after {len(self.handshakes)} handshake(s): {', '.join(self.handshakes)}"
        return text


def read_document(response: Response | None) -> DocumentAnswer:
    if response is None:
        return DocumentAnswer(0, None, None, ())
    hops, request = [], response.request
    while request.redirected_from is not None:
        request = request.redirected_from
        hops.append(request.url)
    reasons = tuple(
        parse_qs(urlsplit(url).query).get("__clerk_hs_reason", ["?"])[0]
        for url in reversed(hops)
        if "/v1/client/handshake" in urlsplit(url).path
    )
    headers = response.headers
    return DocumentAnswer(
        response.status, headers.get("x-clerk-auth-status"), headers.get("x-clerk-auth-reason"), reasons
    )


@dataclass(repr=False)
class SdkApp(ClerkApp):
    running: RunningApp | None = None
    documents: list[DocumentAnswer] = field(default_factory=list)
    scripts: ScriptFailures | None = None  # the run's failed script requests (every tab's: one context)

    def __repr__(self) -> str:
        return f"<SdkApp clerk-js {self.version} at {self.url}>"

    @property
    def url(self) -> str:
        assert self.running is not None
        return self.running.url

    def on(self, page) -> SdkApp:
        return SdkApp(
            page,
            self.origin,
            self.version,
            self.timeline,
            self.clock,
            self.load_timeout_ms,
            self.instance,
            running=self.running,
            scripts=self.scripts,
        )

    def open(self) -> ClientState:
        self._note(self._navigate(lambda: self.page.goto(self.url)))
        return self.wait_loaded()

    def open_in_new_tab(self) -> SdkApp:
        """A blank tab first, then the app's URL: the app's answer to the tab's document is read and
        recorded as for the first tab's (a tab opened on the URL straight gives no handle on it)."""
        with self.page.context.expect_page() as opened:
            self.page.evaluate("window.open('about:blank', '_blank')")
        tab = self.on(opened.value)
        tab.open()
        return tab

    def reload(self) -> ClientState:
        self.log.mark("reload")
        self._note(self._navigate(self.page.reload))
        return self.wait_loaded()

    def _navigate(self, go) -> Response | None:
        """A page load that ends beyond loopback (the browser resolves nothing else) means the app sent the
        browser to Clerk instead of the fake, e.g. a handshake to the key's host: say so in one line."""
        if self.scripts is not None:
            self.scripts.clear()
        try:
            return go()
        except Exception as error:
            if "ERR_NAME_NOT_RESOLVED" in str(error) or "ERR_PROXY_CONNECTION_FAILED" in str(error):
                raise HarnessError(
                    f"the app sent the browser beyond loopback ({_first_line(error)}): not to the "
                    f"fake's Frontend API, which is at the publishable key's own host (production "
                    f"topology) or at CLERK_PROXY_URL (proxy topology); does it take its Clerk "
                    f"settings from the environment the harness gives it?"
                ) from None
            if self.running is not None and any(cut in str(error) for cut in CUT_OFF):
                # the app died while it answered (or as the browser reached it): say so, not the browser's words
                code = self.running.exited_within(0.5)
                if code is not None:
                    raise InfrastructureBroke(
                        f"{self.running.how_it_exited()}; the run says nothing about clerk-js {self.version}", "app"
                    ) from None
            raise

    def _note(self, response: Response | None) -> None:
        answer = read_document(response)
        self.documents.append(answer)
        self.log.mark(f"app document: {answer.describe()}")
        if self.running is not None and (answer.status == 0 or answer.status in GATEWAY_ERRORS):
            # A page the app did not serve: did it die? (An offline browser loads nothing either: no wait then.)
            # The HTTPS front answers 502 a moment before the app's guard notes its exit: wait for that.
            code = self.running.exited_within(0.5) if answer.status in GATEWAY_ERRORS else self.running.exit_code()
            if code is not None:  # stop now rather than wait out clerk-js's load timeout on a dead app
                raise InfrastructureBroke(
                    f"{self.running.how_it_exited()}; the run says nothing about clerk-js {self.version}", "app"
                )

    def wait_loaded(self) -> ClientState:
        """Until clerk-js says it loaded; a failed request for clerk-js's script ends the wait at once."""
        deadline = time.monotonic() + self.load_timeout_ms / 1000
        while True:
            remaining_ms = (deadline - time.monotonic()) * 1000
            try:
                self.page.wait_for_function(
                    "() => window.Clerk && window.Clerk.loaded",
                    polling=50,
                    timeout=max(1.0, min(LOAD_SLICE_MS, remaining_ms)),
                )
                break
            except Exception as error:
                failed = self.scripts.clerk_js() if self.scripts is not None else None
                if failed is not None:
                    topology = self.running.spec.topology if self.running is not None else "proxy"
                    raise ClerkJsFailed(
                        f"clerk-js {self.version} did not load in the app: {failed.describe()}; {failed.hint(topology)}"
                    ) from None
                if remaining_ms <= LOAD_SLICE_MS or "Timeout" not in str(error):
                    others = self.scripts.failures if self.scripts is not None else []
                    also = f" (failed scripts: {', '.join(f.url + ' ' + f.how for f in others)})" if others else ""
                    raise ClerkJsFailed(
                        f"clerk-js {self.version} did not load in the app: {_first_line(error)}{also}"
                    ) from error
        self.log.mark("clerk-js loaded")
        return self.client_state()

    def sign_in(self, email: str, password: str) -> ClientState:
        state = self.client_state()
        if state.status not in ("ready", "degraded"):
            raise HarnessError(f"clerk-js {self.version} is {state.status!r} after load in the app, not ready")
        try:
            self.page.evaluate(SIGN_IN, [email, password])
            self.page.wait_for_function("() => window.Clerk.user && document.cookie.includes('__session=')", polling=20)
        except Exception as error:
            raise ClerkJsFailed(
                f"clerk-js {self.version} could not sign in in the app: {_first_line(error)}"
            ) from error
        self.log.mark("signed in")
        return self.client_state()

    def _start_sign_out(self) -> None:
        """Through clerk-js, not the page's markup: `Clerk.signOut()` (not awaited: it may navigate)."""
        self.page.evaluate("() => { window.Clerk.signOut(); }")

    def server_auth(self) -> str:
        """The SDK's `x-clerk-auth-status` for the last page load, or the document's own refusal (401/403);
        where neither says (e.g. right after a handshake resolved), the page's `data-server-auth` if it has
        one, read without waiting (most apps have none); else "unknown": the probe, the handshakes and
        `Clerk.user` judge the load instead."""
        said = self.documents[-1].server_auth if self.documents else "unknown"
        if said == "unknown":
            said = self.page.evaluate(MARKUP_AUTH) or "unknown"
        return said

    def call_api(self) -> ApiAnswer:
        """The app's probe route: 2xx is signed in; 401/403 or a redirect is signed out."""
        assert self.running is not None
        raw = self.ask_the_page_in_front(
            """async (probe) => {
            const answer = await fetch(probe, { credentials: 'include', redirect: 'manual' });
            return { status: answer.status, type: answer.type };
        }""",
            self.running.probe_url(),
        )
        status = raw["status"] if raw["type"] != "opaqueredirect" else 302
        signed_in = 200 <= status < 300
        self.log.mark(f"{self.running.spec.probe} -> {status}")
        return ApiAnswer(status, "signed_in" if signed_in else "signed_out", None)
