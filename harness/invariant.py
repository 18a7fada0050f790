"""The invariant `explore` checks after every step of a story: while the server still holds the session and
nobody ended it, `__session` is never removed, the app's server never sees the user signed out, and
`Clerk.user` stays set (in every tab). These are the oracle's loss rules (harness/verdict.py), applied
step by step instead of once at the end.

Signing out, revoking the session, and a 401 from the fake (an injected fault that says the session is
gone) end the session legitimately: from then on nothing counts as a loss."""

from __future__ import annotations

from dataclasses import dataclass, replace

from harness.story import Story
from harness.verdict import LOSS_RULES


@dataclass
class SessionGuard:
    story: Story
    journal_start: int
    ended: str | None = None  # why the session ended legitimately, once it has

    @classmethod
    def of(cls, story: Story) -> "SessionGuard":
        return cls(story, story.session.backend.journal.last_seq)

    def session_ended(self, why: str) -> None:
        if self.ended is None:
            self.ended = why
            self.story.timeline.mark(f"the session ended legitimately: {why}")

    def violations(self) -> list[str]:
        """Why the session counts as lost now (empty while it holds, or once it ended legitimately)."""
        story = self.story
        if self.ended is None:
            refused = [e for e in story.session.backend.journal.entries(self.journal_start)
                       if e.faulted and e.status == 401]
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
        return [reason for rule in LOSS_RULES if (reason := rule(removals, seen))]
