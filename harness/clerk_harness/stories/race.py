"""The residual race of clerk/javascript#7912, made deterministic: a token request in flight fails offline,
and the browser counts as online again between clerk-js's two `navigator.onLine` checks (the page-level
hook of `clerk_harness.browser.online_flip`). The fake holds the request (a latch) until the story drops it.
"""

from __future__ import annotations

from clerk_harness.browser import online_flip
from clerk_harness.stories.story_parts import StoryParts as Story
from clerk_harness_fake.faults import Latch


def prepare_online_flip(story: Story) -> None:
    """Install the page-level hook of `clerk_harness.browser.online_flip` (reloads the app before sign-in)."""
    story.session.browser.context.add_init_script(online_flip.INIT_SCRIPT)
    story.session.app.open()
    story.log.mark("online-flip hook installed")


def let_a_token_request_hang_then_drop(story: Story) -> None:
    """The app asks for a token; the server holds the request, then drops it: no answer ever comes."""
    held = hold_the_next_token_request(story)
    ask_for_a_token_in_background(story, held)
    held.release(then="drop")
    story.settle(5)


def hold_the_next_token_request(story: Story) -> Latch:
    return story.inject("POST", "/v1/client/sessions/*/tokens", times=1).hang(then="drop")


def ask_for_a_token_in_background(story: Story, held: Latch) -> None:
    """The app calls `getToken()` (cache cleared); its request is held at the server."""
    story.keeper.note_trigger("getToken() in flight, then a focus refresh joins it")
    story.session.app.start_get_token(clear_cache=True)
    held.wait_until_held(1, timeout=10)
    story.log.mark("token request held at the server")


def fail_the_held_request_then_flip_online(story: Story, held: Latch) -> None:
    """Offline, the held request fails; the browser counts as online from clerk-js's next check on."""
    online_flip.arm(story.page)
    held.release(then="drop")

    # until the page, too, has heard of the failure and read onLine again (its report of the failed request
    # can reach the harness before the page's own handler runs)
    def failed_and_flipped() -> bool:
        return story.keeper.failed_token_requests() > 0 and online_flip.flipped(story.page)

    story.session.clock.advance(story.page, 1, step_s=0.05, until=failed_and_flipped)
    reads = story.seen.online_reads_during_flip = online_flip.disarm(story.page)
    if not (reads and reads[0] is False and True in reads):
        story.keeper.note_unmet(f"the online flip was not exercised (navigator.onLine answers {reads})")
    story.log.mark(f"held request failed; onLine reads {story.seen.online_reads_during_flip}")
