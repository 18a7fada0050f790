"""What the oracle reads of the session cookie: a cookie event, and which cookie lines remove their cookie.
Pure: the recorder that drives the browser to collect them is `clerk_harness.browser.cookie_timeline`."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Literal

Source = Literal["document.cookie", "cookieStore", "set-cookie", "snapshot"]
Action = Literal["write", "remove"]


def watched(name: str) -> bool:
    return name == "__session" or name.startswith("__session_")


@dataclass(frozen=True)
class CookieEvent:
    t: float  # harness seconds since the recorder started
    source: Source
    name: str
    action: Action
    value: str | None  # the cookie's value after the event (None when removed)
    detail: str = ""  # raw cookie string, Set-Cookie line, or the JS stack of the write

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CookieEvent:
        return cls(**data)

    def describe(self) -> str:
        what = "removed" if self.action == "remove" else f"written ({(self.value or '')[:16]}…)"
        return f"t={self.t:7.3f}s {self.name} {what} via {self.source}" + (
            f" [{self.detail[:200]}]" if self.detail else ""
        )


def is_removal(cookie_line: str, *, now: float | None = None) -> bool:
    """Whether a `document.cookie` assignment or a `Set-Cookie` line removes its cookie: an empty value,
    `Max-Age` zero or negative, or an `Expires` in the past (the browser's cookie jar runs on real time)."""
    pair, *attributes = cookie_line.split(";")
    if "=" not in pair or pair.split("=", 1)[1].strip().strip('"') == "":
        return True
    for attribute in attributes:
        key, _, value = attribute.strip().partition("=")
        key, value = key.strip().lower(), value.strip()
        if key == "max-age":
            try:
                if int(value) <= 0:
                    return True
            except ValueError:
                pass  # an invalid Max-Age is ignored, as browsers do
        elif key == "expires":
            try:
                expires = parsedate_to_datetime(value).timestamp()
            except (TypeError, ValueError, IndexError):
                continue
            if expires <= (time.time() if now is None else now):
                return True
    return False
