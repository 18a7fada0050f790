"""FakeClerk: one fake Clerk instance (state, clock, token issuer, journal). Routers and the harness share it."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from clerk_harness_fake.clock import ServerClock
from clerk_harness_fake.faults import FaultBook, compile_pattern
from clerk_harness_fake.handshake import HandshakeNonces
from clerk_harness_fake.journal import JournalEntry, RequestJournal
from clerk_harness_fake.settings import BackendSettings
from clerk_harness_fake.state import Session, State, User
from clerk_harness_fake.tokens import TokenCheck, TokenIssuer

DEFAULT_PASSWORD = "correct-horse-battery-staple"
FAKE_SECRET_KEY = "sk_harness_fake_not_a_clerk_key"  # what the harness hands an app; its Backend API requires it


@dataclass(frozen=True)
class TestUser:
    id: str
    email: str
    password: str


class FakeClerk:
    def __init__(self, settings: BackendSettings | None = None) -> None:
        self.settings = settings or BackendSettings()
        self.clock = ServerClock()
        self.state = State()
        self.journal = RequestJournal()
        self.tokens = TokenIssuer(self.settings.issuer, self.settings.token_ttl_seconds, self.clock)
        self.session_minter = self.settings.session_minter  # per run (`reset` restores the setting)
        self.partitioned_cookies = self.settings.partitioned_cookies  # per run, as the Session Minter
        # per run: the app page says `no-cache` instead of `no-store`, as a single-page app's index.html
        # does, so that the browser may keep it in its back-forward cache (`reset` turns it off)
        self.app_pages_cacheable = False
        # per run: answer every handshake that asks for a nonce with one, also at the key's own host (an SDK
        # that fetches the payload from CLERK_API_URL; see fapi.handshake)
        self.handshake_nonce_always = False
        # per run: a session touch answers with tokens minted this many seconds ago, as a lagging copy of the
        # session would (the Session Minter's stale tokens, clerk/javascript#9284; 0: fresh ones)
        self.touch_token_lag_s = 0.0
        self.origin: str | None = None  # set by the server once it listens; used as the `azp` claim
        self.faults = FaultBook()
        self.handshakes = HandshakeNonces()
        # Origins of apps under test (an SDK server on another port): handshakes may redirect back to
        # them, and tokens name the first as their authorized party (`azp`).
        self.app_origins: list[str] = []
        # Set by FakeClerkServer: abort the TCP connection of the client at (host, port).
        self.connection_dropper: Callable[[tuple[str, int] | None], bool] | None = None
        # Set by FakeClerkServer: start its HTTPS front (the production topology), send the app's host to an
        # app's port (None: the built-in page) and return the front's port.
        self.front_starter: Callable[[int | None, str], int] | None = None

    def serve_at_key_host(self, port: int) -> None:
        """The HTTPS front listens on `port`: the publishable key (and so every SDK and clerk-js) names the
        Frontend API there, `https://clerk.harness.test:PORT`, and tokens name it as their issuer."""
        from clerk_harness_fake.settings import FAPI_HOST

        self.settings.frontend_api_host = f"{FAPI_HOST}:{port}"
        self.tokens.issuer = self.settings.issuer

    def app_host_origin(self, app_port: int | None = None, app_host: str = "127.0.0.1") -> str:
        """`https://app.harness.test:PORT`: the production topology's app host, beside the Frontend API's,
        passed on to a user's app on `app_port` or to the built-in page (None). One fake serves the runs of
        several apps in turn (a pytest worker's), so each run says where its app is. The HTTPS front is
        started if it is not yet (see https/front.py)."""
        from clerk_harness_fake.settings import APP_HOST

        if self.front_starter is None:
            raise RuntimeError("the production topology needs a fake served by FakeClerkServer on loopback")
        return f"https://{APP_HOST}:{self.front_starter(app_port, app_host)}"

    @property
    def key_host_origin(self) -> str | None:
        """`https://clerk.harness.test:PORT` when the HTTPS front serves the Frontend API, else None."""
        from clerk_harness_fake.settings import FAPI_HOST

        host = self.settings.frontend_api_host
        return f"https://{host}" if host.startswith(FAPI_HOST + ":") else None

    def drop_connection(self, client: tuple[str, int] | None) -> bool:
        return bool(self.connection_dropper and self.connection_dropper(client))

    def wait_for_requests(
        self, method: str | None = None, path: str = "/**", *, count: int = 1, since: int = 0, timeout: float = 10.0
    ) -> list[JournalEntry]:
        """Block until `count` journaled requests match (`path` as in fault rules: `*` = one segment)."""
        return self.journal.wait_for(self.request_matcher(method, path), count=count, since=since, timeout=timeout)

    def never_setting_session_cookies(self) -> tuple[str, ...]:
        """URL prefixes whose answers never carry a `__session` Set-Cookie: the Frontend API's session and
        environment calls set `__client` cookies only (the handshake's redirect is a document, and an app
        applies its directives), and bundle files set none."""
        from clerk_harness_fake.settings import FAPI_PREFIX

        assert self.origin, "the fake backend must be listening"
        fapi = self.origin + FAPI_PREFIX
        quiet = (f"{fapi}/v1/client/sessions/", f"{fapi}/v1/environment", f"{self.origin}/clerk-js/", f"{fapi}/npm/")
        if self.key_host_origin:  # the same routes at the key's own host (the production topology)
            key = self.key_host_origin
            quiet += (f"{key}/v1/client/sessions/", f"{key}/v1/environment", f"{key}/npm/")
        return quiet

    def _sdk_keys(self, api_origin: str) -> dict[str, str]:
        """What every SDK reads: the publishable key, a secret key (any value does), the JWT key (networkless
        verification) and the Backend API; telemetry off. Next.js also takes the key by its public name, and
        is told not to prefetch @clerk/ui: the fake serves clerk-js only (the harness signs in through
        clerk-js itself), and @clerk/nextjs 7 does not finish loading while that bundle is missing."""
        from clerk_harness_fake.settings import BAPI_PREFIX

        key = self.settings.publishable_key
        return {
            "CLERK_PUBLISHABLE_KEY": key,
            "NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY": key,
            "CLERK_SECRET_KEY": FAKE_SECRET_KEY,
            "CLERK_JWT_KEY": self.tokens.public_key_pem().strip(),
            "CLERK_API_URL": api_origin + BAPI_PREFIX,
            "CLERK_TELEMETRY_DISABLED": "1",
            "NEXT_PUBLIC_CLERK_TELEMETRY_DISABLED": "1",
            "NEXT_PUBLIC_CLERK_PREFETCH_UI": "false",
        }

    def production_sdk_env(self) -> dict[str, str]:
        """The production topology's environment: only the keys, the publishable one naming the Frontend API
        at its own host (`clerk.harness.test:PORT`, served by the HTTPS front)."""
        assert self.origin and self.key_host_origin, "the fake and its HTTPS front must be listening"
        return self._sdk_keys(self.origin)

    def sdk_env(self, host: str | None = None) -> dict[str, str]:
        """The proxy topology's environment: the keys plus the proxy URL (Express and Next.js names).

        `host` names the fake as the app's page is named (`localhost` or `127.0.0.1`): cookies go by host,
        so the browser must reach the app and the fake under the same one. @clerk/nextjs would load clerk-js
        over https from the proxy's host: it is pointed at the fake over http."""
        from clerk_harness_fake.settings import FAPI_PREFIX

        assert self.origin, "the fake backend must be listening"
        origin = self.origin if host is None else self.origin.replace("//127.0.0.1:", f"//{host}:", 1)
        proxy = origin + FAPI_PREFIX
        return {
            **self._sdk_keys(origin),
            "CLERK_PROXY_URL": proxy,
            "NEXT_PUBLIC_CLERK_PROXY_URL": proxy,
            "NEXT_PUBLIC_CLERK_JS_URL": proxy + "/npm/@clerk/clerk-js@6/dist/clerk.browser.js",
        }

    def request_matcher(self, method: str | None, path: str) -> Callable[[JournalEntry], bool]:
        """Journal entries of `method` (None: any) whose path matches `path` as in fault rules."""
        regex = compile_pattern(path)
        return lambda e: (method is None or e.method == method.upper()) and bool(regex.match(e.path))

    def create_user(
        self,
        email: str | None = None,
        password: str = DEFAULT_PASSWORD,
        first_name: str = "Ada",
        last_name: str = "Lovelace",
    ) -> TestUser:
        """A user who can sign in with a password; without an email, a fresh unique one."""
        email = email or f"ada+{secrets.token_hex(4)}@example.test"
        user = self.state.add_user(email, password, first_name, last_name, self.clock.now_ms())
        return TestUser(user.id, user.email, password)

    def mint_for(self, session: Session, *, oiat: int | None = None, issued_at: float | None = None) -> str:
        azp = self.app_origins[0] if self.app_origins else self.origin
        return self.tokens.mint(
            session_id=session.id, user_id=session.user_id, authorized_party=azp, oiat=oiat, issued_at=issued_at
        )

    def verify(self, token: str | None) -> TokenCheck:
        return self.tokens.verify(token)

    def revoke_session(self, session_id: str) -> Session:
        with self.state.lock:
            session = self.state.sessions[session_id]
            self.state.set_session_status(session, "revoked", self.clock.now_ms())
            return session

    def active_sessions(self) -> list[Session]:
        with self.state.lock:
            return [s for s in self.state.sessions.values() if s.status == "active"]

    def user(self, user_id: str) -> User:
        return self.state.users[user_id]

    def reset(self) -> None:
        """Forget users, clients, sessions and the journal; keep the signing key and settings."""
        self.faults.clear()
        self.handshakes.clear()
        self.tokens.ttl_seconds = self.settings.token_ttl_seconds
        self.session_minter = self.settings.session_minter
        self.partitioned_cookies = self.settings.partitioned_cookies
        self.app_pages_cacheable = False
        self.handshake_nonce_always = False
        self.touch_token_lag_s = 0.0
        self.state.reset()
        self.journal.clear()
        self.clock.reset()
