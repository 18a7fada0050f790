"""The page's clock skewed against the server's: what real users' machines do (clerk/javascript#7317).

Since 6.0.0 clerk-js decides whether its cached token is fresh by comparing the page's `Date.now()` with
the token's `iat`. A page clock that runs slow serves tokens the server has already expired and writes
them to `__session`; one that runs fast never finds a token fresh and asks for one on every poll.

Only the page's clock moves (the context's Playwright clock, `set_system_time`, which fires no timer);
the fake's stays on the server's time, so each later `advance` keeps the gap. The proof is the gap as the
page itself reports it (`Date.now()` against the server's time), and a token request under the skew.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from clerk_harness.errors import HarnessError
from clerk_harness.oracle.evidence import TokenWindow
from clerk_harness.oracle.proof_keeper import TOKEN_ROUTE
from clerk_harness.stories.story_parts import StoryParts as Story
from clerk_harness.stories.story_parts import session_cookie
from clerk_harness_fake.tokens import CLOCK_SKEW_S

if TYPE_CHECKING:
    from clerk_harness.stories.user_app import RunningApp

SAMPLE_EVERY_S = 5  # how often the story reads `__session` while the skewed clock runs (one poller period)
CLOCK_STEP_S = 1.0  # the clock's step under a skew (see let_the_skewed_clock_run)
APP_SKEW_TOLERANCE_S = 2.0  # a Date header has whole seconds
LEEWAY_S = CLOCK_SKEW_S  # what Clerk's backend SDKs accept past `exp` (5 s): staler is refused
APP_DATE_WITHIN_S = 3.0  # servers cache their `Date` header for up to a second


def skew_the_page_clock(story: Story, seconds: float) -> None:
    """The page's clock now runs `seconds` ahead of the server's (behind, when negative)."""
    clock = story.session.clock
    if clock.mode != "virtual":
        raise HarnessError(
            "a clock-skew story needs the virtual clock: the built-in page, or your app with libfaketime "
            "(apt-get install faketime; app.clock)"
        )
    story.page.context.clock.set_system_time(clock.now() + seconds)
    seen = story.page.evaluate("Date.now() / 1000") - clock.now()
    proof = story.keeper.proof
    proof.clock_skew_s, proof.clock_skew_seen_s = seconds, round(seen, 3)
    story.log.mark(f"page clock skewed {seconds:+g}s (the page reports {seen:+.1f}s)")


def let_the_skewed_clock_run(story: Story, virtual_s: float) -> None:
    """Virtual time runs for `virtual_s`, as in a tab left open. Every poller period the story reads
    `__session`; while it holds a token the server expired beyond the backend SDKs' leeway, the app calls
    its API with it (the first such answer is kept). The token requests under the skew are counted."""
    session, seen, proof = story.session, story.seen, story.keeper.proof
    if proof.clock_skew_s is None:
        raise HarnessError("skew the page clock before letting it run")
    journal = session.backend.journal
    since, started = journal.last_seq, session.clock.now()
    # One-second steps: a fast clock's storm is a token request on each poll tick (1.5 s apart in a focused
    # tab), and under a slow clock 5.0.0 to 5.52.0 refresh about when the token expires, so a refresh due
    # inside a longer step fires late enough to look like a loss (five-second steps: always; two: now and then).
    step_s = CLOCK_STEP_S
    watch_for_expired_tokens(story, virtual_s, "into the skew", step_s=step_s)
    requests = [e for e in journal.entries(since) if TOKEN_ROUTE in e.path]
    seen.token_requests_skewed, seen.skewed_for_s = len(requests), round(session.clock.now() - started, 1)
    proof.token_requests_skewed = len(requests)
    story.log.mark(f"{len(requests)} token request(s) in {seen.skewed_for_s:g}s of skewed clock")


def watch_for_expired_tokens(story: Story, virtual_s: float, into: str = "in", *, step_s: float = 1.0) -> None:
    """Virtual time runs for `virtual_s`, as in a tab left open. Every poller period the story reads
    `__session`; while it holds a token the server expired beyond the backend SDKs' leeway, the app calls
    its API with it (the first such answer is kept, in `seen.expired_cookie`)."""
    session, seen = story.session, story.seen
    started = session.clock.now()
    stale_for, stale_at, answer = 0.0, 0.0, None
    while session.clock.now() - started < virtual_s - 1e-9:
        session.clock.advance(
            story.page, min(SAMPLE_EVERY_S, virtual_s - (session.clock.now() - started)), step_s=step_s
        )
        cookie = session_cookie(story)
        stale = session.clock.now() - TokenWindow.of(cookie).expires_at if cookie else 0.0
        if stale > LEEWAY_S and stale > stale_for:
            stale_for, stale_at = stale, session.clock.now() - started
            if answer is None:
                answer = session.app.call_api().status
    if stale_for:
        seen.expired_cookie = (
            f"__session held a token the server had expired {stale_for:.0f}s before "
            f"({stale_at:.0f}s {into}; beyond the SDKs' {LEEWAY_S}s leeway): "
            f"{seen.api_probe} answered {answer} then"
        )
        story.log.mark(seen.expired_cookie)


def skew_the_app_server_clock(story: Story, seconds: float) -> None:
    """Your app's server clock now runs `seconds` ahead of the Frontend API's and the page's (behind, when
    negative), as on a server whose time sync lags (WSL after the laptop slept: adrianhajdin/threads#86,
    "Clerk: Clock skew detected"). The page and the fake keep one time. The proof is the app's own `Date`
    header against the fake's time."""
    running = getattr(story.session.app, "running", None)
    if running is None:
        raise HarnessError("skewing the app server's clock needs your app (--app-cmd, or @pytest.mark.clerk_app)")
    running.skew_clock(seconds)
    clock = story.session.clock
    deadline = time.monotonic() + APP_DATE_WITHIN_S
    seen = app_date(running) - clock.now()
    while abs(seen - seconds) > APP_SKEW_TOLERANCE_S and time.monotonic() < deadline:
        time.sleep(0.1)  # sleep-ok: the app's Date header is cached up to a second; bounded
        seen = app_date(running) - clock.now()
    proof = story.keeper.proof
    proof.app_clock_skew_s, proof.app_clock_skew_seen_s = seconds, round(seen, 1)
    story.log.mark(f"the app's server clock skewed {seconds:+g}s (its Date header says {seen:+.0f}s)")
    # What the app's SDK makes of the token it is sent next: valid from its `iat` (`nbf` is 10 s before) to
    # its `exp`, give or take the leeway (@clerk/backend: session-token-iat-in-the-future, -nbf, -expired).
    token = session_cookie(story)
    if token:
        window, app_now = TokenWindow.of(token), clock.now() + seconds
        proof.app_token_outside_s = round(max(window.issued_at - app_now, app_now - window.expires_at), 1)
        story.log.mark(
            f"the token in __session lies {proof.app_token_outside_s:+.0f}s outside its validity on the app's clock"
        )


def app_date(running: RunningApp) -> float:
    """The app's clock as its `Date` header says (whole seconds), read from an answer to its probe."""
    date = running.ask_the_probe()[1].get("Date")
    if not date:
        raise HarnessError("your app's answers carry no Date header: its clock cannot be read")
    return parsedate_to_datetime(date).timestamp()
