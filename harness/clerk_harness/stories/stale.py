"""A stale token carried forward (clerk/javascript#9284, #9030, #9090, #8097): on a Session Minter
instance a session touch can be answered from a copy of the session that lags behind, with the token
before the one clerk-js just refreshed. clerk-js takes the token in a touch's answer (the session's and the
piggybacked client's) for the newest and writes it to `__session`: a fresher token is overwritten.

The fake answers each touch with tokens minted `lag_s` seconds ago while the stress stands. The proof is a
touch so answered; what clerk-js then wrote, and whether `__session` ever held a token the server had
expired, is what the story watches for a minute.
"""

from __future__ import annotations

from clerk_harness.oracle.evidence import TokenWindow
from clerk_harness.stories.skew import SAMPLE_EVERY_S, watch_for_expired_tokens
from clerk_harness.stories.story_parts import StoryParts as Story
from clerk_harness.stories.story_parts import session_cookie

TOUCH_ROUTE = "/touch"


def touches_answer_with_older_tokens(story: Story, lag_s: float) -> None:
    """From now on a session touch is answered with tokens minted `lag_s` seconds ago."""
    session = story.session
    session.backend.touch_token_lag_s = lag_s
    story.keeper.proof.stale_touch_lag_s = lag_s
    story.keeper.proof.stale_since_seq = session.backend.journal.last_seq
    cookie = session_cookie(story)
    story.keeper.proof.fresh_iat = TokenWindow.of(cookie).issued_at if cookie else None
    story.log.mark(f"session touches now answer with tokens minted {lag_s:g}s ago")


def let_the_session_be_touched(story: Story) -> None:
    """The tab is focused: clerk-js touches the session (6.x does on focus). A release that does not (5.x)
    has the app touch it (`Clerk.session.touch()`, as `setActive` does), and the proof says so."""
    journal, since = story.session.backend.journal, story.session.backend.journal.last_seq
    story.page.evaluate("window.dispatchEvent(new FocusEvent('focus'))")
    story.log.mark("window focus (dispatched)")
    story.page.evaluate("() => new Promise(requestAnimationFrame)")  # the focus handler's request is on its way
    if not any(TOUCH_ROUTE in e.path for e in journal.entries(since)):
        story.keeper.note_trigger("Clerk.session.touch() (this release does not touch the session on focus)")
        story.page.evaluate("() => window.Clerk.session.touch()")
        story.log.mark("the app touched the session")


def keep_the_tab_open(story: Story, virtual_s: float) -> None:
    """A minute (or `virtual_s`) of virtual time, the cookie read every poll (see skew.watch_for_expired_tokens);
    then what the touch's answers were, and whether the older token reached `__session`, are kept."""
    proof, journal = story.keeper.proof, story.session.backend.journal
    watch_for_expired_tokens(story, virtual_s, "after the touch", step_s=SAMPLE_EVERY_S)
    since = proof.stale_since_seq or 0
    proof.stale_touches = [
        f"{e.method} /touch -> {e.status}"
        for e in journal.entries(since)
        if TOUCH_ROUTE in e.path and "minted" in (e.note or "")
    ]
    story.timeline.snapshot()
    written = [
        TokenWindow.of(event.value).issued_at
        for event in story.timeline.writes("__session")
        if event.value and event.value.count(".") == 2
    ]
    if proof.fresh_iat is not None:
        proof.stale_token_written = any(iat < proof.fresh_iat for iat in written)
        story.log.mark(
            "__session "
            + ("was written with the older token" if proof.stale_token_written else "kept the fresher token")
        )
    story.session.backend.touch_token_lag_s = 0.0
