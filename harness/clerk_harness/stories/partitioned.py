"""Partitioned cookies and an environment that answers late (clerk/javascript#9286, fixed in 6.26.0).

On an instance whose environment says `partitioned_cookies`, clerk-js writes `__session` as
`SameSite=None; Secure; Partitioned`. At a page load it learns that setting from `GET /v1/environment`;
when that answer comes after the client's, clerk-js writes `__session` the default way first, and the jar
then holds two of them (an unpartitioned pair beside the partitioned one), with different tokens. 6.26.0
removes the unpartitioned pair once the environment answers; earlier releases keep both until their next
write. Which one a request carries is the browser's choice. Firefox keeps the first-party cookie that
clerk-js writes `Partitioned` with no partition of its own (Playwright shows none): there the pair is the
`SameSite=None; Secure` cookie beside the default `Lax` one.

The story holds the environment at the Frontend API through a reload until clerk-js has written the
cookie, then lets it answer. The proof: the environment answered late (the hold's hit), and the jar held
two `__session` cookies at once.
"""

from __future__ import annotations

from typing import Any

from clerk_harness.errors import HarnessError
from clerk_harness.stories.story_parts import StoryParts as Story

ENVIRONMENT_ROUTE = "/v1/environment"
WRITTEN_WITHIN_MS = 10_000


def reload_while_the_environment_is_late(story: Story) -> None:
    """Reload the app while `GET /v1/environment` hangs; once clerk-js has written `__session` in the
    reloaded page, the environment answers. Then one session poll passes."""
    session, proof = story.session, story.keeper.proof
    if not session.backend.partitioned_cookies:
        raise HarnessError("a late environment story needs an instance with partitioned cookies (partitionedCookies)")
    latch = story.inject("GET", ENVIRONMENT_ROUTE).hang()
    page = story.page
    page.reload(wait_until="commit")
    story.log.mark("reload (the environment held)")
    try:  # clerk-js writes the cookie from the client's answer, without the environment's
        page.wait_for_function("window.__harnessSessionWrites > 0", polling=50, timeout=WRITTEN_WITHIN_MS)
    except Exception:  # noqa: BLE001 - a release that waits for the environment first: no duplicate to see
        story.keeper.proof.unmet.append("clerk-js wrote no __session while the environment was held")
    held = session_cookies(session.browser.context.cookies())
    story.log.mark(f"the environment still held: the jar holds {len(held)} __session ({', '.join(held)})")
    proof.partition_twins_seen = len(held) >= 2
    latch.release()
    story.clear_faults()
    session.app.wait_loaded()
    session.clock.advance(page, 5)  # one session poll: 6.26.0 has removed the pair by then, earlier ones write again
    held = session_cookies(session.browser.context.cookies())
    story.log.mark(f"one poll after the environment answered: the jar holds {len(held)} __session ({', '.join(held)})")


def session_cookies(cookies: list[dict[str, Any]]) -> list[str]:
    """The `__session` cookies in the jar, each said by its kind: `partitioned` (Playwright names its
    partition in `partitionKey`), else its SameSite."""
    return [
        ("partitioned" if cookie.get("partitionKey") else f"SameSite={cookie.get('sameSite')}")
        for cookie in cookies
        if cookie["name"] == "__session"
    ]
