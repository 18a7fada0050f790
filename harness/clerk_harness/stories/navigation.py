"""A client-side navigation while `__session` holds an expired token (clerk/javascript#9285).

A tab that slept (a closed lid, a throttled background tab) wakes with its token expired; clerk-js asks
for a new one at once, but the user clicks a link first. In a Next.js App Router app the link fetches the
next page's server components (an RSC request), which is not a document request, so the SDK cannot send
it through a handshake: `clerkMiddleware` takes the user for signed out and answers with a redirect to
sign-in, although the session holds and clerk-js refreshes the token a moment later.

The story holds clerk-js's token refresh at the Frontend API (every token request hangs) until the token
in `__session` has expired beyond the SDKs' leeway, follows the app's link to its protected page
(`app.protectedPage`), and only then lets the refresh through. The proof is the navigation's own request
(a client-side one: no document was loaded) sent while the token had expired.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Request

from clerk_harness.errors import HarnessError
from clerk_harness.oracle.evidence import TokenWindow
from clerk_harness.stories.story_parts import StoryParts as Story
from clerk_harness.stories.story_parts import session_cookie
from clerk_harness_fake.tokens import CLOCK_SKEW_S

TOKEN_ROUTE = "/v1/client/sessions/*/tokens"
NAVIGATION_WAIT_MS = 20_000  # a Next.js production server answers in milliseconds; a dev server compiles first


def let_the_token_expire_while_its_refresh_hangs(story: Story) -> None:
    """Every token request hangs at the Frontend API until the story clears its faults; time passes until
    the token in `__session` has expired beyond the SDKs' leeway."""
    session = story.session
    cookie = session_cookie(story)
    if cookie is None:
        raise HarnessError("sign in before letting the token expire: there is no __session token")
    story.inject("POST", TOKEN_ROUTE).hang()
    stale_at = TokenWindow.of(cookie).expires_at + CLOCK_SKEW_S + 1
    session.clock.advance(story.page, max(stale_at - session.clock.now(), 0))
    story.log.mark("the token expired while its refresh hung at the Frontend API")


def follow_a_link_to_the_protected_page(story: Story) -> None:
    """Click the app's link to its protected page and wait until the app's router has moved to a new URL.
    What the navigation's requests were answered, and where it landed, are kept."""
    session, page, proof, seen = story.session, story.page, story.keeper.proof, story.seen
    path = session.app.running.spec.protected_page
    cookie = session_cookie(story)
    if cookie is None:
        raise HarnessError("no __session cookie to navigate with")
    proof.navigated_to = path
    proof.token_expired_at_navigation_s = round(session.clock.now() - TokenWindow.of(cookie).expires_at, 1)
    start = page.url
    requests: list[Request] = []

    def note(request: Request) -> None:
        if (
            request.resource_type == "document"
            or "rsc" in request.headers
            or "next-router-state-tree" in request.headers
        ):
            requests.append(request)

    page.on("request", note)
    try:
        link = page.locator(f'a[href="{path}"]').first
        if not link.count():
            raise HarnessError(
                f"the app's page has no link to {path} (app.protectedPage): the story follows a client-side link there"
            )
        link.click()
        page.wait_for_url(lambda url: url != start, timeout=NAVIGATION_WAIT_MS)
        page.wait_for_load_state()
    finally:
        page.remove_listener("request", note)
    proof.navigation_requests = [_describe(request) for request in requests]
    proof.document_loaded_by_navigation = any(r.resource_type == "document" for r in requests)
    landed = urlsplit(page.url)
    seen.navigation_landed = landed.path + (f"?{landed.query}" if landed.query else "")
    seen.navigation_target = path
    story.log.mark(
        f"followed the link to {path}: landed on {seen.navigation_landed} "
        f"({'; '.join(proof.navigation_requests) or 'no request seen'})"
    )


def _describe(request: Request) -> str:
    response = request.response()
    kind = "document" if request.resource_type == "document" else "RSC"
    answer = "no answer"
    if response is not None:
        answer = str(response.status)
        location = response.headers.get("location")
        if location:
            target = urlsplit(location)
            answer += f" to {target.path}" + (f"?{target.query}" if target.query else "")
    return f"{request.method} {urlsplit(request.url).path} ({kind}) -> {answer}"
