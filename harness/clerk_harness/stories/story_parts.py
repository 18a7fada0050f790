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
