"""The cookies Clerk's servers set for SDK servers to read: `__client_uat` and the handshake's directives.

In production clerk-js never writes `__client_uat`; Clerk's FAPI does, on every answer that changes the
client: the client's `updated_at` in seconds while a session is active, 0 when none is. SDK servers
compare it with the session token's `iat` and run a handshake when the token looks older than the
client. Both names are set, plain and key-suffixed, as the real FAPI does.
"""

from __future__ import annotations

from clerk_harness_fake.settings import BackendSettings, cookie_suffix
from clerk_harness_fake.state import Client, State

YEAR_S = 365 * 24 * 3600


def client_uat(client: Client | None, state: State) -> int:
    if client is None:
        return 0
    active = [s for s in state.client_sessions(client) if s.status == "active"]
    return client.updated_at_ms // 1000 if active else 0


def cookie_names(name: str, settings: BackendSettings, *, suffixed: bool = True) -> list[str]:
    names = [name]
    if suffixed:
        names += [f"{name}_{cookie_suffix(settings.publishable_key)}"]
    return names


def client_uat_directives(
    client: Client | None, state: State, settings: BackendSettings, *, domain: str | None = None
) -> list[str]:
    value = client_uat(client, state)
    scope = f"; Domain={domain}" if domain else ""
    return [
        f"{name}={value}; Path=/{scope}; Max-Age={YEAR_S}; SameSite=Lax"
        for name in cookie_names("__client_uat", settings)
    ]


def session_directives(token: str | None, settings: BackendSettings, *, suffixed: bool = True) -> list[str]:
    """Set `__session` to a fresh token, or clear it (no active session)."""
    if token is None:
        return [f"{name}=; Path=/; Max-Age=0; SameSite=Lax" for name in cookie_names("__session", settings)]
    return [
        f"{name}={token}; Path=/; Max-Age={YEAR_S}; SameSite=Lax"
        for name in cookie_names("__session", settings, suffixed=suffixed)
    ]
