"""The story's steps that live in modules of their own (one stress each): the Story delegates to them."""

from __future__ import annotations

from clerk_harness.stories import bfcache, focus, handshake, navigation, partitioned, race, skew, sleep, stale, tracking
from clerk_harness.stories.story_parts import StoryParts
from clerk_harness_fake.faults import Latch


class StepsOfTheirOwn:
    """Mixed into `Story` (the step modules take a Story: see story_parts.StoryParts)."""

    # --- time passes ----------------------------------------------------------------------------------
    def skew_the_page_clock(self: StoryParts, seconds: float) -> None:
        """The user's machine clock runs `seconds` off the server's (see clerk_harness.stories.skew)."""
        skew.skew_the_page_clock(self, seconds)

    def let_the_skewed_clock_run(self: StoryParts, virtual_s: float) -> None:
        skew.let_the_skewed_clock_run(self, virtual_s)

    def skew_the_app_server_clock(self: StoryParts, seconds: float) -> None:
        skew.skew_the_app_server_clock(self, seconds)

    def sleep_and_wake(self: StoryParts, hours: float) -> None:
        """The laptop's lid closes for `hours`, then opens (see clerk_harness.stories.sleep)."""
        sleep.sleep_and_wake(self, hours)

    # --- Safari's tracking prevention (see clerk_harness.stories.tracking) ------------------------------------
    def turn_on_tracking_prevention(self: StoryParts) -> None:
        tracking.turn_on_tracking_prevention(self)

    def stay_away_for_days(self: StoryParts, days: float) -> None:
        tracking.stay_away_for_days(self, days)

    # --- real window focus (see clerk_harness.stories.focus) -------------------------------------------------
    def work_in_another_window(self: StoryParts, virtual_s: float) -> None:
        focus.work_in_another_window(self, virtual_s)

    # --- partitioned cookies (see clerk_harness.stories.partitioned) -----------------------------------------
    def reload_while_the_environment_is_late(self: StoryParts) -> None:
        partitioned.reload_while_the_environment_is_late(self)

    # --- the back-forward cache (see clerk_harness.stories.bfcache) ------------------------------------------
    def serve_pages_the_browser_may_keep(self: StoryParts) -> None:
        bfcache.serve_pages_the_browser_may_keep(self)

    def leave_and_come_back(self: StoryParts) -> None:
        bfcache.leave_and_come_back(self)

    def let_clerk_js_notice(self: StoryParts) -> None:
        bfcache.let_clerk_js_notice(self)

    # --- an SDK server's handshake (see clerk_harness.stories.handshake) -------------------------------------
    def stay_away_for_an_hour(self: StoryParts) -> None:
        handshake.stay_away_for_an_hour(self)

    def backend_api_fails_handshake_payloads(self: StoryParts, status: int = 503) -> None:
        handshake.backend_api_fails_handshake_payloads(self, status)

    # --- a client-side navigation (see clerk_harness.stories.navigation) -------------------------------------
    def let_the_token_expire_while_its_refresh_hangs(self: StoryParts) -> None:
        navigation.let_the_token_expire_while_its_refresh_hangs(self)

    def follow_a_link_to_the_protected_page(self: StoryParts) -> None:
        navigation.follow_a_link_to_the_protected_page(self)

    # --- a stale token carried forward (see clerk_harness.stories.stale) -------------------------------------
    def touches_answer_with_older_tokens(self: StoryParts, lag_s: float) -> None:
        stale.touches_answer_with_older_tokens(self, lag_s)

    def let_the_session_be_touched(self: StoryParts) -> None:
        stale.let_the_session_be_touched(self)

    def keep_the_tab_open(self: StoryParts, virtual_s: float = 60) -> None:
        stale.keep_the_tab_open(self, virtual_s)

    # --- the residual race of #7912 (see clerk_harness.stories.race) -----------------------------------------
    def prepare_online_flip(self: StoryParts) -> None:
        race.prepare_online_flip(self)

    def let_a_token_request_hang_then_drop(self: StoryParts) -> None:
        race.let_a_token_request_hang_then_drop(self)

    def hold_the_next_token_request(self: StoryParts) -> Latch:
        return race.hold_the_next_token_request(self)

    def ask_for_a_token_in_background(self: StoryParts, held: Latch) -> None:
        race.ask_for_a_token_in_background(self, held)

    def fail_the_held_request_then_flip_online(self: StoryParts, held: Latch) -> None:
        race.fail_the_held_request_then_flip_online(self, held)
