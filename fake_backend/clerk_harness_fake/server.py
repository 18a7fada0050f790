"""Run the fake backend in a background thread (tests, CLI) or in the foreground (`serve`)."""

from __future__ import annotations

import ipaddress
import logging
import secrets
import socket
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import uvicorn

from clerk_harness_fake.app import create_app
from clerk_harness_fake.backend import FakeClerk
from clerk_harness_fake.settings import BackendSettings

if TYPE_CHECKING:
    from clerk_harness_fake.https.front import HttpsFront


# What a dropped connection answers before it closes: a head every browser refuses (see _drop_connection).
CORRUPT_HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"


class _QuietDrops(logging.Filter):
    """A dropped connection (fault injection) ends its request without a response: not an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "returned without starting response" not in record.getMessage()


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


class RemoteBindRefused(ValueError):
    """A bind address beyond loopback was given without `allow_remote=True`."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def refuse_unless_allowed(host: str, allow_remote: bool) -> None:
    if not is_loopback(host) and not allow_remote:
        raise RemoteBindRefused(
            f"{host} is not a loopback address: anyone who reaches it could drive the "
            "control API; allow it explicitly (--allow-remote), which then requires a token"
        )


@dataclass(frozen=True)
class Binding:
    """Where a fake listens: loopback by default; beyond it only with `allow_remote`, and then its control
    API requires `control_token` (made once, so that every worker of a run shares the printed one)."""

    host: str = "127.0.0.1"
    allow_remote: bool = False
    control_token: str | None = None

    @classmethod
    def of(cls, host: str, allow_remote: bool) -> Binding:
        refuse_unless_allowed(host, allow_remote)
        return cls(host, allow_remote, None if is_loopback(host) else secrets.token_urlsafe(24))

    def server(self, settings: BackendSettings | None = None, port: int = 0) -> FakeClerkServer:
        return FakeClerkServer(
            settings, host=self.host, port=port, allow_remote=self.allow_remote, control_token=self.control_token
        )


class FakeClerkServer:
    """A listening fake backend. Port 0 picks a free port.

    It binds to loopback (IPv4 or IPv6) unless `allow_remote=True`; then every control API call must
    carry `control_token` (a fresh random one, printed by `serve`) or it gets a Clerk-shaped 401."""

    def __init__(
        self,
        settings: BackendSettings | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        allow_remote: bool = False,
        control_token: str | None = None,
        https_front: bool = False,
    ) -> None:
        refuse_unless_allowed(host, allow_remote)
        self.clerk = FakeClerk(settings)
        self.control_token = (control_token or secrets.token_urlsafe(24)) if not is_loopback(host) else None
        self.host = host.strip("[]")
        self.app = create_app(self.clerk, control_token=self.control_token, any_host=self.host in ("0.0.0.0", "::"))
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP explicitly: asyncio turns Nagle off (TCP_NODELAY) only on sockets whose proto says TCP;
        # with proto 0 every answer written in two parts waits for the client's delayed ACK (about 40 ms).
        self._socket = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((self.host, port))
        self.port = self._socket.getsockname()[1]
        self.clerk.origin = self.origin
        self.clerk.connection_dropper = self._drop_connection
        if is_loopback(self.host):
            self.clerk.front_starter = self._front_for
        # Browsers reach the fake directly (no proxy headers to trust); httptools parses when installed.
        config = uvicorn.Config(
            self.app, log_level="warning", access_log=False, lifespan="off", proxy_headers=False, server_header=False
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None
        # The production topology: the Frontend API at the key's own host over HTTPS, and the app's host
        # beside it (see https/front.py). Loopback only: it exists for a browser on this machine.
        self.front: HttpsFront | None = None
        self._wants_front = https_front

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> FakeClerkServer:
        started = threading.Event()

        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="fake-clerk", daemon=True
        )
        self._thread.start()
        # uvicorn sets `started` once it listens; wait on that flag through its own event loop hook.
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the fake backend failed to start")
            started.wait(0.01)  # sleep-ok: uvicorn exposes no started event, only a flag
        if self._wants_front:
            self.ensure_front()
        return self

    def _front_for(self, app_port: int | None, app_host: str = "127.0.0.1") -> int:
        front = self.ensure_front()
        front.route_app(app_port, app_host)
        return front.port

    def ensure_front(self) -> HttpsFront:
        """The HTTPS front of the production topology, started on first use (see https/front.py)."""
        if self.front is None:
            if not is_loopback(self.host):
                raise RemoteBindRefused(
                    "the HTTPS front serves a browser on this machine: not with a fake beyond "
                    "loopback (use the proxy topology there)"
                )
            from clerk_harness_fake.https.certificate import process_certificate
            from clerk_harness_fake.https.front import HttpsFront, Upstream

            self.front = HttpsFront(process_certificate(), Upstream(self.host, self.port)).start()
            self.clerk.serve_at_key_host(self.front.port)
        return self.front

    def _drop_connection(self, client: tuple[str, int] | None) -> bool:
        """Kill the connection a request came in on so that the browser sees a network error.

        A bare reset is not enough: Chromium and Firefox silently retry a request whose connection closed
        before any byte came back (Chromium up to 3 times, POSTs included). Bytes that are not HTTP are not
        enough either: Firefox takes them as an HTTP/0.9 answer (200, the bytes as its body). A head with
        two Content-Length values that disagree is refused by both (`net::ERR_RESPONSE_HEADERS_MULTIPLE_
        CONTENT_LENGTH`, `NS_ERROR_CORRUPTED_CONTENT`): the request fails at once, with no retry.
        """
        if client is None:
            return False
        for connection in list(self._server.server_state.connections):
            if tuple(getattr(connection, "client", None) or ()) == tuple(client):
                connection.transport.write(CORRUPT_HEAD)
                connection.transport.close()
                return True
        return False

    def serve_forever(self) -> None:
        self._server.run(sockets=[self._socket])

    def stop(self) -> None:
        if self.front is not None:
            self.front.stop()
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._socket.close()

    def __enter__(self) -> FakeClerkServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
