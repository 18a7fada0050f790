"""A Session Minter instance, end to end: the marker turns it on for one test, clerk-js reads it from the
environment, and its token requests carry the last token in their body (the fake mints from it)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

MINTER_SEEN = "() => window.Clerk.__internal_environment.authConfig.sessionMinter"


@pytest.mark.clerk_session_minter
@pytest.mark.clerk_js("6.40.0")
def test_the_marker_makes_a_minter_instance(clerk_story, clerk_fake):
    assert clerk_fake.session_minter and clerk_story.page.evaluate(MINTER_SEEN) is True  # off: test_session_minter
    clerk_story.ask_for_a_token()
    notes = [e.note for e in clerk_fake.journal.entries() if e.path.endswith("/tokens")]
    assert notes and all(note.startswith("minted from the body's token") for note in notes), notes
