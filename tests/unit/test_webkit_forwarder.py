"""WebKit's way out, without a namespace: the forwarder between WebKit and the run's ports. Offline, an idle
connection is closed and a new one refused at once, and no request crosses; a request already under way
still gets its answer, or fails when the server drops it (a story's held request), never sooner."""

from __future__ import annotations

import queue
import socket
import threading
from collections.abc import Iterator

import pytest

from clerk_harness.browser.webkit.network_namespace import Forwarder

REQUEST = b"GET /v1/client HTTP/1.1\r\nHost: x\r\n\r\n"
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


class Upstream:
    """The run's server on loopback: it answers each request when told to, or drops the connection."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: queue.Queue[socket.socket] = queue.Queue()

    def connect(self) -> socket.socket:
        forwarder_end = socket.create_connection(("127.0.0.1", self.port))
        self.accepted.put(self.listener.accept()[0])
        return forwarder_end

    def next_connection(self) -> socket.socket:
        """The server's end of the forwarder's next connection (made when the browser connects)."""
        return self.accepted.get(timeout=5)


@pytest.fixture
def forwarded() -> Iterator[tuple[Forwarder, Upstream, int]]:
    """A forwarder whose connector is the test's upstream (no namespace here), listening on a free port."""
    upstream = Upstream()
    forwarder = Forwarder(connector=None)  # type: ignore[arg-type]  # _upstream is the test's
    forwarder._upstream = lambda port: None if forwarder.offline else upstream.connect()  # type: ignore[method-assign]
    listener = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=forwarder._accept, args=(listener, upstream.port), daemon=True).start()
    yield forwarder, upstream, listener.getsockname()[1]
    listener.close()
    upstream.listener.close()


def browser_connects(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def request_under_way(upstream: Upstream, port: int) -> tuple[socket.socket, socket.socket]:
    """The browser's end and the server's of a request sent and not answered yet."""
    client = browser_connects(port)
    client.sendall(REQUEST)
    server = upstream.next_connection()
    assert server.recv(1024) == REQUEST
    return client, server


def received(client: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size and (chunk := client.recv(1024)):
        data += chunk
    return data


def closed(client: socket.socket) -> bool:
    try:
        return client.recv(1024) == b""
    except OSError:
        return True


def test_an_answer_crosses_while_online(forwarded):
    _, upstream, port = forwarded
    client, server = request_under_way(upstream, port)
    server.sendall(ANSWER)
    assert received(client, len(ANSWER)) == ANSWER


def test_offline_closes_an_idle_connection_and_refuses_new_ones(forwarded):
    forwarder, upstream, port = forwarded
    client, server = request_under_way(upstream, port)
    server.sendall(ANSWER)
    assert received(client, len(ANSWER)) == ANSWER  # answered: the kept-alive connection is idle now
    forwarder.cut_off(True)
    assert closed(client)
    assert closed(browser_connects(port))


def test_a_request_under_way_fails_when_the_server_drops_it_not_when_the_network_goes(forwarded):
    forwarder, upstream, port = forwarded
    client, server = request_under_way(upstream, port)  # held at the server
    forwarder.cut_off(True)
    client.settimeout(0.2)
    with pytest.raises(TimeoutError):  # still under way: offline alone did not fail it
        client.recv(1024)
    client.settimeout(5)
    server.close()  # the story drops the held request
    assert closed(client)


def test_the_answer_to_a_request_under_way_still_comes_and_the_next_request_fails(forwarded):
    forwarder, upstream, port = forwarded
    client, server = request_under_way(upstream, port)
    forwarder.cut_off(True)
    server.sendall(ANSWER[:20])
    server.sendall(ANSWER[20:])
    assert received(client, len(ANSWER)) == ANSWER
    client.sendall(REQUEST)  # the same connection, offline
    assert closed(client)


def hello(host: bytes) -> bytes:
    """The start of a TLS ClientHello naming `host` (the server name travels in clear)."""
    return b"\x16\x03\x01\x00\x80\x01\x00\x00\x7c\x03\x03" + b"\x00" * 40 + b"\x00\x00" + host


def test_the_frontend_apis_own_host_goes_down_over_tls_and_the_apps_stays_up(forwarded):
    forwarder, upstream, port = forwarded
    api, app = browser_connects(port), browser_connects(port)
    api.sendall(hello(b"clerk.harness.test"))
    app.sendall(hello(b"app.harness.test"))
    for connection in (upstream.next_connection(), upstream.next_connection()):
        connection.recv(1024)
    forwarder.block("/__clerk/", host="clerk.harness.test")
    assert closed(api)  # open before the outage: cut at once (its requests cannot be read)
    later = browser_connects(port)
    later.sendall(hello(b"clerk.harness.test"))
    assert closed(later)
    app.sendall(b"\x17\x03\x03\x00\x05hello")  # the app's connection still carries its records
    assert not closed_within(app, 0.2)


def test_the_proxy_topologys_frontend_api_goes_down_by_its_path(forwarded):
    forwarder, upstream, port = forwarded
    forwarder.block("/__clerk/", host="clerk.harness.test")
    client = browser_connects(port)
    client.sendall(b"POST /__clerk/v1/client/sessions/x/tokens HTTP/1.1\r\nHost: x\r\n\r\n")
    assert closed(client)
    assert upstream.next_connection().recv(1024) == b""  # the server never saw the request
    page = browser_connects(port)
    page.sendall(REQUEST.replace(b"/v1/client", b"/"))
    assert upstream.next_connection().recv(1024).startswith(b"GET / ")


def closed_within(client: socket.socket, seconds: float) -> bool:
    client.settimeout(seconds)
    try:
        return client.recv(1024) == b""
    except TimeoutError:
        return False
    finally:
        client.settimeout(5)


def test_the_fakes_dropped_connection_reaches_webkit_as_a_cut_one(forwarded):
    """The fake drops a connection with a head the browsers refuse (two Content-Length values); offline, a page
    that got it never heard its request fail, so the forwarder cuts the connection instead, online or off."""
    from clerk_harness_fake.server import CORRUPT_HEAD

    _, upstream, port = forwarded
    client, server = request_under_way(upstream, port)
    server.sendall(CORRUPT_HEAD)
    assert closed(client)
