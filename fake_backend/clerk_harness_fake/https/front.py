"""The production topology's front door: HTTPS for the Frontend API's host and the app's host.

In production clerk-js and every SDK reach the Frontend API at the publishable key's own host over HTTPS
(`https://clerk.example.com`), a sibling of the app's (`https://example.com`). This front listens on one
loopback port with one certificate for both made-up hosts (`clerk.harness.test`, `app.harness.test`; the
browser maps them to loopback and trusts exactly that key), terminates TLS, and passes each request on by
its `Host`:

- the Frontend API's host goes to the fake, below its `/__clerk` prefix (`/v1/...`, `/npm/...`, the
  handshake): the fake's one set of routes serves both topologies;
- the app's host goes to the user's app (or the fake's built-in page), with its `Host` unchanged and
  `X-Forwarded-Host`, so that the SDK builds its URLs (the handshake's `redirect_url`) on the app's host.

A plain-HTTP request on the same port is sent to its `https://` URL (308), as production hosts do. Apps see
plain HTTP without `X-Forwarded-Proto` (with the header, Next.js 16's `next start` rewrote each request
through @clerk/nextjs's middleware to `https://localhost:PORT` and failed proxying that to itself), so they
build `http://` URLs on their own host: the front rewrites such a redirect's `Location` to `https://`, as a
production proxy does (nginx's `proxy_redirect default`). A page load would survive the `http://` hop
through the 308, but a `fetch` that follows it is blocked as mixed content, and a Next.js client-side
navigation then falls back to a new page load, which hides what the redirect meant. The fake itself is told
`https` (`X-Forwarded-Proto`): it marks `__client` Secure there, as Clerk does.

Each request gets a connection of its own upstream (`Connection: close`), so that only request heads are
rewritten and everything else (bodies, streamed or dropped answers) passes through byte for byte.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from clerk_harness_fake.settings import APP_HOST, FAPI_HOST, FAPI_PREFIX

if TYPE_CHECKING:  # the fake's routes read `front_host`; the certificate is made only when a front starts
    from clerk_harness_fake.https.certificate import HostCertificate

MAX_HEAD = 64 * 1024
TLS_HANDSHAKE = 0x16  # the first byte of a TLS ClientHello; an HTTP request starts with a method's letter
HOP_BY_HOP = (b"connection", b"keep-alive", b"proxy-connection", b"x-forwarded-proto", b"x-forwarded-host")


def front_host(headers: Mapping[str, str]) -> str | None:
    """The made-up host a request came to through the HTTPS front (`clerk.harness.test` or
    `app.harness.test`), told by the headers the front adds for the fake; None for a direct request."""
    name = headers.get("host", "").rsplit(":", 1)[0]
    return name if name in (FAPI_HOST, APP_HOST) and headers.get("x-forwarded-proto") == "https" else None


@dataclass(frozen=True)
class Upstream:
    host: str
    port: int
    prefix: str = ""  # put before every path (the fake's FAPI lives below /__clerk)
    forwarded_proto: bool = True  # send `X-Forwarded-Proto: https` (to the fake; not to a user's app)


@dataclass
class HttpsFront:
    """Listening on `port` (loopback) once started; `route_app` points the app's host at a user's app."""

    certificate: HostCertificate
    fake: Upstream
    host: str = "127.0.0.1"
    port: int = 0
    _app: Upstream | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _socket: socket.socket | None = field(default=None, repr=False)
    _tasks: set = field(default_factory=set, repr=False)  # the loop holds tasks weakly: keep them until done

    def __repr__(self) -> str:
        return f"<HttpsFront https://{FAPI_HOST}:{self.port} and https://{APP_HOST}:{self.port}>"

    def route_app(self, port: int | None, host: str = "127.0.0.1") -> None:
        """The app's host goes to a user's app on this loopback `host` and port; None: to the fake's built-in
        page. (`localhost` is looked up as the app looked it up when it bound it.)"""
        self._app = None if port is None else Upstream(host, port, forwarded_proto=False)

    def upstream_for(self, host: str) -> Upstream | None:
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if name == FAPI_HOST:
            return Upstream(self.fake.host, self.fake.port, FAPI_PREFIX)
        if name == APP_HOST:
            return self._app or self.fake
        return None

    def start(self) -> HttpsFront:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((self.host, self.port))
        self._socket.listen(128)
        self._socket.setblocking(False)
        self.port = self._socket.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        context = self.certificate.server_context()

        def serve() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._tasks.add(self._loop.create_task(self._accept(context)))
            ready.set()
            try:
                self._loop.run_forever()
            finally:
                pending = asyncio.all_tasks(self._loop)
                for task in pending:
                    task.cancel()
                self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                self._loop.close()

        self._thread = threading.Thread(target=serve, name="https-front", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        if self._socket is not None:
            self._socket.close()

    async def _accept(self, context) -> None:
        assert self._loop is not None and self._socket is not None
        while True:
            connection, _ = await self._loop.sock_accept(self._socket)
            task = self._loop.create_task(self._serve_connection(connection, context))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _serve_connection(self, connection: socket.socket, context) -> None:
        """TLS or plain HTTP, told by the first byte (peeked: TLS must still read its ClientHello)."""
        loop = self._loop
        assert loop is not None
        try:
            first = await asyncio.wait_for(_peek(loop, connection), timeout=30)
            tls = bool(first) and first[0] == TLS_HANDSHAKE
            reader = asyncio.StreamReader(limit=MAX_HEAD)
            protocol = asyncio.StreamReaderProtocol(reader)
            tls_options = {"ssl": context, "ssl_handshake_timeout": 10} if tls else {}
            transport, _ = await loop.connect_accepted_socket(lambda: protocol, sock=connection, **tls_options)
        except (OSError, asyncio.TimeoutError, ValueError):
            connection.close()
            return
        writer = asyncio.StreamWriter(transport, protocol, reader, loop)
        await self._handle(reader, writer, tls)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, tls: bool) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, OSError):
            writer.close()
            return
        request_line, *header_lines = head[:-4].split(b"\r\n")
        headers = [line.split(b":", 1) for line in header_lines if b":" in line]
        host = next((value.strip().decode("latin-1") for name, value in headers if name.strip().lower() == b"host"), "")
        upstream = self.upstream_for(host)
        if upstream is None or request_line.count(b" ") != 2:
            await _answer(writer, b"421 Misdirected Request", f"no host {host!r} here".encode())
            return
        method, target, version = request_line.split(b" ")
        if not tls:  # production hosts answer plain HTTP with the way to HTTPS
            location = f"https://{host}{target.decode('latin-1')}".encode("latin-1")
            await _answer(writer, b"308 Permanent Redirect", b"", extra=b"Location: " + location + b"\r\n")
            return
        if upstream.prefix and target.startswith(b"/"):
            target = upstream.prefix.encode() + target
        kept = [b"%s:%s" % (name, value) for name, value in headers if name.strip().lower() not in HOP_BY_HOP]
        added = [b"X-Forwarded-Host: " + host.encode("latin-1"), b"Connection: close"]
        if upstream.forwarded_proto:
            added.insert(0, b"X-Forwarded-Proto: https")
        rewritten = b"\r\n".join([b" ".join((method, target, version)), *kept, *added, b"", b""])
        try:
            up_reader, up_writer = await asyncio.open_connection(upstream.host, upstream.port)
        except OSError as error:
            await _answer(writer, b"502 Bad Gateway", f"nothing answers for {host}: {error}".encode())
            return
        up_writer.write(rewritten)
        answer = up_reader if upstream.forwarded_proto else UpgradedRedirects(up_reader, host)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(answer, writer))


class UpgradedRedirects:
    """The app's answer with its head's `Location: http://HOST/...` (the app's own host, as it builds it
    behind the front) made `https://HOST/...`; everything after the head passes through unchanged."""

    def __init__(self, reader: asyncio.StreamReader, host: str) -> None:
        self._reader, self._plain = reader, f"http://{host}".encode("latin-1")
        self._head_done = False

    async def read(self, size: int) -> bytes:
        if self._head_done:
            return await self._reader.read(size)
        self._head_done = True
        try:
            head = await self._reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as partial:
            return partial.partial
        except asyncio.LimitOverrunError:
            return await self._reader.read(size)
        lines = head.split(b"\r\n")
        for index, line in enumerate(lines):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"location" and value.strip().startswith(self._plain + b"/"):
                lines[index] = name + b": https" + value.strip()[len(b"http") :]
        return b"\r\n".join(lines)


async def _peek(loop: asyncio.AbstractEventLoop, connection: socket.socket) -> bytes:
    readable = loop.create_future()
    loop.add_reader(connection.fileno(), lambda: readable.done() or readable.set_result(None))
    try:
        await readable
    finally:
        loop.remove_reader(connection.fileno())
    return connection.recv(1, socket.MSG_PEEK)


async def _pipe(reader: asyncio.StreamReader | UpgradedRedirects, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError, asyncio.IncompleteReadError):
        pass
    finally:
        try:
            writer.close()
        except (ConnectionError, OSError, RuntimeError):
            pass


async def _answer(writer: asyncio.StreamWriter, status: bytes, body: bytes, extra: bytes = b"") -> None:
    writer.write(
        b"HTTP/1.1 "
        + status
        + b"\r\nContent-Type: text/plain\r\nConnection: close\r\n"
        + extra
        + b"Content-Length: %d\r\n\r\n" % len(body)
        + body
    )
    try:
        await writer.drain()
    finally:
        writer.close()
