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

import jwt

from clerk_harness.errors import HarnessError
from clerk_harness.oracle.evidence import TokenWindow
from clerk_harness.stories.story_parts import StoryParts as Story
from clerk_harness_fake.settings import BAPI_PREFIX
from clerk_harness_fake.tokens import CLOCK_SKEW_S

AWAY_S = 3600  # how long the user stays away
PAYLOAD_ROUTE = f"{BAPI_PREFIX}/v1/clients/handshake_payload"


def stay_away_for_an_hour(story: Story) -> None:
    """The user leaves for another page (on the fake's origin, without Clerk) for an hour; the app's next
    page load is then a new one, with the token in `__session` long expired.

    The app's server keeps its real clock, so the hour passes for the browser's cookie jar only: with no
    page of the app open, nothing writes `__session` while the user is away, and what the jar holds when
    they come back is this session's token as it was minted an hour earlier, and a `__client_uat` from
    before it, which the story puts there (the same cookies, their values backdated)."""
    session, page = story.session, story.page
    jar = session.browser.context.cookies()
    cookies = [c for c in jar if c["name"].startswith("__session")]
    if not cookies:
        raise HarnessError("sign in before leaving the app: there is no __session token to expire")
    page.goto(f"{session.backend.origin}/elsewhere")
    story.log.mark("left the app for another page")
    backend = session.backend
    sid = jwt.decode(cookies[0]["value"], options={"verify_signature": False})["sid"]
    left_at = session.clock.now() - AWAY_S
    kept = backend.mint_for(backend.state.sessions[sid], issued_at=left_at)
    signed_in_at = str(int(left_at) - 1)  # `__client_uat`: the sign-in came before the token the jar kept
    session.browser.context.add_cookies(
        [{**_settable(cookie), "value": kept} for cookie in cookies]
        + [{**_settable(cookie), "value": signed_in_at} for cookie in jar if cookie["name"].startswith("__client_uat")]
    )
    expired_for = session.clock.now() - TokenWindow.of(kept).expires_at
    story.log.mark(f"an hour away: __session holds this session's token of an hour ago (expired {expired_for:.0f}s)")
    if expired_for <= CLOCK_SKEW_S:
        story.keeper.note_unmet(
            "the token in __session had not expired beyond the SDKs' leeway when the user came back"
        )


def _settable(cookie: dict) -> dict:
    """A cookie from `context.cookies()` as `add_cookies` takes it."""
    return {
        key: cookie[key]
        for key in ("name", "domain", "path", "expires", "httpOnly", "secure", "sameSite")
        if key in cookie
    }


def backend_api_fails_handshake_payloads(story: Story, status: int) -> None:
    """Handshakes answer with a nonce, and the Backend API answers the SDK's payload fetch with `status`."""
    story.session.backend.handshake_nonce_always = True
    story.inject("GET", PAYLOAD_ROUTE).error(status)
