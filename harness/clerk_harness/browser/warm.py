"""A browser kept warm across runs: each run leases a warm context and its tab, cleaned.

Launching Chromium and connecting over CDP costs about 0.4 s of a 1.5 s run. Real visibility needs the
default context of a CDP-connected browser (see clerk_harness.browser.launch), and a browser has only one, so
runs take turns in it. When a run hands it back, everything the run left is undone:
- its init scripts, bindings, routes and context listeners (recorded by `ScopedContext`); the harness's
  own reporting scripts stay, and their bindings go back to reporting to no run (`StandingInstruments`);
- its pages: every other tab is closed but, in Chromium, a blank cover tab (see
  `visibility.is_spare_cover`), kept for the next run that hides its page; its own tab has its sessionStorage cleared and goes to about:blank (a new document: no timers, BroadcastChannel or clerk-js state carry over);
- cookies, and every storage of each origin the run reached (localStorage, IndexedDB, Cache Storage,
  service workers);
- offline emulation and tracing.
Playwright's clock cannot be uninstalled: each run sets it to the fake's time again (see
`VirtualClock.install`), and since every clock step leaves a small script in the context, the browser
is replaced after `browser.reuse` runs. A failure while cleaning up retires the browser; the next run
gets a fresh one. Runs on real time (a user's app) never share a browser that had a clock: they take turns
in a warm browser of their own (`for_real_time`).

Firefox keeps a warm context per profile (a profile is a context's there) in one warm Firefox, cleaned the
same way; without DevTools, each origin's storage is cleared from a blank page of that origin that the
harness serves itself (no request leaves the browser). A new context each run cost about 0.4 s of a
1.5 s run (its page, bindings and scripts, and a cold HTTP cache: clerk-js fetched and compiled anew).
A context is replaced after `browser.reuse` runs; a real-time run's contexts are never clocked ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, CDPSession, Page, Playwright, Request, Route

from clerk_harness.browser import visibility
from clerk_harness.browser.launch import launch_session
from clerk_harness.browser.scoped_context import ScopedContext, StandingInstruments, scoped
from clerk_harness.browser.session import BrowserSession
from clerk_harness.config import BrowserConfig
from clerk_harness_fake.settings import CLEARING_PAGE, CLEARING_PATH

if TYPE_CHECKING:
    from clerk_harness.browser.webkit.warm import WarmWebKit

CLEAR_ORIGIN_SCRIPT = """async () => {
  try { localStorage.clear(); sessionStorage.clear(); } catch (e) {}
  try {
    for (const db of await indexedDB.databases())
      await new Promise((done) => { const r = indexedDB.deleteDatabase(db.name); r.onsuccess = r.onerror = r.onblocked = done; });
  } catch (e) {}
  try { for (const key of await caches.keys()) await caches.delete(key); } catch (e) {}
  try { for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister(); } catch (e) {}
}"""


@dataclass
class WarmContext:
    """A Firefox context kept for the runs of one profile, and the origins its current run reached."""

    profile: str
    context: BrowserContext
    standing: StandingInstruments
    runs: int = 0
    origins: set[str] = field(default_factory=set)


class WarmBrowser:
    """One warm browser for one worker (one Playwright): `lease()` a session, `close()` it to hand it back."""

    def __init__(self, playwright: Playwright, config: BrowserConfig, *, shares: WarmBrowser | None = None) -> None:
        self.playwright = playwright
        self.config = config
        self.launches = 0
        self._shares = shares  # Firefox: the warm browser whose Firefox this one's contexts live in
        self._contexts: dict[str, WarmContext] = {}  # Firefox: by profile
        # Firefox: the origins that answer CLEARING_PATH themselves (the fake's); the harness answers it for
        # the others, through a route (two BiDi calls a run).
        self.answer_clearing: set[str] = shares.answer_clearing if shares is not None else set()
        self._front: WarmContext | None = None  # Firefox: the context whose window is in front
        self._session: BrowserSession | None = None
        self._runs = 0
        self._origins: set[str] = set()
        self._cdp: tuple[Page, CDPSession] | None = None
        self._standing: StandingInstruments | None = None
        self._real_time: WarmBrowser | None = None
        self._real_focus: WarmBrowser | None = None
        self._crashed: set[Page] = set()  # pages of the warm context whose renderer died
        self._webkit: WarmWebKit | None = None  # WebKit: its runs take turns in contexts of their own

    def __repr__(self) -> str:
        state = f"{self._runs} run(s) on the current browser" if self._session else "no browser"
        return f"<WarmBrowser {state}, {self.launches} launch(es)>"

    def lease(self, profile: str | None = None, *, movable_clock: bool = False) -> BrowserSession:
        """The default context with its one tab (blank), for one run; its `close()` cleans up and hands it back.
        Firefox: the warm context of the profile, cleaned the same way."""
        if self.config.engine == "firefox":  # a Firefox profile is its context's: any profile may lease
            return self._lease_firefox(profile or self.config.profile)
        if self.config.engine == "webkit":  # a context of its own in a warm WebKit (clerk_harness.browser.webkit)
            return self._webkit_browser().lease(movable_clock=movable_clock)
        launched = self._session is None or self._runs >= self.config.reuse or not self._session.browser.is_connected()
        if launched:
            self._replace()  # a browser killed between runs is replaced too, not handed out
        assert self._session is not None
        self._runs += 1
        context = self._session.context
        for page in [page for page in context.pages if page in self._crashed]:  # its renderer died between runs
            self._crashed.discard(page)
            page.close()
        page = _app_tab(context)
        if launched:  # a new browser's first tab has no focus until it is brought to the front (a user's tab has)
            _bring_to_front_and_focus(page)
        return BrowserSession(
            self._session.browser,
            scoped(context, self._standing),
            page,
            self._session.visibility_mode,
            self._session.executable,
            _release=self._give_back,
            exit_file=self._session.exit_file,
        )

    def for_real_time(self) -> WarmBrowser:
        """A second warm browser of the same configuration, for runs on real time (a user's app): no run
        ever installs a clock there, so those runs share it as virtual-clock runs share this one. (Firefox:
        contexts of their own in the same Firefox.)"""
        if self._real_time is None:
            shares = self if self.config.engine == "firefox" else None
            self._real_time = WarmBrowser(self.playwright, self.config, shares=shares)
        return self._real_time

    def for_real_focus(self) -> WarmBrowser:
        """A headed Chromium of the same configuration (under Xvfb where there is no display), for stories
        that need real window focus: headless Chromium gives every window the focus. Firefox gives real
        focus headless: the same browser."""
        headed = with_real_focus(self.config)
        if headed == self.config:
            return self
        if self._real_focus is None:
            self._real_focus = WarmBrowser(self.playwright, headed)
        return self._real_focus

    def lost_its_browser(self) -> bool:
        """Its browser went away (killed, crashed); the next lease launches a new one."""
        if self._webkit is not None:
            return self._webkit.lost_its_browser()
        return self._session is not None and not self._session.browser.is_connected()

    def _webkit_browser(self) -> WarmWebKit:
        if self._webkit is None:
            from clerk_harness.browser.webkit.warm import WarmWebKit

            self._webkit = WarmWebKit(self.config)
        return self._webkit

    def close(self) -> None:
        """End the browser, and the real-time and real-focus ones (each guard removes its profile folder)."""
        for companion in (self._real_time, self._real_focus, self._webkit):
            if companion is not None:
                companion.close()
        for profile in list(self._contexts):
            self._retire_context(profile)
        session, self._session, self._cdp, self._standing = self._session, None, None, None
        if session is not None:
            session.close()

    def _replace(self) -> None:
        self.close()
        session = launch_session(self.playwright, self.config)
        session.context.on("request", self._note_origin)
        self._crashed = set()
        for page in session.context.pages:
            self._note_crashes(page)
        session.context.on("page", self._note_crashes)
        self._session, self._runs, self._origins = session, 0, set()
        self._standing = StandingInstruments(session.context)
        self.launches += 1

    def _firefox_session(self) -> BrowserSession:
        """The warm Firefox (the shared one's, for a real-time browser), launched when there is none."""
        if self._shares is not None:
            return self._shares._firefox_session()
        if self._session is None or not self._session.browser.is_connected():
            self.close()
            session = launch_session(self.playwright, self.config)
            session.context.close()  # the launch's own context: runs lease warm contexts of their profile
            self._session = session
            self.launches += 1
        return self._session

    def _lease_firefox(self, profile: str) -> BrowserSession:
        from clerk_harness.browser.firefox import new_context

        session = self._firefox_session()
        warm = self._contexts.get(profile)
        if warm is not None and (warm.runs >= self.config.reuse or not warm.context.pages):
            self._retire_context(profile)
            warm = None
        if warm is None:
            context, page = new_context(session.browser, replace(self.config, profile=profile))
            warm = self._contexts[profile] = WarmContext(profile, context, StandingInstruments(context))
            context.on("request", lambda request, origins=warm.origins: _note_origin(origins, request))
            self._note_crashes(page)
            context.on("page", self._note_crashes)
        warm.runs += 1
        context = warm.context
        for page in [page for page in context.pages if page in self._crashed]:
            self._crashed.discard(page)
            page.close()
        page = _app_tab(context)
        root = self._shares or self  # one Firefox: one window in front, whichever warm browser's it is
        if root._front is not None and root._front is not warm:
            # Another context's window (another profile's) came in front since: a page of a window in the
            # background gets no trusted focus (a restore from the back-forward cache brings one).
            page.bring_to_front()
        root._front = warm
        return BrowserSession(
            session.browser,
            scoped(context, warm.standing),
            page,
            session.visibility_mode,
            session.executable,
            _release=self._give_back,
            engine=session.engine,
        )

    def _retire_context(self, profile: str) -> None:
        warm = self._contexts.pop(profile)
        try:
            warm.context.close()
        except Exception:  # noqa: BLE001 - its Firefox is gone already
            pass

    def _note_crashes(self, page: Page) -> None:
        def crashed(page: Page) -> None:  # Playwright wraps a handler: a bound method of a set is none it takes
            self._crashed.add(page)

        page.on("crash", crashed)

    def _note_origin(self, request: Request) -> None:
        _note_origin(self._origins, request)

    def _give_back(self, lease: BrowserSession) -> None:
        """Undo the run; on any failure retire the browser (Firefox: the context) instead (a crashed page, a
        browser gone): the next run gets a fresh one, and the hand-back never raises. An interrupt retires
        it and goes on."""
        try:
            self._clean(lease)
        except Exception:  # noqa: BLE001 - whatever broke, the next lease starts anew
            self._retire(lease)
        except BaseException:
            self._retire(lease)
            raise

    def _retire(self, lease: BrowserSession) -> None:
        if lease.engine != "firefox":
            self.close()
            return
        warm = self._warm_of(lease.context.inner) if isinstance(lease.context, ScopedContext) else None
        if warm is not None:
            self._retire_context(warm.profile)

    def _warm_of(self, context: BrowserContext) -> WarmContext | None:
        return next((warm for warm in self._contexts.values() if warm.context is context), None)

    def _clean(self, lease: BrowserSession) -> None:
        assert isinstance(lease.context, ScopedContext)
        context = lease.context.inner
        if lease.context.traced:
            try:
                context.tracing.stop()
            except Exception:  # noqa: BLE001 - already stopped (artifacts were kept)
                pass
        lease.context.undo()
        context.set_offline(False)
        keep = lease.page if not lease.page.is_closed() else context.new_page()
        others = [page for page in context.pages if page is not keep]
        warm = self._warm_of(context)  # Firefox's: no DevTools, its origins are cleared from a page of each
        # Chromium keeps a blank cover for the next run that hides its page. Firefox does not: a new cover
        # is cheap there, and Playwright's clock calls into every page of the context (a BiDi call each).
        spare = next((page for page in others if visibility.is_spare_cover(page)), None) if warm is None else None
        for page in others:
            if page is not spare:
                page.close()
        if warm is None:
            try:  # the only page-scoped storage: the app's origin in this tab (clerk-js itself uses none)
                keep.evaluate("() => { try { sessionStorage.clear(); } catch (e) {} }")
            except Exception:  # noqa: BLE001 - a crashed or navigating page: start the next run on a new one
                keep.close()
                keep = context.new_page()
            keep.goto("about:blank")
        elif not _clear_origins_from_page(context, keep, warm.origins, self.answer_clearing):
            keep.goto("about:blank")  # nothing to clear: the tab still shows the run's last page
        context.clear_cookies()
        if warm is None:
            cdp = self._cdp_of(keep)
            for origin in sorted(self._origins):
                cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
            self._origins.clear()
        if others:  # another tab was in front (a second tab, or the cover that hid this one)
            keep.bring_to_front()

    def _cdp_of(self, page: Page) -> CDPSession:
        """One DevTools session per kept page (Storage.* answers "internal error" on the browser's own)."""
        if self._cdp is None or self._cdp[0] is not page:
            self._cdp = (page, page.context.new_cdp_session(page))
        return self._cdp[1]


def _note_origin(origins: set[str], request: Request) -> None:
    parts = urlsplit(request.url)
    if parts.scheme in ("http", "https"):
        origins.add(f"{parts.scheme}://{parts.netloc}")


def _clear_origins_from_page(context: BrowserContext, page: Page, origins: set[str], answer: set[str]) -> bool:
    """Clear every storage of each origin (sessionStorage too: the tab's) from its clearing page, which runs no
    script of the app's: served by the origin when it is in `answer` (the fake's), else answered by the
    harness through a route (which costs the context its HTTP cache meanwhile, not after). The tab stays on
    the last such page: its reports are dropped (`page_binding.flush_pages`, `reporter_js`), so the clearing, and the
    cookies' after it, reach no run. Says whether there was an origin to clear."""

    def blank(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body=CLEARING_PAGE)

    cleared = bool(origins)
    for origin in sorted(origins):
        url = origin + CLEARING_PATH
        routed = origin not in answer
        if routed:
            context.route(url, blank)
        try:
            page.goto(url)
            page.evaluate(CLEAR_ORIGIN_SCRIPT)
        finally:
            if routed:
                context.unroute(url, blank)
    origins.clear()
    return cleared


def with_real_focus(config: BrowserConfig) -> BrowserConfig:
    """A browser whose windows take the focus from each other: Chromium headed (under Xvfb where there is
    no display); Firefox has it headless."""
    return replace(config, headless=False) if config.engine == "chromium" else config


def _app_tab(context: BrowserContext) -> Page:
    """The tab a run's app opens in: the context's first that is no spare cover (a new one if none is)."""
    return next((page for page in context.pages if not visibility.is_spare_cover(page)), None) or context.new_page()


def lease_or_launch(
    playwright: Playwright, config: BrowserConfig, browsers: WarmBrowser | None, *, movable_clock: bool = False
) -> BrowserSession:
    """A leased warm session when there is a warm browser of this very configuration, else a browser of
    the run's own (a test that changes the profile or visibility mode gets what it asked for)."""
    if browsers is not None and browsers.config == config:
        return browsers.lease(movable_clock=movable_clock)
    if (
        browsers is not None
        and config.engine == "firefox"
        and replace(browsers.config, profile=config.profile) == config
    ):
        return browsers.lease(config.profile)
    return launch_session(playwright, config, movable_clock=movable_clock)


def _bring_to_front_and_focus(page: Page) -> None:
    """Chromium gives the page the focus a moment after `bring_to_front` returns (later on a busy machine):
    wait for it, so the first run of a browser starts focused as the others do."""
    page.bring_to_front()
    page.wait_for_function("document.hasFocus()", polling=20, timeout=5_000)
