"""The one place that says which Clerk instance the fake models, and against which of Clerk's types.

The instance: a production instance of an app that signs users in with an email address and a password,
and verifies email addresses with a one-time code. Phone numbers, usernames, web3 wallets, passkeys,
social and enterprise SSO, organizations, billing, API keys, captcha, Google One Tap and Clerk Protect's
checks are all off. A development instance (`instance: "test"`) is the same app with Clerk's
development settings (`instance_environment_type`, the dev browser).

The types: every answer of the fake's Frontend API has the shape that the JSON types of `@clerk/shared`
declare (`EnvironmentJSON`, `ClientJSON`, `SessionJSON`, `UserJSON`, `SignInJSON`, `TokenJSON`,
`ClerkAPIErrorJSON`), at the version below: the version the newest clerk-js release is built against.
tests/unit/test_fidelity.py checks it, field by field, and names any field a newer version adds.
`clerk-harness versions` says when npm has newer types than these.

Where the types are stricter than any answer Clerk sends, the fake sends what Clerk sends and clerk-js
reads (docs/fake-backend.md lists each place): a verification without an error has `error: null`, one
no other client completed has `verified_at_client: null`, and a session that is not active has
`last_active_token: null`.
"""

from __future__ import annotations

from typing import Any

from clerk_harness_fake.state import new_id

TYPES_PACKAGE = "@clerk/shared"
TYPES_CHECKED = "4.41.0"  # tools/clerk-types pins the same version; the contract test checks they agree

EMAIL_CODE_LIFETIME_MS = 10 * 60 * 1000  # an email code can be entered for 10 minutes

# Clerk's default theme, as an instance whose dashboard theme was never changed sends it.
DEFAULT_THEME: dict[str, Any] = {
    "general": {
        "color": "#6c47ff",
        "background_color": "#ffffff",
        "font_family": "",
        "font_color": "#151515",
        "label_font_weight": "600",
        "padding": "1em",
        "border_radius": "0.5em",
        "box_shadow": "0 2px 8px rgba(0, 0, 0, 0.2)",
    },
    "buttons": {"font_color": "#ffffff", "font_family": "", "font_weight": "600"},
    "accounts": {"background_color": "#ffffff"},
}


def verification(strategy: str, at_ms: int) -> dict[str, Any]:
    """A verification that succeeded at `at_ms`, typed by its strategy: an email code's can be entered
    until it expires; a password's is checked at once and its `expire_at` is that moment."""
    expire_at = at_ms + EMAIL_CODE_LIFETIME_MS if strategy == "email_code" else at_ms
    return {
        "object": f"verification_{strategy}",
        "id": new_id("ver"),
        "status": "verified",
        "strategy": strategy,
        "attempts": 1,
        "expire_at": expire_at,
        "error": None,
        "verified_at_client": None,
    }
