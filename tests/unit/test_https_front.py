"""The production topology's HTTPS front, spoken to with Python's own TLS client: the certificate holds
for both made-up hosts (and only those), the Frontend API's host reaches the fake below /__clerk, plain HTTP
gets the way to HTTPS, and an unknown host or a malformed request is refused, never a 500."""

from __future__ import annotations

import base64
import hashlib
import socket
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from clerk_harness_fake import FakeClerkServer
from clerk_harness_fake.https.certificate import process_certificate


@pytest.fixture(scope="module")
def front():
    with FakeClerkServer(https_front=True) as server:
        yield server


def exchange(port: int, raw: bytes, *, host: str | None = None) -> bytes:
    """Send `raw` over TLS to `host` (SNI and certificate checked against the front's certificate), or in
    plain text when `host` is None; return everything the front answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as plain:
        if host is None:
            connection = plain
        else:
            context = ssl.create_default_context(cadata=process_certificate().cert_pem.decode())
            connection = context.wrap_socket(plain, server_hostname=host)
        connection.sendall(raw)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
        return answer


def test_the_key_names_the_front_and_its_host_reaches_the_frontend_api(front):
    port = front.front.port
    assert front.clerk.settings.frontend_api_host == f"clerk.harness.test:{port}"
    answer = exchange(
        port,
        f"GET /v1/environment HTTP/1.1\r\nHost: clerk.harness.test:{port}\r\n\r\n".encode(),
        host="clerk.harness.test",
    )
    assert answer.startswith(b"HTTP/1.1 200") and b'"auth_config"' in answer
    assert front.clerk.journal.entries(0)[-1].path == "/__clerk/v1/environment"


def test_the_certificate_holds_for_both_hosts_and_no_other(front):
    port = front.front.port
    assert exchange(
        port, f"GET / HTTP/1.1\r\nHost: app.harness.test:{port}\r\n\r\n".encode(), host="app.harness.test"
    ).startswith(b"HTTP/1.1 200")
    with pytest.raises(ssl.SSLCertVerificationError):
        exchange(port, b"GET / HTTP/1.1\r\nHost: clerk.example.com\r\n\r\n", host="clerk.example.com")


def test_the_browser_trusts_the_key_by_its_hash():
    certificate = x509.load_pem_x509_certificate(process_certificate().cert_pem)
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert process_certificate().spki_sha256 == base64.b64encode(hashlib.sha256(spki).digest()).decode()


def test_plain_http_is_sent_to_https(front):
    port = front.front.port
    answer = exchange(port, f"GET /x?y=1 HTTP/1.1\r\nHost: app.harness.test:{port}\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 308") and f"Location: https://app.harness.test:{port}/x?y=1".encode() in answer


@pytest.mark.parametrize(
    "raw",
    [
        b"GET / HTTP/1.1\r\nHost: evil.test\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",
        b"NONSENSE\r\nHost: clerk.harness.test\r\n\r\n",
    ],
)
def test_an_unknown_host_or_a_malformed_request_is_refused(front, raw):
    answer = exchange(front.front.port, raw, host="clerk.harness.test")
    assert answer.startswith(b"HTTP/1.1 421")
    again = f"GET /v1/environment HTTP/1.1\r\nHost: clerk.harness.test:{front.front.port}\r\n\r\n".encode()
    assert exchange(front.front.port, again, host="clerk.harness.test").startswith(b"HTTP/1.1 200")


def test_a_client_that_leaves_at_once_costs_nothing(front):
    for _ in range(3):
        socket.create_connection(("127.0.0.1", front.front.port), timeout=5).close()
    raw = f"GET /v1/environment HTTP/1.1\r\nHost: clerk.harness.test:{front.front.port}\r\n\r\n".encode()
    assert exchange(front.front.port, raw, host="clerk.harness.test").startswith(b"HTTP/1.1 200")


def test_an_apps_redirect_to_its_own_host_over_http_is_upgraded(front):
    """An app behind the front builds `http://` URLs on its own host (it is told no X-Forwarded-Proto); a
    production proxy hands the browser `https://` ones, or a fetch that follows the redirect is blocked."""
    import http.server
    import threading

    port = front.front.port

    class Redirects(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            target = {
                "/own": f"http://app.harness.test:{port}/sign-in?r=http%3A%2F%2Fx",
                "/other": "http://elsewhere.test/sign-in",
                "/relative": "/sign-in",
            }[self.path]
            self.send_response(307)
            self.send_header("Location", target)
            self.send_header("Content-Length", "4")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"body")

        def log_message(self, *args) -> None:
            pass

    app = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirects)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    front.front.route_app(app.server_address[1])
    try:

        def location(path: str) -> bytes:
            answer = exchange(
                port, f"GET {path} HTTP/1.1\r\nHost: app.harness.test:{port}\r\n\r\n".encode(), host="app.harness.test"
            )
            assert answer.startswith(b"HTTP/1.1 307") and answer.endswith(b"\r\n\r\nbody"), answer
            return next(line for line in answer.split(b"\r\n") if line.lower().startswith(b"location:"))

        assert location("/own") == f"Location: https://app.harness.test:{port}/sign-in?r=http%3A%2F%2Fx".encode()
        assert location("/other") == b"Location: http://elsewhere.test/sign-in"
        assert location("/relative") == b"Location: /sign-in"
    finally:
        front.front.route_app(None)
        app.shutdown()
