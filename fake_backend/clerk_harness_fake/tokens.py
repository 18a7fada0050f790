"""Session tokens: RS256 JWTs signed with a key pair made at start-up, and their verification.

Verification follows what Clerk's backend SDKs do without a network call: check the signature
against the JWKS, then the time claims. An expired but otherwise valid token is its own state
("needs_refresh"), neither signed in nor signed out.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any, Literal

import jwt
from jwt.algorithms import RSAAlgorithm

from clerk_harness_fake import signing_keys
from clerk_harness_fake.clock import ServerClock

AuthState = Literal["signed_in", "signed_out", "needs_refresh"]
CLOCK_SKEW_S = 5  # the backend SDKs' default leeway


@dataclass(frozen=True)
class TokenCheck:
    state: AuthState
    reason: str
    claims: dict[str, Any] = field(default_factory=dict)

    @property
    def user_id(self) -> str | None:
        return self.claims.get("sub")

    @property
    def session_id(self) -> str | None:
        return self.claims.get("sid")


class TokenIssuer:
    def __init__(self, issuer: str, ttl_seconds: int, clock: ServerClock) -> None:
        self.issuer = issuer
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self.kid = f"ins_{secrets.token_hex(12)}"
        self._private_key = signing_keys.take()
        public_jwk = json.loads(RSAAlgorithm.to_jwk(self._private_key.public_key()))
        public_jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        self._jwks = {"keys": [public_jwk]}
        self._key_set = jwt.PyJWKSet.from_dict(self._jwks)

    def jwks(self) -> dict[str, Any]:
        return json.loads(json.dumps(self._jwks))

    def public_key_pem(self) -> str:
        """The SPKI PEM that SDK servers take as `CLERK_JWT_KEY` (networkless verification)."""
        from cryptography.hazmat.primitives import serialization

        return (
            self._private_key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    def mint(
        self,
        *,
        session_id: str,
        user_id: str,
        authorized_party: str | None,
        oiat: int | None = None,
        issued_at: float | None = None,
    ) -> str:
        """A session token; `oiat` (the Session Minter's header) says when its claims were read at the origin.
        `issued_at` (default: now) backdates it, as a token a browser kept from earlier."""
        now = int(self.clock.now() if issued_at is None else issued_at)
        claims: dict[str, Any] = {
            "exp": now + self.ttl_seconds,
            "fva": [0, -1],
            "iat": now,
            "iss": self.issuer,
            "jti": secrets.token_hex(10),
            "nbf": now - 10,
            "sid": session_id,
            "sts": "active",
            "sub": user_id,
            "v": 2,
        }
        if authorized_party:
            claims["azp"] = authorized_party
        headers: dict[str, Any] = {"kid": self.kid}
        if oiat is not None:
            headers["oiat"] = oiat
        return jwt.encode(claims, self._private_key, algorithm="RS256", headers=headers)

    def sign_handshake(self, directives: list[str]) -> str:
        """The handshake's token format: the cookie directives in a JWT signed with the instance's key,
        which SDK servers verify with `CLERK_JWT_KEY` (no call to the Backend API)."""
        now = int(self.clock.now())
        return jwt.encode(
            {"handshake": directives, "iat": now, "exp": now + 60},
            self._private_key,
            algorithm="RS256",
            headers={"kid": self.kid, "typ": "JWT"},
        )

    def verify(self, token: str | None) -> TokenCheck:
        """Networkless verification, as an SSR app's middleware does it."""
        if not token:
            return TokenCheck("signed_out", "no session cookie")
        try:
            header = jwt.get_unverified_header(token)
            key = self._key_set[header.get("kid", "")]
            claims = jwt.decode(
                token,
                key=key.key,
                algorithms=["RS256"],
                issuer=self.issuer,
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )
        except KeyError:
            return TokenCheck("signed_out", "token signed with an unknown key")
        except jwt.PyJWTError as error:
            return TokenCheck("signed_out", f"invalid token: {error}")
        now = self.clock.now()
        if claims.get("exp", 0) + CLOCK_SKEW_S <= now:
            return TokenCheck("needs_refresh", "token expired", claims)
        if claims.get("nbf", 0) - CLOCK_SKEW_S > now:
            return TokenCheck("signed_out", "token not yet valid", claims)
        if claims.get("sts", "active") != "active":
            return TokenCheck("signed_out", f"session status {claims.get('sts')}", claims)
        return TokenCheck("signed_in", "valid token", claims)
