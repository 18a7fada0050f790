"""The cookie recorder: a faithful timeline of the `__session` cookie (and its suffixed twin) from three sources.

1. in-page: a wrapper around the `document.cookie` setter (raw string, value before/after, a short
   stack) and `cookieStore` change events, reported through an exposed binding;
2. `Set-Cookie` headers on responses (the fake backend never sets `__session`; a real app might);
3. a `context.cookies()` snapshot diff at each harness step: the ground truth.
Events are stamped with harness time (seconds since the recorder started): in-page time is fake
once the virtual clock is installed. What an event is, and which cookie line removes its cookie, is the
oracle's (`clerk_harness.oracle.cookie_events`); this module drives the browser to record them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import BrowserContext, Response

from clerk_harness.browser.page_binding import Handler, each, flush_pages, reporter_js
from clerk_harness.oracle.cookie_events import Action, CookieEvent, Source, is_removal, watched
from clerk_harness.oracle.run_log import RunLog

BINDING = "__harnessCookieEvent"
FLUSH = "__harnessFlushCookieEvents"

INIT_SCRIPT = """
(() => {
  if (window.__harnessCookieTimeline) return;
  window.__harnessCookieTimeline = true;
%(reporter)s  const watched = (name) => name === "__session" || name.startsWith("__session_");
  const heard = new Map();  // name -> the values its document.cookie writes left, whose echoes may be due
  const descriptor = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  const read = (doc, name) => {
    const hit = descriptor.get.call(doc).split("; ").find((pair) => pair.split("=")[0] === name);
    return hit === undefined ? null : hit.slice(name.length + 1);
  };
  Object.defineProperty(Document.prototype, "cookie", {
    configurable: true, enumerable: descriptor.enumerable,
    get() { return descriptor.get.call(this); },
    set(raw) {
      const name = String(raw).split(";")[0].split("=")[0].trim();
      if (!watched(name)) return descriptor.set.call(this, raw);
      const before = read(this, name);
      const result = descriptor.set.call(this, raw);
      const after = read(this, name);
      if (after) window.__harnessSessionWrites = (window.__harnessSessionWrites || 0) + 1;  // a story may wait on it
      const stack = (new Error().stack || "").split("\\n").slice(2, 7).map((l) => l.trim()).join(" | ");
      report({ source: "document.cookie", name, raw: String(raw), before, after, stack, url: location.href });
      // A rewrite of the same value is echoed too; a removal of one variant (a partitioned twin stays readable)
      // is echoed as a deletion.
      const removing = String(raw).split(";")[0].split("=").slice(1).join("=").trim() === "";
      heard.set(name, [...(heard.get(name) || []).slice(-15), removing ? null : after]);
      return result;
    },
  });
  // cookieStore's change events come tasks after the writes (one event per cookie in Chromium, later
  // writes may overtake them); one that repeats a write this page already reported through
  // document.cookie says nothing new (a Set-Cookie or a cookieStore write does).
  const repeats = (name, value) => {
    const due = heard.get(name) || [];
    const at = due.indexOf(value);
    if (at < 0) return false;
    due.splice(0, at + 1);
    return true;
  };
  if (window.cookieStore && window.cookieStore.addEventListener) {
    window.cookieStore.addEventListener("change", (event) => {
      for (const c of event.changed || []) if (watched(c.name) && !repeats(c.name, c.value))
        report({ source: "cookieStore", name: c.name, before: null, after: c.value, raw: "changed", stack: "", url: location.href });
      for (const c of event.deleted || []) if (watched(c.name) && !repeats(c.name, null))
        report({ source: "cookieStore", name: c.name, before: null, after: null, raw: "deleted", stack: "", url: location.href });
    });
  }
})();
""" % {"reporter": reporter_js(BINDING, FLUSH)}


@dataclass(repr=False)
class CookieTimeline:
    """Records every change of the watched cookies on one browser context."""

    context: BrowserContext
    log: RunLog = field(default_factory=RunLog)  # the run's time and steps; each step takes a jar snapshot
    events: list[CookieEvent] = field(default_factory=list)
    _known: dict[str, str] = field(default_factory=dict)
    # URLs whose responses never set a watched cookie (the fake's own API calls and bundle files): their
    # headers are not fetched, a round trip to the browser each.
    quiet_prefixes: tuple[str, ...] = ()
    also_flush: dict[str, Handler] = field(default_factory=dict)
    # An instance with partitioned cookies: a cookie's partitioned and unpartitioned variants may both be in
    # the jar, and removing one while the page still reads the other loses nothing.
    variants_may_stay: bool = False

    def __repr__(self) -> str:
        return f"<CookieTimeline {len(self.events)} events, {len(self.removals('__session'))} removals of __session>"

    def install(self) -> CookieTimeline:
        self.context.expose_binding(BINDING, each(self._on_page_event))
        self.context.add_init_script(INIT_SCRIPT)
        self.context.on("response", self._on_response)
        self._known = self._current()
        self.log.before_each_mark.append(self.catch_up)
        return self

    def now(self) -> float:
        return self.log.now()

    def flush(self) -> None:
        """Wait until every in-page report sent so far (this timeline's and those of `also_flush`, the
        other instruments reporting from the page) has been handled here."""
        flush_pages(self.context, {FLUSH: self._on_page_event, **self.also_flush})

    def catch_up(self) -> None:
        """Before each step of the run's log: the page's reports handled, and a ground-truth snapshot."""
        self.flush()
        self.snapshot()

    def _current(self) -> dict[str, str]:
        return {c.get("name", ""): c.get("value", "") for c in self.context.cookies() if watched(c.get("name", ""))}

    def _add(self, source: Source, name: str, action: Action, value: str | None, detail: str = "") -> None:
        self.events.append(CookieEvent(self.now(), source, name, action, value, detail))

    def _on_page_event(self, _source: Any, event: dict[str, Any]) -> None:
        if event["source"] == "document.cookie":
            still = event["after"] not in (None, "")
            if is_removal(event["raw"]) and (event["after"] == event["before"] or (self.variants_may_stay and still)):
                # Nothing the page reads changed: with partitioned cookies clerk-js removes every other variant
                # (unpartitioned, each SameSite) before each write, whether one is there or not, and the
                # partitioned twin stays.
                return
            removal = event["after"] is None or is_removal(event["raw"])
            attributes = ";".join(event["raw"].split(";")[1:]).strip()  # the value itself is shown apart
            detail = f"{attributes} @ {event['stack']}"
            self._add(
                "document.cookie",
                event["name"],
                "remove" if removal else "write",
                None if removal else event["after"],
                detail,
            )
        else:
            removal = event["raw"] == "deleted"
            self._add(
                "cookieStore", event["name"], "remove" if removal else "write", None if removal else event["after"]
            )

    def _on_response(self, response: Response) -> None:
        if any(response.url.startswith(prefix) for prefix in self.quiet_prefixes):
            return
        try:
            lines = response.header_values("set-cookie")
        except Exception:  # noqa: BLE001 - the page or context went away
            return
        for line in lines:
            name = line.split("=", 1)[0].strip()
            if watched(name):
                removal = is_removal(line)
                self._add(
                    "set-cookie",
                    name,
                    "remove" if removal else "write",
                    None if removal else line.split(";")[0].split("=", 1)[1],
                    f"{response.url}: {line[:120]}",
                )

    def snapshot(self) -> dict[str, str]:
        """Diff `context.cookies()` against the last snapshot; record any change as ground truth."""
        current = self._current()
        for name in sorted(set(self._known) | set(current)):
            before, after = self._known.get(name), current.get(name)
            if before == after:
                continue
            self._add("snapshot", name, "remove" if after is None else "write", after)
        self._known = current
        return current

    # --- reading the timeline -------------------------------------------------------------
    def removals(self, name: str | None = None) -> list[CookieEvent]:
        return [e for e in self.events if e.action == "remove" and (name is None or e.name == name)]

    def writes(self, name: str | None = None) -> list[CookieEvent]:
        return [e for e in self.events if e.action == "write" and (name is None or e.name == name)]

    def session_removals(self) -> list[CookieEvent]:
        """Removals of `__session` and of its key-suffixed twin (`__session_<suffix>`): either is a loss."""
        return [e for e in self.events if e.action == "remove" and watched(e.name)]

    def first_removal(self) -> CookieEvent | None:
        removals = self.session_removals()
        return removals[0] if removals else None

    def assert_never_removed(self) -> None:
        """The oracle of survival: no source ever saw `__session` removed, and it is present now."""
        self.snapshot()
        removals = self.session_removals()
        assert not removals, f"__session was removed {len(removals)} time(s):\n{self.render()}"
        assert "__session" in self._known, f"__session is absent now:\n{self.render()}"

    def assert_removed(self) -> CookieEvent:
        self.snapshot()
        first = self.first_removal()
        assert first is not None, f"expected __session to be removed, the timeline shows no removal:\n{self.render()}"
        return first

    def present(self) -> bool:
        return "__session" in self.snapshot()

    def render(self, *, full: bool = False) -> str:
        """Events and harness steps in time order. Compact by default: `__session` itself, and not the
        `cookieStore` echo of each `document.cookie` write; `full=True` lists every source and twin."""
        shown = [e for e in self.events if full or (e.name == "__session" and e.source != "cookieStore")]
        rows = [(e.t, e.describe()) for e in shown] + [(t, f"t={t:7.3f}s --- {label}") for t, label in self.log.marks]
        return "\n".join(text for _, text in sorted(rows, key=lambda r: r[0]))
