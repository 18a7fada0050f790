"""The WebKit browser's network namespace and its forwarder (see program.py, which runs it): standard library
only, under the system's Python.

The program enters a network namespace of its own (as root, or as the root of a user namespace) before
WebKit starts, so WebKit reaches nothing but this namespace's loopback. There the forwarder carries the
ports the harness names to the same ports on the machine's loopback, through a child forked before
entering (a socket crosses namespaces as a file descriptor). Offline deletes the namespace's default route
(on `lo`): WebKit's network monitor then says offline, while the forwarder refuses new connections and
closes the idle ones at once. A request already under way fails when its answer comes, or when the server
drops it (a story's held request fails then, as in Chromium): no answer crosses while offline."""

from __future__ import annotations

import ctypes
import os
import socket
import subprocess
import threading

CLONE_NEWNET, CLONE_NEWUSER = 0x40000000, 0x10000000


def start_connector() -> socket.socket:
    """A child outside the namespace: connects to a loopback port on request and hands the socket in."""
    inside, outside = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    if os.fork() == 0:
        inside.close()
        while True:
            asked = outside.recv(16)
            if not asked:
                os._exit(0)
            try:
                upstream = socket.create_connection(("127.0.0.1", int(asked)), timeout=5)
                upstream.settimeout(None)  # the descriptor travels blocking, as the forwarder reads it
                socket.send_fds(outside, [b"1"], [upstream.fileno()])
                upstream.close()
            except OSError:
                outside.send(b"0")
    outside.close()
    return inside


def enter_namespace() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNET if uid == 0 else CLONE_NEWNET | CLONE_NEWUSER
    if libc.unshare(flags) != 0:
        raise OSError(ctypes.get_errno(), "cannot enter a network namespace (unshare)")
    if flags & CLONE_NEWUSER:
        for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
            with open(f"/proc/self/{name}", "w") as file:
                file.write(text)
    ip("link", "set", "lo", "up")
    ip("route", "add", "default", "dev", "lo")


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


class Forwarder:
    def __init__(self, connector: socket.socket) -> None:
        self.connector = connector
        self.lock = threading.Lock()
        self.offline = False
        self.open: set[tuple[socket.socket, socket.socket]] = set()
        self.awaiting: set[tuple[socket.socket, socket.socket]] = set()  # a request sent, its answer not yet
        self.ports: set[int] = set()
        self.blocked: bytes | None = None  # a path prefix whose requests fail (the connection is cut)

    def forward(self, port: int) -> None:
        if port in self.ports:
            return
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(128)
        self.ports.add(port)
        threading.Thread(target=self._accept, args=(listener, port), daemon=True).start()

    def _upstream(self, port: int) -> socket.socket | None:
        with self.lock:
            self.connector.send(str(port).encode())
            _, fds, _, _ = socket.recv_fds(self.connector, 16, 1)
        return socket.socket(fileno=fds[0]) if fds else None

    def _accept(self, listener: socket.socket, port: int) -> None:
        while True:
            client, _ = listener.accept()
            server = None if self.offline else self._upstream(port)
            if server is None:
                client.close()
                continue
            pair = (client, server)
            self.open.add(pair)
            for source, sink, requests in ((client, server, True), (server, client, False)):
                threading.Thread(target=self._pump, args=(source, sink, pair, requests), daemon=True).start()

    def _pump(
        self, source: socket.socket, sink: socket.socket, pair: tuple[socket.socket, socket.socket], requests: bool
    ) -> None:
        try:
            while data := source.recv(65536):
                if self.offline:
                    break  # nothing crosses while offline: the request, or the answer, fails as a cut one
                if requests and self.blocked is not None and self._is_blocked(data):
                    break  # the request fails as a cut connection does, before the server sees it
                (self.awaiting.add if requests else self.awaiting.discard)(pair)
                sink.sendall(data)
        except OSError:
            pass
        self._cut(pair)

    def _cut(self, pair: tuple[socket.socket, socket.socket]) -> None:
        for end in pair:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.open.discard(pair)
        self.awaiting.discard(pair)

    def _is_blocked(self, data: bytes) -> bool:
        """WebKit writes a request's head in one piece, at the start of a read: `METHOD /path HTTP/1.1`."""
        parts = data.split(b" ", 2)
        return len(parts) == 3 and parts[1].startswith(self.blocked or b"\0") and parts[0].isupper()

    def block(self, prefix: str | None) -> None:
        """Requests for paths under `prefix` fail from now on (None: none do), while the network stays up."""
        self.blocked = prefix.encode() if prefix else None

    def set_offline(self, offline: bool) -> None:
        """The namespace's route goes (WebKit's network monitor says offline) and so does the way out."""
        if offline == self.offline:
            return
        self.cut_off(offline)
        ip("route", "del", "default") if offline else ip("route", "add", "default", "dev", "lo")

    def cut_off(self, offline: bool) -> None:
        """Offline: new connections are refused and idle ones closed; a request under way stays open until
        its answer comes (which fails it) or the server drops it."""
        self.offline = offline
        if offline:
            for pair in list(self.open - self.awaiting):
                self._cut(pair)
