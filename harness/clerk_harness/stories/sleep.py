"""A laptop that sleeps for hours and wakes: timers starve while it sleeps, then the session poller, the
token refresh and the focus touch fire together, with a token long expired (clerk/javascript#8303
guards only headless and mobile runtimes).

On the virtual clock the page's clock jumps the whole night at once: each timer due in the jump runs
once, at its end, as after a real sleep; the fake's clock moves with it. The proof is the burst: the
requests clerk-js makes in the first seconds after waking, and a token request among them.
"""

from __future__ import annotations

import re

from clerk_harness.errors import HarnessError
from clerk_harness.stories.story_parts import StoryParts as Story

WAKE_WINDOW_S = 5  # the burst: what clerk-js asks for in this many seconds after waking (one poll)


def sleep_and_wake(story: Story, hours: float) -> None:
    """The lid closes (the tab is hidden), the machine sleeps `hours`, the lid opens (shown, focused);
    then one session poll passes."""
    session, proof = story.session, story.keeper.proof
    if session.clock.mode != "virtual":
        raise HarnessError(
            "a sleep-and-wake story needs the virtual clock: the built-in page, or your app with "
            "libfaketime (apt-get install faketime; app.clock)"
        )
    session.visibility.hide()
    journal = session.backend.journal
    before = journal.last_seq
    night = hours * 3600  # one jump: the clock's quiet stretch, each due timer run once, at its end
    session.clock.advance(story.page, night, quiet_until=session.clock.now() + night)
    story.log.mark(f"slept {hours:g} h")
    session.visibility.show()
    story.page.evaluate("window.dispatchEvent(new FocusEvent('focus'))")
    story.log.mark("woke: the tab shown and focused")
    session.clock.advance(story.page, WAKE_WINDOW_S)
    burst = [f"{e.method} {_route(e.path)} -> {e.status}" for e in journal.entries(before) if "/v1/" in e.path]
    proof.slept_h = hours
    proof.wake_burst = burst
    story.log.mark(f"the burst after waking: {len(burst)} request(s)")


def _route(path: str) -> str:
    """`/client/sessions/sess_…/tokens`: the route below /v1, without the session's id."""
    return re.sub(r"sess_\w+", "sess_…", path.split("/v1", 1)[-1])
