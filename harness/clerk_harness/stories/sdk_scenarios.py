"""The catalogue's scenarios whose loss is your app's SDK's, on any clerk-js: each needs your app (`--app-cmd`,
or `@pytest.mark.clerk_app`), and a default run leaves them out."""

from __future__ import annotations

from clerk_harness.stories.scenario import scenario
from clerk_harness.stories.story import Story


@scenario("handshake-payload-down", reference="clerk/javascript#9114", lost_on="*", needs_app=True)
def handshake_payload_down(story: Story) -> None:
    """Your app's SDK server: the user comes back an hour later by a new page load; the handshake's payload
    fetch from the Backend API answers 503 (the loss is the SDK's, on any clerk-js)."""
    story.sign_in()
    story.stay_away_for_an_hour()
    story.backend_api_fails_handshake_payloads(503)
    story.open_the_app_again()
    story.clear_faults()
    story.call_the_api()


@scenario("server-clock-behind", reference="clerk/javascript#1661", lost_on="*", needs_app=True)
def server_clock_behind(story: Story) -> None:
    """Your app's server clock runs 30 s behind the Frontend API's (WSL's after the laptop slept): every fresh
    token was issued in its future, beyond the SDK's leeway (the SDK's loss, on any clerk-js)."""
    app_server_clock_apart(story, -30)


@scenario("server-clock-ahead", reference="clerk/javascript#1661", lost_on="*", needs_app=True)
def server_clock_ahead(story: Story) -> None:
    """Your app's server clock runs 90 s ahead of the Frontend API's: every token (60 s) has expired on it,
    beyond the SDK's leeway, as soon as it is minted (the SDK's loss, on any clerk-js)."""
    app_server_clock_apart(story, 90)


def app_server_clock_apart(story: Story, seconds: float) -> None:
    """Signed in, your app's clock (on the harness's, libfaketime) moves `seconds` apart, then a reload.
    @clerk/backend refuses a token issued more than its 5 s leeway ahead of its clock, or expired as long."""
    story.sign_in()
    story.skew_the_app_server_clock(seconds)
    story.reload()
    story.call_the_api()


@scenario("next-soft-navigation", reference="clerk/javascript#9285", lost_on="*", needs_app=True)
def next_soft_navigation(story: Story) -> None:
    """Your Next.js app: the tab wakes with its token expired and the user follows a link to a protected page
    before clerk-js's refresh lands; the middleware takes the client-side navigation for a signed-out visitor's
    (the loss is the SDK's, on any clerk-js)."""
    story.sign_in()
    story.let_the_token_expire_while_its_refresh_hangs()
    story.follow_a_link_to_the_protected_page()
    story.clear_faults()
    story.call_the_api()
