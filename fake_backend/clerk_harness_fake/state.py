"""In-memory state of the fake instance: users, clients and sessions."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import Literal


def new_id(prefix: str) -> str:
    """A Clerk-style resource id (`user_...`, `sess_...`)."""
    return f"{prefix}_{secrets.token_urlsafe(18).replace('-', 'x').replace('_', 'y')}"


SessionStatus = Literal["active", "ended", "removed", "revoked", "expired"]


@dataclass
class User:
    id: str
    email: str
    password: str
    first_name: str
    last_name: str
    created_at_ms: int
    email_id: str = field(default_factory=lambda: new_id("idn"))


@dataclass
class Session:
    id: str
    client_id: str
    user_id: str
    status: SessionStatus
    created_at_ms: int
    last_active_at_ms: int
    expire_at_ms: int


@dataclass
class Client:
    id: str
    created_at_ms: int
    updated_at_ms: int
    session_ids: list[str] = field(default_factory=list)
    last_active_session_id: str | None = None


class State:
    """Thread-safe store. Every method takes the lock; callers never see half-updated state."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.users: dict[str, User] = {}
        self.clients: dict[str, Client] = {}
        self.sessions: dict[str, Session] = {}

    def reset(self) -> None:
        with self.lock:
            self.users.clear()
            self.clients.clear()
            self.sessions.clear()

    def add_user(self, email: str, password: str, first_name: str, last_name: str, now_ms: int) -> User:
        with self.lock:
            if self.user_by_email(email) is not None:
                raise ValueError(f"a user with email {email!r} exists")
            user = User(new_id("user"), email, password, first_name, last_name, now_ms)
            self.users[user.id] = user
            return user

    def user_by_email(self, email: str) -> User | None:
        with self.lock:
            wanted = email.strip().lower()
            return next((u for u in self.users.values() if u.email.lower() == wanted), None)

    def new_client(self, now_ms: int) -> Client:
        with self.lock:
            client = Client(new_id("client"), now_ms, now_ms)
            self.clients[client.id] = client
            return client

    def start_session(self, client: Client, user: User, now_ms: int, lifetime_s: int) -> Session:
        with self.lock:
            session = Session(
                id=new_id("sess"),
                client_id=client.id,
                user_id=user.id,
                status="active",
                created_at_ms=now_ms,
                last_active_at_ms=now_ms,
                expire_at_ms=now_ms + lifetime_s * 1000,
            )
            self.sessions[session.id] = session
            # Single-session mode: a new sign-in replaces the client's sessions.
            for old_id in client.session_ids:
                old = self.sessions.get(old_id)
                if old is not None and old.status == "active":
                    old.status = "ended"
            client.session_ids = [session.id]
            client.last_active_session_id = session.id
            client.updated_at_ms = now_ms
            return session

    def client_sessions(self, client: Client) -> list[Session]:
        with self.lock:
            return [self.sessions[s] for s in client.session_ids if s in self.sessions]

    def set_session_status(self, session: Session, status: SessionStatus, now_ms: int) -> None:
        with self.lock:
            session.status = status
            client = self.clients.get(session.client_id)
            if client is None:
                return
            if status != "active":
                client.session_ids = [s for s in client.session_ids if s != session.id]
                if client.last_active_session_id == session.id:
                    client.last_active_session_id = None
            client.updated_at_ms = now_ms
