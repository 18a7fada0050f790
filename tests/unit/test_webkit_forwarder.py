"""WebKit's way out, without a namespace: the forwarder between WebKit and the run's ports. Offline, an idle
connection is closed and a new one refused at once; a request already under way fails when its answer would
have come, or when the server drops it (a story's held request), never sooner and never answered."""

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


def closed(client: socket.socket) -> bool:
    try:
        return client.recv(1024) == b""
    except OSError:
        return True


def test_an_answer_crosses_while_online(forwarded):
    _, upstream, port = forwarded
    client = browser_connects(port)
    client.sendall(REQUEST)
    server = upstream.next_connection()
    assert server.recv(1024) == REQUEST
    server.sendall(ANSWER)
    assert client.recv(1024) == ANSWER


def test_offline_closes_an_idle_connection_and_refuses_new_ones(forwarded):
    forwarder, upstream, port = forwarded
    client = browser_connects(port)
    client.sendall(REQUEST)
    server = upstream.next_connection()
    server.recv(1024)
    server.sendall(ANSWER)
    assert client.recv(1024) == ANSWER  # answered: the kept-alive connection is idle now
    forwarder.cut_off(True)
    assert closed(client)
    assert closed(browser_connects(port))


def test_a_request_under_way_fails_when_the_server_drops_it_not_when_the_network_goes(forwarded):
    forwarder, upstream, port = forwarded
    client = browser_connects(port)
    client.sendall(REQUEST)
    server = upstream.next_connection()
    assert server.recv(1024) == REQUEST  # held at the server
    forwarder.cut_off(True)
    client.settimeout(0.2)
    with pytest.raises(TimeoutError):  # still under way: offline alone did not fail it
        client.recv(1024)
    client.settimeout(5)
    server.close()  # the story drops the held request
    assert closed(client)


def test_an_answer_that_comes_while_offline_never_arrives(forwarded):
    forwarder, upstream, port = forwarded
    client = browser_connects(port)
    client.sendall(REQUEST)
    server = upstream.next_connection()
    server.recv(1024)
    forwarder.cut_off(True)
    server.sendall(ANSWER)
    assert closed(client)
