"""ASGI middleware: clerk-js's `_method` override, the request journal, and fault injection."""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clerk_harness_fake.errors import ClerkAPIError, error_response
from clerk_harness_fake.journal import RequestJournal
from clerk_harness_fake.settings import BAPI_PREFIX, CONTROL_PREFIX, FAPI_PREFIX, NO_STORE
from clerk_harness_fake.waiters import until_disconnected

if TYPE_CHECKING:
    from clerk_harness_fake.backend import FakeClerk

MAX_HANG_S = 300.0

OVERRIDABLE = {"PATCH", "PUT", "DELETE"}
UNJOURNALED_PREFIXES = (CONTROL_PREFIX, "/clerk-js/", f"{FAPI_PREFIX}/npm/", "/favicon.ico")


MAX_TARGET = 8 * 1024  # bytes in a request's path and query
MAX_BODY = 64 * 1024  # bytes in a request body: clerk-js sends forms of a few hundred bytes
MAX_HEADERS = 32 * 1024  # bytes in all of a request's headers (a browser's are a few KB, cookies included)
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def under(path: str, prefix: str) -> bool:
    """`path` is `prefix` or below it: `/__clerk/v1` is under `/__clerk`, `/__clerk_api` is not."""
    return path == prefix or path.startswith(prefix + "/")


def host_name(host: str) -> str:
    """The name in a Host header, without its port: `[::1]:8787` -> `::1`, `localhost:3000` -> `localhost`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class HostCheck:
    """Only names the harness gave out reach the fake: loopback, the production topology's two hosts, and
    the name the fake serves at (its origin; a `--fake-host` address). A page of another site that makes
    its own name resolve to loopback (DNS rebinding) sends its own name, and gets a Clerk-shaped 421.
    A fake bound to every address (`--host 0.0.0.0 --allow-remote`) cannot know its names: it takes any,
    and its control API needs the token."""

    def __init__(self, app: ASGIApp, clerk: FakeClerk, any_host: bool = False) -> None:
        self.app = app
        self.clerk = clerk
        self.any_host = any_host

    def allowed(self, name: str) -> bool:
        from urllib.parse import urlsplit

        from clerk_harness_fake.settings import APP_HOST, FAPI_HOST

        if not self.clerk.origin:  # not served by FakeClerkServer (an app in a test client): no origin to keep
            return True
        if name in LOOPBACK_NAMES or name.startswith("127.") or name in (APP_HOST, FAPI_HOST):
            return True
        return name == (urlsplit(self.clerk.origin).hostname or "").lower()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.any_host:
            host = dict(scope.get("headers") or []).get(b"host")
            if host is not None and not self.allowed(host_name(host.decode("latin-1"))):
                await error_response(
                    ClerkAPIError(
                        421,
                        "host_invalid",
                        "This fake Clerk backend answers only at the names the harness gave out (loopback).",
                    )
                )(scope, receive, send)
                return
        await self.app(scope, receive, send)


class RequestLimits:
    """Outermost: refuse an oversized request line or body before any route, lock or regex sees it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string", b"")) > MAX_TARGET:
            await error_response(
                ClerkAPIError(414, "request_uri_too_long", f"The request target exceeds {MAX_TARGET} bytes.")
            )(scope, receive, send)
            return
        if sum(len(name) + len(value) + 4 for name, value in scope.get("headers") or []) > MAX_HEADERS:
            await error_response(
                ClerkAPIError(
                    431, "request_header_fields_too_large", f"The request headers exceed {MAX_HEADERS} bytes."
                )
            )(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
        body = b"" if not declared.isdigit() or int(declared) <= MAX_BODY else None
        if body is not None:
            body = await _read_body(receive, limit=MAX_BODY)
        if body is None:
            await error_response(
                ClerkAPIError(413, "request_body_too_large", f"The request body exceeds {MAX_BODY} bytes.")
            )(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


class MethodOverride:
    """clerk-js sends PATCH/PUT/DELETE as `POST ...?_method=X`; route them as X."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and under(scope["path"], FAPI_PREFIX):
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            override = query.get("_method", "").upper()
            if override in OVERRIDABLE:
                scope = {**scope, "method": override}
        await self.app(scope, receive, send)


class JournalRecorder:
    def __init__(self, app: ASGIApp, journal: RequestJournal) -> None:
        self.app = app
        self.journal = journal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNJOURNALED_PREFIXES):
            await self.app(scope, receive, send)
            return
        started = time.time()
        recorded = False
        scope.setdefault("state", {})

        def record(status: int) -> None:
            nonlocal recorded
            recorded = True
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            state = scope["state"]
            note = "; ".join(str(n) for n in (state.get("journal_note"), state.get("fault")) if n)
            self.journal.record(
                method=scope["method"],
                path=scope["path"],
                query=query,
                status=state.get("journal_status", status),
                started=started,
                note=note,
                fault_id=state.get("fault_id"),
            )

        async def send_and_record(message: Message) -> None:
            # Recorded as the answer starts, so that whoever has seen any of it finds it in the journal.
            if message["type"] == "http.response.start" and not recorded:
                record(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            if not recorded:  # never answered: held and dropped, or the app failed
                record(500)


class FaultInjector:
    """Applies the fault book to FAPI and Backend API requests (after the method override, inside the journal)."""

    def __init__(self, app: ASGIApp, clerk: FakeClerk) -> None:
        self.app = app
        self.clerk = clerk

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not (under(scope["path"], FAPI_PREFIX) or under(scope["path"], BAPI_PREFIX)):
            await self.app(scope, receive, send)
            return
        rule = self.clerk.faults.take(scope["method"], scope["path"])
        if rule is None:
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["fault"] = rule.describe()
        state["fault_id"] = rule.id
        if rule.action == "error":
            assert rule.status is not None and rule.code is not None
            headers = {"Retry-After": str(rule.retry_after)} if rule.retry_after is not None else None
            error = ClerkAPIError(rule.status, rule.code, f"Injected {rule.status}", headers=headers)
            await error_response(error)(scope, receive, send)
        elif rule.action == "empty_token":
            await JSONResponse({}, headers=NO_STORE)(scope, receive, send)
        elif rule.action == "wrapped_token":
            await self._wrapped(scope, receive, send)
        elif rule.action == "latency":
            await asyncio.sleep(rule.delay_s)  # the injected fault itself, not a wait in a test
            await self.app(scope, receive, send)
        elif rule.action == "hang":
            assert rule.latch is not None
            body = await _read_body(receive) or b""  # so that the client's going away can be heard while held
            rule.latch.note_arrival()
            released = await rule.latch.wait_released_async(MAX_HANG_S, lambda: until_disconnected(receive))
            if not released:
                state["journal_status"] = 499  # nothing answered: the client left, or MAX_HANG_S passed
                state["journal_note"] = "held and never released"
                return
            if rule.latch.then == "drop":
                self._drop(scope)
            else:
                await self.app(scope, _replay(body, receive), send)
        elif rule.action == "drop":
            self._drop(scope)

    def _drop(self, scope: Scope) -> None:
        scope["state"]["journal_status"] = 0
        if not self.clerk.drop_connection(scope.get("client")):
            raise ConnectionDropped("no server connection to drop (not running under FakeClerkServer)")

    async def _wrapped(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer as usual, but wrap the JSON body as `{"response": body}` (the #7912 failure path)."""
        start: dict = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        raw = b"".join(chunks)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start.get("headers", [])}
        status = start.get("status", 200)
        try:
            body = (
                json.loads(raw or b"null")
                if 200 <= status < 300 and "json" in headers.get("content-type", "")
                else None
            )
        except ValueError:
            body = None
        if body is None:  # a bundle, a page, a redirect or an error: there is no JSON answer to wrap
            scope["state"]["journal_note"] = "wrapped_token skipped: the answer is no JSON"
            await send(start)
            await send({"type": "http.response.body", "body": raw})
            return
        await JSONResponse({"response": body}, status_code=status, headers=NO_STORE)(scope, receive, send)


async def _read_body(receive: Receive, limit: int | None = None) -> bytes | None:
    """The whole request body; None as soon as it grows past `limit`."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if limit is not None and size > limit:
            return None
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the already-read body to the app once, then defers to the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class ConnectionDropped(Exception):
    pass
