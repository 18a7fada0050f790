"""ASGI middleware: clerk-js's `_method` override, and the request journal."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fake_backend.journal import RequestJournal
from fake_backend.settings import CONTROL_PREFIX, FAPI_PREFIX

OVERRIDABLE = {"PATCH", "PUT", "DELETE"}
UNJOURNALED_PREFIXES = (CONTROL_PREFIX, "/clerk-js/", "/favicon.ico")


class MethodOverride:
    """clerk-js sends PATCH/PUT/DELETE as `POST ...?_method=X`; route them as X."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].startswith(FAPI_PREFIX):
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
        status = {"code": 500}
        scope.setdefault("state", {})

        async def send_and_watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            self.journal.record(method=scope["method"], path=scope["path"], query=query, status=status["code"],
                                started=started, note=str(scope["state"].get("journal_note", "")))
