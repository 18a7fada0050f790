"""A WebKit page's input, in the shape of Playwright's: the keyboard's text, the mouse's trusted clicks, and a
locator for the first element a selector matches."""

from __future__ import annotations

from typing import Any, Protocol


class WebKitPage(Protocol):
    """What input needs of a page (clerk_harness.browser.webkit.pages.WebKitPage)."""

    mouse: Mouse

    def _call(self, op: str, *, timeout_s: float | None = None, **params: Any) -> Any: ...

    def evaluate(self, expression: str, arg: Any = None) -> Any: ...


class Keyboard:
    def __init__(self, page: WebKitPage) -> None:
        self._page = page

    def insert_text(self, text: str) -> None:
        self._page._call("insert_text", text=text)


class Mouse:
    def __init__(self, page: WebKitPage) -> None:
        self._page = page

    def click(self, x: float, y: float) -> None:
        self._page._call("click", x=x, y=y)


class Locator:
    def __init__(self, page: WebKitPage, selector: str) -> None:
        self._page, self._selector = page, selector

    @property
    def first(self) -> Locator:
        return self

    def count(self) -> int:
        return self._page.evaluate("(selector) => document.querySelectorAll(selector).length", self._selector)

    def click(self) -> None:
        """A trusted click at the element's centre, scrolled into view first."""
        centre = self._page.evaluate(
            """(selector) => { const element = document.querySelector(selector);
              element.scrollIntoView({ block: "center" }); const box = element.getBoundingClientRect();
              return { x: box.x + box.width / 2, y: box.y + box.height / 2 }; }""",
            self._selector,
        )
        self._page.mouse.click(centre["x"], centre["y"])
