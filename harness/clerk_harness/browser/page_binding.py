"""Reporting from the page to the harness through an exposed binding, with a flush the harness awaits.

Binding calls travel asynchronously; the harness awaits the page's flush function before it reads, so
that every report sent so far has been handled (no event is read "late" or out of step)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext

from clerk_harness_fake.settings import CLEARING_PATH  # its reports are no run's: see warm.py

Handler = Callable[[Any, dict[str, Any]], None]  # what the binding calls: (source, payload)
BatchHandler = Callable[[Any, list[dict[str, Any]]], None]  # (source, the payloads the page sent at once)


def reporter_js(binding: str, flush: str) -> str:
    """JS that defines `report(payload)` (calling `binding`) and `window[flush]()` (awaiting all reports).

    The reports of one turn of the page's event loop (clerk-js writes its cookies in one go) travel in one
    call, a list, at the turn's end: a round trip each costs about 5 ms in Firefox. `each` unpacks them.

    A page the back-forward cache restores cannot count on its binding (in Firefox its calls are never
    answered, and those it sent as it was put away are lost in both engines): from its restore on it keeps
    its reports, and the flush hands them over."""
    return """
  const pending = new Set();
  let kept = null, batch = null;
  const clearing = location.pathname === %(clearing)s;
  const report = (payload) => {
    if (clearing) return;
    if (kept) { kept.push(payload); return; }
    if (batch) { batch.push(payload); return; }
    batch = [payload];
    const call = Promise.resolve().then(() => {
      const payloads = batch;
      batch = null;
      return window.%(binding)s(payloads);
    }).catch(() => {});
    pending.add(call);
    call.finally(() => pending.delete(call));
  };
  window.%(flush)s = async () => { await Promise.all([...pending]); return kept ? kept.splice(0) : []; };
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) { pending.clear(); kept = kept || []; }
  }, true);
""" % {"binding": binding, "flush": flush, "clearing": json.dumps(CLEARING_PATH)}


def each(handler: Handler) -> BatchHandler:
    """The binding's callback: hands each report of a batch to `handler`, in the page's order."""

    def unpack(source: Any, payloads: list[dict[str, Any]]) -> None:
        for payload in payloads:
            handler(source, payload)

    return unpack


def flush_pages(context: BrowserContext, flushes: dict[str, Handler]) -> None:
    """Await the flush functions in every page of the context (one round trip per page), and hand what a
    restored page kept to each flush's handler. A blank page (the tab that covers the app page, a tab not
    yet navigated, the page a warm Firefox cleared storage from) has nothing to say about the app's cookies or visibility: it is not asked."""
    names = list(flushes)
    calls = ", ".join(f"window.{name} ? window.{name}() : []" for name in names)
    for page in context.pages:
        if page.url == "about:blank" or urlsplit(page.url).path == CLEARING_PATH:
            continue
        try:
            kept = page.evaluate(f"() => Promise.all([{calls}])")
        except Exception:  # noqa: BLE001 - a page mid-navigation or closed has nothing left to flush
            continue
        for name, payloads in zip(names, kept or []):
            for payload in payloads or []:
                flushes[name](None, payload)
