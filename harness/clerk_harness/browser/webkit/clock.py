"""Playwright's own fake clock, installed in WebKit's pages as Playwright installs it in Chromium's and
Firefox's: the same source (read from the installed Playwright's driver), the same controller calls, and
the same log replayed by every new document (an init script per call), so that a page loaded after the clock
moved starts at the moved time. The virtual clock (clerk_harness.browser.clock) drives it unchanged."""

from __future__ import annotations

import ast
import re
import time as real_time
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from clerk_harness.errors import HarnessError


class Pages(Protocol):
    """What the clock needs of a WebKit context (clerk_harness.browser.webkit.pages)."""

    pages: list[Any]

    def add_init_script(self, script: str | None = None, **_: Any) -> None: ...


SOURCE_START = 'clockSource.ts"() {'
SOURCE_LITERAL = re.compile(r"source = ('(?:[^'\\\n]|\\.)*');")


@lru_cache(maxsize=1)
def clock_source() -> str:
    """The fake clock's script, as the installed Playwright's driver carries it."""
    import playwright

    bundle = Path(playwright.__file__).parent / "driver" / "package" / "lib" / "coreBundle.js"
    try:
        text = bundle.read_text(encoding="utf-8")
        found = SOURCE_LITERAL.search(text, text.index(SOURCE_START))
    except (OSError, ValueError):
        found = None
    if found is None:
        raise HarnessError(f"this Playwright's driver has no clock source where WebKit runs look for it ({bundle})")
    return ast.literal_eval(found.group(1))  # a JS string literal, in the escapes Python reads alike


class WebKitClock:
    def __init__(self, context: Pages) -> None:
        self._context = context
        self._installed = False

    def _controller(self, call: str, log: str) -> None:
        if not self._installed:
            script = (
                "(() => { const module = {};\n"
                f"{clock_source()}\n"
                'if (!globalThis.__pwClock) globalThis.__pwClock = (module.exports.inject())(globalThis, "webkit");'
                "\n})();"
            )
            self._context.add_init_script(script)
            self._in_pages(script)
            self._installed = True
        self._context.add_init_script(f"globalThis.__pwClock.controller.log({log})")
        self._in_pages(f"globalThis.__pwClock.controller.{call}")

    def _in_pages(self, script: str) -> None:
        for page in self._context.pages:
            if not page.is_closed() and page.url.startswith("http"):
                page.evaluate(f"() => {{ {script}; }}")

    def _logged(self, method: str, value: int) -> None:
        """`controller.method(value)` now, and in every document loaded later (Playwright's own log)."""
        self._controller(f"{method}({value})", f"'{method}', {int(real_time.time() * 1000)}, {value}")

    def install(self, *, time: float) -> None:
        self._logged("install", int(time * 1000))

    def set_system_time(self, time: float) -> None:
        self._logged("setSystemTime", int(time * 1000))

    def fast_forward(self, ticks: int) -> None:
        self._logged("fastForward", int(ticks))
