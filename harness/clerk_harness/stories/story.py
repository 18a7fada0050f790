"""The vocabulary scenarios and tests are written in: what a user does, what must hold, and the proof
that the stress really happened. The `clerk_story` fixture is a Story on a signed-in page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from clerk_harness.browser.clock import POLLER_PERIOD_S
from clerk_harness.browser.cookie_timeline import CookieTimeline
from clerk_harness.errors import ClerkJsFailed, HarnessError, InconclusiveRun
from clerk_harness.oracle.evidence import StressProof, TokenWindow
from clerk_harness.oracle.proof_keeper import TOKEN_ROUTE, ProofKeeper
from clerk_harness.oracle.run_log import RunLog
from clerk_harness.oracle.verdict import Observations
from clerk_harness.stories.app_driver import ClerkApp
from clerk_harness.stories.session import HarnessSession
from clerk_harness.stories.story_steps import StepsOfTheirOwn
from clerk_harness_fake.faults import FaultRule

SAFETY_MARGIN_S = 12  # come back online this long before the last good token expires
# A poller tick waited for offline ends this long before it: the run's own real time (about a second, more
# on a loaded machine) also passes on a clock that flows, and the token must still be good when back.
LAST_GOOD_S = 3
POLLER_WAIT_MS = 12_000  # two real-time ticks of the poller on its Web Worker, plus slack (as on the virtual clock)
IN_FLIGHT_WAIT_MS = (
    2_000  # for a request the page already made to fail in the browser (see Story._let_a_request_in_flight_land)
)


@dataclass(repr=False)
class Story(StepsOfTheirOwn):
    """Tells the story; its `keeper` keeps the proof of stress and `seen` what the story observed."""

    session: HarnessSession
    seen: Observations = field(default_factory=Observations)
    other_tabs: list[ClerkApp] = field(default_factory=list)
    keeper: ProofKeeper = field(init=False)

    @property
    def log(self) -> RunLog:
        """The run's time and steps (its marks)."""
        return self.session.log

    def __repr__(self) -> str:
        return f"<Story clerk-js {self.session.app.version}, {len(self.timeline.events)} cookie events>"

    def __post_init__(self) -> None:
        session = self.session
        self.keeper = ProofKeeper(
            session.network,
            session.backend.journal,
            virtual_now=session.clock.now,
            harness_now=session.log.now,
            session_cookie=lambda: session.timeline.snapshot().get("__session"),
            client_status=lambda: session.app.client_state().status,
        ).attach()

    @property
    def proof(self) -> StressProof:
        return self.keeper.proof

    @property
    def page(self) -> Page:
        return self.session.page

    @property
    def timeline(self) -> CookieTimeline:
        return self.session.timeline

    def _now(self) -> float:
        return self.session.clock.now()

    # --- what the user does --------------------------------------------------------------------------
    def sign_in(self) -> None:
        self.session.sign_in()

    def sign_out(self) -> None:
        self.seen.signed_out_by_harness = True
        self.session.app.sign_out()

    def go_offline(self) -> None:
        self.session.network.offline()

    def come_back_online(self) -> None:
        self.session.network.online()

    def api_goes_down(self) -> None:
        self.session.network.api_down()

    def api_comes_back(self) -> None:
        self.session.network.api_up()

    def hide_and_show(self) -> None:
        self.session.visibility.hide()
        self.session.visibility.show()

    def focus_the_window(self) -> None:
        """A `focus` event on the visible page: clerk-js refreshes its token and writes the cookie at once.

        Dispatched from the page (untrusted) on purpose: on a real tab switch the order of `focus` and
        `visibilitychange` is random, and up to 6.21 a focus that comes first triggers nothing."""
        self.page.evaluate("window.dispatchEvent(new FocusEvent('focus'))")
        self.log.mark("window focus (dispatched)")

    def reload(self) -> None:
        """Reload the app. If clerk-js then fails to load, that is what a user sees: noted, and judged."""
        self._load(self.session.app.reload, "reload")

    def open_the_app_again(self) -> None:
        """A new page load of the app (a link, a bookmark), judged as a reload is."""
        self._load(self.session.app.open, "new page load")

    def _load(self, load: Callable[[], Any], what: str) -> None:
        self.seen.reload_was = what
        try:
            state = load()
        except ClerkJsFailed as failure:
            self.seen.load_failure_after_reload = str(failure).split(" did not load: ", 1)[-1]
            self.log.mark(f"after {what} clerk-js failed to load: {self.seen.load_failure_after_reload}")
            state = self.session.app.client_state()
        self.seen.server_auth_after_reload = self.session.app.server_auth()
        self.seen.user_after_reload = state.user_id
        self.seen.status_after_reload = state.status
        self.log.mark(
            f"after {what}: server {self.seen.server_auth_after_reload}, "
            f"Clerk.user {'set' if state.user_id else 'null'}"
        )

    def call_the_api(self) -> int:
        self.seen.api_after_online = self.session.app.call_api().status
        return self.seen.api_after_online

    def open_a_second_tab(self) -> ClerkApp:
        tab = self.session.app.open_in_new_tab()
        if not tab.client_state().user_id:
            raise HarnessError("the second tab did not load signed in")
        self.other_tabs.append(tab)
        self.log.mark("second tab open")
        return tab

    def bring_first_tab_to_front(self) -> None:
        """The first tab comes back to the front; the other tabs are then in the background."""
        self.session.visibility.show(covering=[tab.page for tab in self.other_tabs])

    def check_other_tabs(self) -> None:
        self.seen.other_tabs_signed_out = sum(1 for tab in self.other_tabs if not tab.client_state().user_id)

    # --- time passes, tokens come due (more in StepsOfTheirOwn) -----------------------------------------
    def let_token_age_past_refresh(self) -> None:
        """Virtual time passes the proactive refresh point while offline; stop once an attempt failed."""
        token = self.proof.token
        if token is None or not self.session.network.is_offline:
            raise HarnessError("go offline before letting the token age")
        latest = token.expires_at - SAFETY_MARGIN_S
        due = token.refresh_due_at + 1
        failed = self.keeper.failed_token_requests
        if self.session.clock.mode == "real":
            self._age_in_real_time(due)
            return
        self.session.clock.advance(
            self.page,
            latest - self._now(),
            until=lambda: self._now() >= due and failed() > 0,
            quiet_until=token.refresh_due_at - POLLER_PERIOD_S,
        )
        if failed() == 0:
            self._wait_for_poller_tick("requestfailed", lambda: failed() > 0, until=token.expires_at - LAST_GOOD_S)

    def _age_in_real_time(self, due: float) -> None:
        """Against a user's app time really passes. Some releases make no request when the refresh point
        passes offline (6.40.0 waits until the cached token is nearly spent, racing its expiry), so once
        the point has passed with no attempt the app asks for a token, as a page calling its API would;
        the proof records that trigger."""
        token, failed = self.proof.token, self.keeper.failed_token_requests
        assert token is not None
        self.session.clock.advance(self.page, due - self._now(), until=lambda: failed() > 0)
        if failed() == 0:
            self.keeper.note_trigger(
                "real time: the refresh point passed with no attempt, so the app asked for a token (getToken)"
            )
            self.session.app.start_get_token(clear_cache=True)
            settled = lambda: bool(self.page.evaluate("window.__harnessToken.done"))
            self.session.clock.advance(
                self.page, token.expires_at - 3 - self._now(), until=lambda: failed() > 0 or settled()
            )
            if settled():
                self.keeper.note_token_result(self.page.evaluate("window.__harnessToken"))

    def wait_for_failed_refresh(self) -> None:
        """Age the token past its refresh point offline; fail loudly (inconclusive) if nothing was attempted."""
        self.let_token_age_past_refresh()
        if self.keeper.failed_token_requests() == 0 and self.session.app.client_state().status != "degraded":
            raise InconclusiveRun("the refresh point passed offline but no refresh attempt was seen")

    def _wait_for_poller_tick(self, event: str, happened: Callable[[], bool], *, until: float | None = None) -> None:
        """5.x refreshes only on its session poller, once the cached token has less than about 15 s left
        (its cache's leeway plus one poll), which may fall after the story's stopping point: let up to two
        more poller periods pass for its token request (on 5.59.0 one period was, rarely, not enough)."""

        def is_token_request(item) -> bool:
            request = item.request if event == "response" else item
            return TOKEN_ROUTE in request.url

        virtual_s = 2 * POLLER_PERIOD_S + 1  # never past `until` (a virtual time), when given
        if until is not None:
            virtual_s = max(0.0, min(virtual_s, until - self._now()))
        self._through_a_poller_tick(
            happened, event, is_token_request, virtual_s=virtual_s, real_s=POLLER_WAIT_MS / 1000
        )
        if not happened() and self.session.clock.poller == "virtual":
            self._let_a_request_in_flight_land(event, is_token_request)
        self.log.mark("up to two more session-poller periods")

    def _let_a_request_in_flight_land(self, event: str, is_it: Callable[[Any], bool]) -> None:
        """A token request clerk-js made in the last clock steps may still be failing in the browser: on a
        loaded machine its `requestfailed` once came after the harness was back online, so the attempt went
        unseen and a sound run was judged inconclusive. Wait for that event, up to IN_FLIGHT_WAIT_MS of
        real time (only when no attempt was seen: a normal run never waits here)."""
        try:
            self.session.browser.context.wait_for_event(event, predicate=is_it, timeout=IN_FLIGHT_WAIT_MS)
        except PlaywrightTimeoutError:
            pass

    def _through_a_poller_tick(
        self, happened: Callable[[], bool], event: str, is_it: Callable[[Any], bool], *, virtual_s: float, real_s: float
    ) -> None:
        """Let clerk-js's session poller tick until `happened()`: stepping the virtual clock up to
        `virtual_s`, or (`pollerClock: real`, its Web Worker timers) waiting up to `real_s` of real time
        for the browser event `event` that `is_it`. Nothing happening is the proof's to report."""
        if happened():
            return
        if self.session.clock.poller == "virtual":
            self.session.clock.advance(self.page, virtual_s, until=happened)
            return
        try:
            self.session.browser.context.wait_for_event(event, predicate=is_it, timeout=real_s * 1000)
        except PlaywrightTimeoutError:
            pass

    def let_token_age_online_until_fault(self) -> None:
        """Online, virtual time passes the refresh point; stop once a refresh was answered by a fault."""
        token = self.keeper.note_token()
        hit = self.keeper.fault_was_hit
        self.session.clock.advance(
            self.page,
            token.expires_at - SAFETY_MARGIN_S - self._now(),
            until=lambda: self._now() >= token.refresh_due_at + 1 and hit(),
            quiet_until=token.refresh_due_at - POLLER_PERIOD_S,
        )
        if not hit():  # 5.x: only its session poller (worker timers, real time) refreshes
            self._wait_for_poller_tick("response", hit)
        self.keeper.collect_fault_hits()

    def let_the_token_come_due(self) -> None:
        """Online, virtual time runs to the session token's refresh point and a poller period past it, as
        in a tab left open: clerk-js refreshes the token (through any fault that stands)."""
        cookie = self.timeline.snapshot().get("__session")
        if not cookie:
            raise HarnessError("no __session token to come due")
        token = TokenWindow.of(cookie)
        journal = self.session.backend.journal
        since = journal.last_seq

        def refreshed() -> bool:  # 5.x refreshes up to two poller periods after the 6.x refresh point
            return self._now() >= token.refresh_due_at and any(TOKEN_ROUTE in e.path for e in journal.entries(since))

        target = token.refresh_due_at + 2 * POLLER_PERIOD_S + 1
        self.session.clock.advance(
            self.page, max(target - self._now(), 1), until=refreshed, quiet_until=token.refresh_due_at - POLLER_PERIOD_S
        )
        self.log.mark("the token came due")

    def let_an_expired_token_be_replaced(self) -> None:
        """Online, a `__session` token that expired (a long outage) is clerk-js's to replace before the app
        judges it: up to two session-poller periods of virtual time, ended as soon as it is fresh."""

        def fresh() -> bool:
            cookie = self.timeline.snapshot().get("__session")
            return cookie is None or TokenWindow.of(cookie).expires_at > self._now()

        if not fresh():
            self.session.clock.advance(self.page, 2 * POLLER_PERIOD_S + 1, until=fresh)
            self.log.mark("an expired token was clerk-js's to replace")

    def settle(self, virtual_s: float = 20) -> None:
        """Let clerk-js's retry back-off (main-thread timers) run its course on the virtual clock."""
        self.session.clock.advance(self.page, virtual_s)

    def ask_for_a_token(self) -> dict:
        """The app calls `getToken()` after clearing the cache (as an API call would)."""
        self.keeper.note_trigger("Clerk.session.clearCache() + getToken()")
        return self.keeper.note_token_result(self.session.app.get_token(clear_cache=True))

    def ask_for_a_token_and_let_it_run(self, virtual_s: float = 30) -> None:
        """The app calls `getToken()` (cache cleared); virtual time runs until it settles or `virtual_s`
        passed (against a failing API clerk-js may retry for longer: that is clerk-js's business)."""
        self.keeper.note_trigger("Clerk.session.clearCache() + getToken()")
        self.session.app.start_get_token(clear_cache=True)
        settled = lambda: bool(self.page.evaluate("window.__harnessToken.done"))
        self.session.clock.advance(self.page, virtual_s, until=settled)
        if settled():
            self.keeper.note_token_result(self.page.evaluate("window.__harnessToken"))
        else:
            self.log.mark(f"getToken() still pending after {virtual_s:g} virtual seconds")

    def ask_for_a_token_while_it_fails(self) -> None:
        """The app calls `getToken()`; virtual time runs until one of its token requests has failed
        (clerk-js keeps retrying: the call settles later, see `let_the_token_call_settle`)."""
        self.keeper.note_trigger("Clerk.session.clearCache() + getToken()")
        self.session.app.start_get_token(clear_cache=True)
        self.session.clock.advance(self.page, 30, until=lambda: self.keeper.failed_token_requests() > 0)

    def let_the_token_call_settle(self) -> dict:
        return self.keeper.note_token_result(self.session.app.finish_get_token(max_virtual_s=60))

    # --- the fake backend misbehaves -----------------------------------------------------------------
    def inject(self, method: str | None, path: str, *, times: int | None = None) -> FaultRule:
        """A fault rule on the fake FAPI (finish it with `.error(...)`, `.empty_token()`, ...)."""
        rule = self.session.backend.faults.on(method, path, times=times)
        self.keeper.note_fault(f"{method or '*'} {path}" + (f" x{times}" if times else " until cleared"))
        return rule

    def clear_faults(self) -> None:
        self.keeper.collect_fault_hits()
        self.session.backend.faults.clear()
        self.log.mark("faults cleared")

    def wait_for_client_refetch(self, timeout_s: float = 6.5) -> bool:
        """#8004's tell: after a 4xx, old versions fetch `GET /v1/client` (and sign out if it fails).
        Waits past the next session-poller tick (virtual or real time, see `pollerClock`), ended early by
        the request."""

        def refetched() -> bool:
            entries = self.keeper.faulted_entries()
            first_fault = next((e.seq for e in entries if e.faulted), None)
            return first_fault is not None and any(
                e.seq > first_fault and e.method == "GET" and e.path.endswith("/v1/client") for e in entries
            )

        self._through_a_poller_tick(
            refetched,
            "response",
            lambda r: r.request.method == "GET" and urlparse(r.url).path.endswith("/v1/client"),
            virtual_s=timeout_s,
            real_s=timeout_s,
        )
        self.seen.client_refetched_after_fault = refetched()
        self.keeper.collect_fault_hits()
        self.log.mark(f"GET /v1/client after the fault: {self.seen.client_refetched_after_fault}")
        return self.seen.client_refetched_after_fault

    # --- the server changes its mind -----------------------------------------------------------------
    def revoke_the_session(self) -> None:
        session_id = self.session.app.client_state().session_id
        assert session_id, "no session to revoke"
        self.session.backend.revoke_session(session_id)
        self.seen.signed_out_by_harness = True
        self.log.mark("session revoked on the server")

    def wait_for_sign_out(self, timeout_s: float = 10) -> bool:
        try:
            self.page.wait_for_function(
                "() => window.Clerk && !window.Clerk.user", polling=50, timeout=timeout_s * 1000
            )
            self.log.mark("Clerk.user is null")
            return True
        except PlaywrightTimeoutError:
            return False

    # --- what must hold ------------------------------------------------------------------------------
    def assert_signed_in(self, *, server_side: bool = True) -> None:
        state = self.session.app.client_state()
        assert state.user_id, f"Clerk.user is null (status {state.status})\n{self.timeline.render()}"
        if server_side:
            answer = self.session.app.call_api()
            assert answer.status == 200, f"/api/me answered {answer.status} ({answer.state})\n{self.timeline.render()}"
            if self.seen.server_auth_after_reload is not None:
                assert self.seen.server_auth_after_reload == "signed_in", (
                    f"the reloaded page was rendered {self.seen.server_auth_after_reload}\n{self.timeline.render()}"
                )
