"""The scripts an app's page asked for and did not get (an error status, or no answer at all).

When clerk-js does not load in a user's app, the cause is nearly always here: a script URL built from a
setting the app did not get (`${CLERK_PROXY_URL}/npm/...` in the production topology gives
`/undefined/npm/...`), a bundle the Frontend API does not serve. The run says which request failed and how
within a moment of the failure, rather than after clerk-js's load timeout."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Request, Response

PROXY_HINT = (
    "the page loads clerk-js from a proxy URL (CLERK_PROXY_URL), which the production topology does not "
    'set: run with --app-topology proxy (app.topology "proxy" in playwright.config.json)'
)


@dataclass(frozen=True)
class ScriptFailure:
    url: str
    how: str  # "404", or the browser's own error text (net::ERR_...)

    @property
    def is_clerk_js(self) -> bool:
        path = urlsplit(self.url).path
        return "clerk-js" in path or path.endswith("clerk.browser.js")

    def describe(self) -> str:
        return f"its page asked for {self.url} and got {self.how}"

    def hint(self, topology: str) -> str:
        path = urlsplit(self.url).path
        if topology == "production" and ("/undefined/" in path or "/null/" in path or path.startswith("/npm/")):
            return PROXY_HINT
        return "does the page build the script's URL from the settings the harness gives the app?"


class ScriptFailures:
    """Listens on the run's context (a warm browser's hand-back removes the listeners with the run's others)."""

    def __init__(self, context: BrowserContext) -> None:
        self.failures: list[ScriptFailure] = []
        context.on("response", self._on_response)
        context.on("requestfailed", self._on_failed)

    def _on_response(self, response: Response) -> None:
        if response.status >= 400 and response.request.resource_type == "script":
            self.failures.append(ScriptFailure(response.url, str(response.status)))

    def _on_failed(self, request: Request) -> None:
        if request.resource_type == "script":
            self.failures.append(ScriptFailure(request.url, request.failure or "no answer"))

    def clerk_js(self) -> ScriptFailure | None:
        """The failed request for clerk-js, with its status where the browser reported one (Chromium can
        report a 404 script both as a response and as `net::ERR_ABORTED`)."""
        failed = [failure for failure in self.failures if failure.is_clerk_js]
        return next((f for f in failed if f.how.isdigit()), failed[0] if failed else None)

    def clear(self) -> None:
        self.failures.clear()
