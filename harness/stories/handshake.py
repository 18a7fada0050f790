"""An SDK server's handshake (clerk/javascript#9114): the user comes back by a new page load after the
token in `__session` expired; the SDK on the app's server cannot trust the cookie and sends the browser
through the Frontend API's handshake. In the nonce flow the SDK then fetches the handshake's payload (the
cookies to set) from the Backend API at CLERK_API_URL; when that fetch fails, @clerk/backend renders the
user signed out although the session holds.

The fake answers a handshake at the key's own host with the signed-token format unless told otherwise
(@clerk/fastify 3.1 fetches a nonce's payload from the Backend API the key names, beyond loopback): these
steps tell it to use the nonce, for SDKs that honour CLERK_API_URL. The proof is the fault's answer to
the payload fetch; a page load that ran no handshake, or an SDK that fetched nothing, leaves it unproven.
"""

from __future__ import annotations

from clerk_harness_fake.settings import BAPI_PREFIX
from clerk_harness_fake.tokens import CLOCK_SKEW_S
from clerk_harness.errors import HarnessError
from clerk_harness.oracle.evidence import TokenWindow
from clerk_harness.stories.story_parts import StoryParts as Story

AWAY_AFTER_LEEWAY_S = 2  # past the token's expiry and the backend SDKs' leeway
PAYLOAD_ROUTE = f"{BAPI_PREFIX}/v1/clients/handshake_payload"


def stay_away_until_the_token_expired(story: Story) -> None:
    """The user leaves for another page (on the fake's origin, without Clerk) until the token in `__session`
    has expired beyond the backend SDKs' leeway; the app's next page load is then a new one."""
    session, page = story.session, story.page
    cookie = story.timeline.snapshot().get("__session")
    if not cookie:
        raise HarnessError("sign in before leaving the app: there is no __session token to expire")
    token = TokenWindow.of(cookie)
    page.goto(f"{session.backend.origin}/elsewhere")
    story.timeline.mark("left the app for another page")
    away = token.expires_at + CLOCK_SKEW_S + AWAY_AFTER_LEEWAY_S - session.clock.now()
    session.clock.advance(page, away, quiet_until=session.clock.now() + away)
    if session.clock.now() <= token.expires_at + CLOCK_SKEW_S:
        story.keeper.note_unmet("the token in __session had not expired beyond the SDKs' leeway when the user "
                                "came back")


def backend_api_fails_handshake_payloads(story: Story, status: int) -> None:
    """Handshakes answer with a nonce, and the Backend API answers the SDK's payload fetch with `status`."""
    story.session.backend.handshake_nonce_always = True
    story.inject("GET", PAYLOAD_ROUTE).error(status)
