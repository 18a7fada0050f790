"""The WebKit browser's network namespace and its forwarder (see program.py, which runs it): standard library
only, under the system's Python.

The program enters a network namespace of its own (as root, or as the root of a user namespace) before
WebKit starts, so WebKit reaches nothing but this namespace's loopback. There the forwarder carries the
ports the harness names to the same ports on the machine's loopback, through a child forked before
entering (a socket crosses namespaces as a file descriptor). Offline deletes the namespace's default route
(on `lo`): WebKit's network monitor then says offline, while the forwarder refuses new connections and
closes the idle ones at once; no request crosses while offline. A request already under way still gets its
answer, or fails when the server drops it (a story's held request fails then, as in Chromium)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import socket
import subprocess
import threading

CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWUSER = 0x00020000, 0x40000000, 0x10000000
MS_BIND, MS_REC, MS_PRIVATE = 0x1000, 0x4000, 0x40000
TLS_HANDSHAKE = b"\x16"  # the first byte of a TLS connection: a handshake record (its ClientHello)


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


def enter_namespace(hosts_file: str, hosts: list[str]) -> None:
    """A network namespace (and a mount namespace, where this process's `/etc/hosts` maps `hosts` to
    loopback, as Chromium's resolver rules do: the production topology's made-up hosts)."""
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNET | CLONE_NEWNS if uid == 0 else CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWUSER
    if libc.unshare(flags) != 0:
        raise OSError(ctypes.get_errno(), "cannot enter a network namespace (unshare)")
    if flags & CLONE_NEWUSER:
        for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
            with open(f"/proc/self/{name}", "w") as file:
                file.write(text)
    ip("link", "set", "lo", "up")
    ip("route", "add", "default", "dev", "lo")
    # glibc's getaddrinfo (AI_ADDRCONFIG, as GLib's resolver asks) counts no IPv4 address but 127.0.0.1 as
    # configured, and then resolves no name at all: a second loopback address makes IPv4 count.
    ip("address", "add", "127.0.0.2/8", "dev", "lo")
    map_hosts(libc, hosts_file, hosts)
    keep_the_display_private(libc)


# What an X server writes by its display number, machine-wide: its socket's folder, and (Debian's Xvfb)
# the keyboard map it compiles. Each browser's Xvfb is alone in its network namespace, so it takes
# display 0: two browsers started at once wrote the same `server-0.xkm` (one then exits, "Failed to
# compile keymap"), and each replaced the machine's own `/tmp/.X11-unix/X0`.
X11_SOCKETS, XKB_MAPS = "/tmp/.X11-unix", "/var/lib/xkb"


def keep_the_display_private(libc: ctypes.CDLL) -> None:
    """This mount namespace's display folders are empty folders of its own, gone with it."""
    if not os.path.isdir(X11_SOCKETS):  # made as an X server makes it (or by a browser started at the same time)
        with contextlib.suppress(FileExistsError):
            os.mkdir(X11_SOCKETS)
            os.chmod(X11_SOCKETS, 0o1777)
    for folder in (X11_SOCKETS, XKB_MAPS):
        if os.path.isdir(folder) and libc.mount(b"tmpfs", folder.encode(), b"tmpfs", 0, b"mode=1777") != 0:
            raise OSError(ctypes.get_errno(), f"cannot give the browser a {folder} of its own")


def map_hosts(libc: ctypes.CDLL, hosts_file: str, hosts: list[str]) -> None:
    """This mount namespace's `/etc/hosts`: loopback's names and `hosts` on 127.0.0.1 (nothing else resolves
    here: the namespace reaches nothing but the forwarder)."""
    with open(hosts_file, "w") as file:
        file.write("127.0.0.1 localhost\n::1 localhost\n" + "".join(f"127.0.0.1 {host}\n" for host in hosts))
    if libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:  # nothing propagates to the machine's
        raise OSError(ctypes.get_errno(), "cannot make the mount namespace private")
    if libc.mount(hosts_file.encode(), b"/etc/hosts", None, MS_BIND, None) != 0:
        raise OSError(ctypes.get_errno(), "cannot bind the browser's own /etc/hosts")


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


def corrupt_head(data: bytes) -> bool:
    """A response head with two Content-Length values that disagree: how the fake drops a connection (its
    `drop` fault; Chromium and Firefox refuse it at once, and so does WebKit online). Let through to a page
    that had gone offline, the page never heard its request fail (offline-online-race, 3 runs in 3): the
    forwarder cuts such a connection, as a dropped one is cut."""
    if not data.startswith(b"HTTP/"):
        return False
    head = data.split(b"\r\n\r\n", 1)[0]
    return len(set(re.findall(rb"(?im)^content-length:\s*(\d+)", head))) > 1


class Forwarder:
    def __init__(self, connector: socket.socket) -> None:
        self.connector = connector
        self.lock = threading.Lock()
        self.offline = False
        self.open: set[tuple[socket.socket, socket.socket]] = set()
        self.awaiting: set[tuple[socket.socket, socket.socket]] = set()  # a request sent, its answer not yet
        self.ports: set[int] = set()
        self.blocked: bytes | None = None  # a path prefix whose requests fail (the connection is cut)
        self.blocked_host: bytes | None = None  # a host whose TLS connections fail (named in their hello)
        self.tls_hosts: dict[tuple[socket.socket, socket.socket], bytes] = {}  # a TLS connection's hello

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
            try:
                client, _ = listener.accept()
            except OSError:  # the listener closed: the browser is going away
                return
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
                if self.offline and (requests or pair not in self.awaiting):
                    break  # no request crosses while offline: it fails as on a cut connection
                if requests and pair not in self.tls_hosts and data[:1] == TLS_HANDSHAKE:
                    self.tls_hosts[pair] = data[:4096]  # its ClientHello, which names the host (SNI) in clear
                if requests and (self._is_blocked(data) or self._host_blocked(pair)):
                    break  # the request fails as a cut connection does, before the server sees it
                if not requests and corrupt_head(data):
                    break  # the fake's dropped connection: cut, as a dropped connection is
                if not self.offline:  # (offline, an answer under way keeps coming, to its end)
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
        self.tls_hosts.pop(pair, None)

    def _is_blocked(self, data: bytes) -> bool:
        """WebKit writes a request's head in one piece, at the start of a read: `METHOD /path HTTP/1.1`."""
        if self.blocked is None:
            return False
        parts = data.split(b" ", 2)
        return len(parts) == 3 and parts[1].startswith(self.blocked) and parts[0].isupper()

    def _host_blocked(self, pair: tuple[socket.socket, socket.socket]) -> bool:
        return self.blocked_host is not None and self.blocked_host in self.tls_hosts.get(pair, b"")

    def block(self, prefix: str | None, host: str | None = None) -> None:
        """Requests for paths under `prefix` (plain HTTP), and every TLS connection to `host`, fail from now on
        (None: none do), while the network stays up. A TLS connection to `host` already open is cut at once:
        its requests cannot be read."""
        self.blocked = prefix.encode() if prefix else None
        self.blocked_host = host.encode() if host else None
        for pair in [pair for pair in list(self.open) if self._host_blocked(pair)]:
            self._cut(pair)

    def set_offline(self, offline: bool) -> None:
        """The namespace's route goes (WebKit's network monitor says offline) and so does the way out."""
        if offline == self.offline:
            return
        self.cut_off(offline)
        ip("route", "del", "default") if offline else ip("route", "add", "default", "dev", "lo")

    def cut_off(self, offline: bool) -> None:
        """Offline: new connections are refused and idle ones closed; a request under way still gets its
        answer (an app's router may fall back to a page load when one fails), or fails when the server
        drops it; a request sent on its connection afterwards fails."""
        self.offline = offline
        if offline:
            for pair in list(self.open - self.awaiting):
                self._cut(pair)
