"""Safari's tracking prevention (WebKit's Intelligent Tracking Prevention) and the session cookie.

Under tracking prevention a cookie that script writes lives 7 days at most, whatever expiry it asks for
(clerk/javascript#7623). clerk-js writes `__session` with `document.cookie` and a year's expiry; the
Frontend API sets `__client` and, in the proxy topology, `__client_uat` from the server, and those keep
theirs. A user who comes back more than a week later sends no `__session` with the first request: a server
page renders them signed out (a Clerk SDK, seeing `__client_uat` without `__session`, runs its handshake)
until clerk-js, loaded, writes a new token.

While the user is away every clock moves by the same amount: the page's and the fake's (the virtual
clock), and WebKit's own, by which its jar expires cookies (libfaketime in WebKit's processes). The proof:
the jar held `__session` for no longer than the cap, and the user stayed away beyond it.
"""

from __future__ import annotations

import time

from clerk_harness.errors import HarnessError
from clerk_harness.oracle.evidence import TRACKING_CAP_DAYS
from clerk_harness.stories.story_parts import StoryParts as Story

DAY_S = 86400
PROBE = "__harness_tracking_probe"  # no cookie of clerk-js's: the cookie recorder does not watch it


def turn_on_tracking_prevention(story: Story) -> None:
    """Tracking prevention on, as Safari has it by default (before the app writes any cookie of the session)."""
    browser = story.session.browser
    if browser.engine != "webkit":
        raise HarnessError("tracking prevention is WebKit's (Safari's): run this story with --browser webkit")
    browser.context.set_tracking_prevention(True)  # type: ignore[attr-defined]  # a WebKitContext
    _wait_until_it_caps(story)
    story.log.mark("tracking prevention on")


def _wait_until_it_caps(story: Story, within_s: float = 15.0) -> None:
    """The switch reaches WebKit's network process on its own channel, which a cookie the page writes may
    overtake (under load, for a second or more): a probe cookie, written with a year's expiry, is written
    again until the jar caps it."""
    page, context = story.page, story.session.browser.context
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        page.evaluate(f"document.cookie = '{PROBE}=1; path=/; max-age=31536000'")
        probe = next((c for c in context.cookies() if c["name"] == PROBE), None)
        if probe is not None and (probe["expires"] - time.time()) / DAY_S <= TRACKING_CAP_DAYS + 0.01:
            page.evaluate(f"document.cookie = '{PROBE}=; path=/; max-age=0'")
            return
        page.wait_for_timeout(20)  # sleep-ok: WebKit tells no event when the switch lands; the jar is polled
    raise HarnessError(f"tracking prevention did not cap a script-written cookie within {within_s:g} s")


def stay_away_for_days(story: Story, days: float) -> None:
    """The user leaves the app for another page and stays away `days`; what the jar kept is the proof."""
    session, proof = story.session, story.keeper.proof
    context = session.browser.context
    now = time.time()  # WebKit's own clock, not moved yet
    lifetimes = {c["name"]: (c["expires"] - now) / DAY_S for c in context.cookies() if c.get("expires", -1) > 0}
    if "__session" not in lifetimes:
        raise HarnessError("sign in before leaving the app: the jar holds no __session cookie")
    proof.session_cookie_days = round(lifetimes["__session"], 2)
    proof.client_uat_days = round(lifetimes["__client_uat"], 2) if "__client_uat" in lifetimes else None
    story.page.goto(f"{session.backend.origin}/elsewhere")
    story.log.mark("left the app for another page")
    away = days * DAY_S
    context.move_browser_clock(away)  # type: ignore[attr-defined]  # a WebKitContext
    session.clock.advance(story.page, away, quiet_until=session.clock.now() + away)
    proof.away_days = days
    story.log.mark(f"{days:g} days away, on every clock (the page's, the fake's, WebKit's own)")
