"""The invariant `explore` checks after every step of a story: while the server still holds the session and
nobody ended it, `__session` is never removed, the app's server never sees the user signed out, and
`Clerk.user` stays set (in every tab). These are the oracle's loss rules (clerk_harness.oracle.verdict), applied
step by step instead of once at the end.

Signing out, revoking the session, and a 401 from the fake (an injected fault that says the session is
gone) end the session legitimately: from then on nothing counts as a loss. While injected faults still
stand (or answered a request during the last step), the server refusing a token that could not be
refreshed, and clerk-js failing to load, are the outage's doing, not a loss."""

from __future__ import annotations

from dataclasses import dataclass, replace

from clerk_harness.explore.steps import Step, perform
from clerk_harness.oracle.evidence import TokenWindow
from clerk_harness.oracle.verdict import LOSS_RULES, api_refused, reload_rendered_signed_out, reload_without_user
from clerk_harness.stories.story import Story


@dataclass
class SessionGuard:
    story: Story
    journal_start: int
    ended: str | None = None  # why the session ended legitimately, once it has
    checked_up_to: int = 0  # the journal as far as the last check saw it
    symptom: str | None = None  # the loss rule that fired first at the last check

    @classmethod
    def of(cls, story: Story) -> SessionGuard:
        seq = story.session.backend.journal.last_seq
        return cls(story, seq, checked_up_to=seq)

    def play(self, step: Step, number: int) -> None:
        """Run a story's `number`-th step, noting when it ends the session on purpose."""
        self.story.log.mark(f"explore step {number}: {step.label}")
        perform(self.story, step)
        if step.ends_the_session:
            self.session_ended(step.kind.replace("_", " "))

    def session_ended(self, why: str) -> None:
        if self.ended is None:
            self.ended = why
            self.story.log.mark(f"the session ended legitimately: {why}")

    def violations(self) -> list[str]:
        """Why the session counts as lost now (empty while it holds, or once it ended legitimately)."""
        story = self.story
        since, self.checked_up_to = self.checked_up_to, story.session.backend.journal.last_seq
        if self.ended is None:
            refused = [
                e for e in story.session.backend.journal.entries(self.journal_start) if e.faulted and e.status == 401
            ]
            if refused:
                self.session_ended(f"the fake answered {refused[0].method} {refused[0].path} with 401")
        if self.ended is not None:
            return []
        story.timeline.snapshot()  # ground truth: a removal the page did not report still shows
        state = story.session.app.client_state()
        if story.other_tabs:
            story.check_other_tabs()
        seen = replace(story.seen, user_at_end=state.user_id, status_at_end=state.status)
        removals = story.timeline.session_removals()
        rules = LOSS_RULES
        if self._the_api_failed_or_fails(since):
            excused = self._excused(seen)
            rules = tuple(rule for rule in LOSS_RULES if rule not in excused)
            self._forget_what_was_excused(excused)
        fired = [(rule.__name__, reason) for rule in rules if (reason := rule(removals, seen))]
        self.symptom = fired[0][0] if fired else None  # the first loss rule that fired: what the user saw
        return [reason for _, reason in fired]

    def _the_api_failed_or_fails(self, since: int) -> bool:
        """A fault answered a request since the last check, or one still stands."""
        backend = self.story.session.backend
        return any(entry.faulted for entry in backend.journal.entries(since)) or any(
            rule.action is not None and not rule.exhausted for rule in backend.faults.rules()
        )

    def _forget_what_was_excused(self, excused: tuple) -> None:
        """An answer the app got while the Frontend API failed is judged once, under that failure: a later
        check, after the faults are cleared, must not judge the same stale answer again (an API call that
        got 401 while a 429 stood is not a loss once the 429 is gone)."""
        if api_refused in excused:
            self.story.seen.api_after_online = None
        if reload_rendered_signed_out in excused:
            self.story.seen.server_auth_after_reload = None

    def _excused(self, seen) -> tuple:
        """While injected faults still stand, what follows from the Frontend API failing is no client's
        loss: a token that expired because it could not be refreshed (the server then refuses it, or asks
        for a refresh on a reload), and clerk-js failing to load on a reload. A removed cookie or a null
        `Clerk.user` still counts."""
        excused: list = []
        cookie = self.story.timeline.snapshot().get("__session")
        try:
            expired = bool(cookie) and TokenWindow.of(cookie).expires_at <= self.story.session.clock.now()
        except Exception:  # noqa: BLE001 - not a token at all (an empty or wrapped one written): no excuse
            expired = False
        if expired:
            excused += [api_refused, reload_rendered_signed_out]
        elif seen.server_auth_after_reload == "needs_refresh":  # the token it reloaded with had expired
            excused.append(reload_rendered_signed_out)
        if seen.load_failure_after_reload:
            excused.append(reload_without_user)
        return tuple(excused)
