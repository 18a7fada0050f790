"""Clerk's handshake, as SDK servers (`clerkMiddleware`) run it against the fake.

A document request whose `__session` is missing or stale is redirected (307) to
`{proxy}/v1/client/handshake?redirect_url=...&format=nonce&...`. The fake looks up the browser's client
(its `__client` cookie), keeps the cookie directives for a fresh one-time nonce, and redirects back to
`redirect_url` with `__clerk_handshake_nonce`. The SDK server then fetches the directives from the
Backend API (`GET /v1/clients/handshake_payload?nonce=...`) and sets them on its own origin.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

NONCE_TTL_S = 60.0
# Where apps under test run: a loopback origin, or the production topology's app host (see https/front.py).
APP_ORIGIN = r"^https?://(127\.0\.0\.1|localhost|\[::1\]|app\.harness\.test):[0-9]+$"


@dataclass
class HandshakeNonces:
    """One-time nonces with their directives; each is taken once, within NONCE_TTL_S."""

    _items: dict[str, tuple[float, list[str]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, directives: list[str]) -> str:
        nonce = secrets.token_urlsafe(24)
        with self._lock:
            now = time.monotonic()
            self._items = {k: v for k, v in self._items.items() if now - v[0] < NONCE_TTL_S}
            self._items[nonce] = (now, directives)
        return nonce

    def take(self, nonce: str) -> list[str] | None:
        with self._lock:
            item = self._items.pop(nonce, None)
        if item is None or time.monotonic() - item[0] >= NONCE_TTL_S:
            return None
        return item[1]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def redirect_back(redirect_url: str, nonce: str, *, parameter: str = "__clerk_handshake_nonce") -> str:
    # (only called with a URL that `origin_of` accepted: it parses)
    """`redirect_url` with the handshake's answer added as `parameter` (any earlier handshake parameters
    dropped): a nonce, or in the token format (`__clerk_handshake`) the signed directives themselves."""
    parts = urlsplit(redirect_url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in ("__clerk_handshake", "__clerk_handshake_nonce")
    ]
    query.append((parameter, nonce))
    return urlunsplit(parts._replace(query=urlencode(query)))


def origin_of(url: str) -> str | None:
    """The URL's origin; None when it is no http(s) URL with a host, or does not parse (`http://[::1/`, a
    host with a full-width slash, a port that is no number)."""
    try:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or "\uff0f" in parts.netloc:
            return None
        parts.port  # noqa: B018 - raises ValueError on a port that is no number or out of range
    except ValueError:
        return None
    if not parts.netloc.isascii():
        return None
    return f"{parts.scheme}://{parts.netloc}"
