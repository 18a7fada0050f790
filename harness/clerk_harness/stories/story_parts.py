"""What of a Story the step modules (skew, sleep) use: a Protocol, since the Story imports them."""

from __future__ import annotations

from typing import Any, Protocol


class StoryParts(Protocol):
    session: Any
    keeper: Any
    seen: Any
    other_tabs: list[Any]

    @property
    def page(self) -> Any: ...

    @property
    def timeline(self) -> Any: ...

    @property
    def log(self) -> Any: ...

    def inject(self, method: str | None, path: str, *, times: int | None = None) -> Any: ...

    def clear_faults(self) -> None: ...

    def settle(self, virtual_s: float = 20) -> None: ...


def session_cookie(story: StoryParts) -> str | None:
    """The token in the browser's `__session` cookie now (None: there is none)."""
    return next((c["value"] for c in story.session.browser.context.cookies() if c["name"] == "__session"), None)
