"""Reporting from the page to the harness through an exposed binding, with a flush the harness awaits.

Binding calls travel asynchronously; the harness awaits the page's flush function before it reads, so
that every report sent so far has been handled (no event is read "late" or out of step)."""

from __future__ import annotations

from playwright.sync_api import BrowserContext


def reporter_js(binding: str, flush: str) -> str:
    """JS that defines `report(payload)` (calling `binding`) and `window[flush]()` (awaiting all reports)."""
    return """
  const pending = new Set();
  const report = (payload) => {
    try {
      const call = Promise.resolve(window.%(binding)s(payload)).catch(() => {});
      pending.add(call);
      call.finally(() => pending.delete(call));
    } catch (e) {}
  };
  window.%(flush)s = () => Promise.all([...pending]);
""" % {"binding": binding, "flush": flush}


def flush_pages(context: BrowserContext, *flushes: str) -> None:
    """Await the flush functions in every page of the context (one round trip per page)."""
    calls = ", ".join(f"window.{flush} && window.{flush}()" for flush in flushes)
    for page in context.pages:
        try:
            page.evaluate(f"() => Promise.all([{calls}])")
        except Exception:  # noqa: BLE001 - a page mid-navigation or closed has nothing left to flush
            pass
