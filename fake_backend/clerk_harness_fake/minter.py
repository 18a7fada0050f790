"""Clerk's Session Minter, as the fake models it when told (`session_minter`).

With `auth_config.session_minter` true in the environment, clerk-js (the releases that know the setting)
sends its last token in the body of `POST /v1/client/sessions/{id}/tokens` (`token=<jwt>`), adds
`forceOrigin=true` when it skipped its cache, and no longer retries a 422 `missing_expired_token` with the
expired token in the query. The minter mints the next token from the one in the body, carrying forward
when its claims were last read at the origin in the token's `oiat` header; `forceOrigin` reads them
anew, and so does a request with no token at all (from a release that does not know the setting). A
token that cannot be minted from (empty, not this session's, not signed by this instance) gets the 422
`missing_expired_token` that clerk-js then counts as unauthenticated; a fault can answer it too.

What the real minter does with an expired or foreign seed token is inferred, not documented: this is the
fake's reading, stated once here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import jwt
from starlette.requests import Request

from clerk_harness_fake.errors import ClerkAPIError

if TYPE_CHECKING:
    from clerk_harness_fake.backend import FakeClerk
    from clerk_harness_fake.state import Session


def missing() -> ClerkAPIError:
    return ClerkAPIError(
        422,
        "missing_expired_token",
        "Missing expired token",
        "The session token to refresh from is missing or not this session's.",
    )


async def mint_from_body(clerk: FakeClerk, session: Session, request: Request) -> tuple[str, str]:
    """The next token and a journal note; a ClerkAPIError 422 when there is nothing to mint from."""
    try:
        form = await request.form()
    except Exception:  # noqa: BLE001 - a body that is not a form has no token to mint from
        raise missing() from None
    now = int(clerk.clock.now())
    if form.get("forceOrigin") == "true":
        return clerk.mint_for(session, oiat=now), "minted at the origin (forceOrigin)"
    seed = form.get("token")
    if seed is None:  # a release that does not know the minter: it mints at the origin, as without it
        return clerk.mint_for(session, oiat=now), "minted at the origin (no token in the body)"
    if not isinstance(seed, str) or not seed:
        raise missing()
    check = clerk.tokens.verify(seed)
    if check.state == "signed_out" or check.session_id != session.id:
        raise missing()
    try:
        oiat = int(jwt.get_unverified_header(seed).get("oiat") or check.claims.get("iat") or now)
    except (jwt.PyJWTError, TypeError, ValueError):
        raise missing() from None
    return clerk.mint_for(session, oiat=oiat), f"minted from the body's token (oiat {oiat})"
