"""What WebKit's requests and responses tell the harness, in the shape of Playwright's `Request` and
`Response`: for the `requestfailed` and `response` events, and a page's document (its status, headers and
the redirects on its way)."""

from __future__ import annotations


class Request:
    """As Playwright's `Request`, for `requestfailed` and `response` events: what the instruments read."""

    def __init__(
        self,
        method: str,
        url: str,
        resource_type: str,
        failure: str | None = None,
        *,
        redirected_from: Request | None = None,
    ) -> None:
        self.method, self.url, self.resource_type, self.failure = method, url, resource_type, failure
        self.redirected_from = redirected_from
        self.headers: dict[str, str] = {}
        self.answer: Response | None = None  # its first answer (a redirect's, if it was redirected)

    def response(self) -> Response | None:
        return self.answer


class Response:
    """As Playwright's `Response`: of an error status, or of a page's document (its headers: WebKitGTK hides
    `Set-Cookie`, the jar shows its cookies)."""

    def __init__(self, request: Request, status: int) -> None:
        self.request, self.url, self.status = request, request.url, status
        self.headers: dict[str, str] = {}

    def header_values(self, _name: str) -> list[str]:
        return []
