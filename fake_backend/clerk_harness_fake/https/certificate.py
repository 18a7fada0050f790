"""A TLS certificate for the harness's made-up hosts (`clerk.harness.test`, `app.harness.test`), made once
per process with `cryptography`.

No authority signs it: the browser trusts exactly this key, by the SHA-256 of its public key
(`--ignore-certificate-errors-spki-list`), and certificate checks stay on for everything else.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import os
import ssl
import tempfile
import threading
from dataclasses import dataclass
from functools import cached_property

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from clerk_harness_fake.settings import APP_HOST, FAPI_HOST


@dataclass(frozen=True)
class HostCertificate:
    cert_pem: bytes
    key_pem: bytes

    def __repr__(self) -> str:
        return f"<HostCertificate spki {self.spki_sha256[:12]}...>"

    @cached_property
    def spki_sha256(self) -> str:
        """base64(SHA-256(SubjectPublicKeyInfo)): what `--ignore-certificate-errors-spki-list` takes."""
        certificate = x509.load_pem_x509_certificate(self.cert_pem)
        spki = certificate.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(hashlib.sha256(spki).digest()).decode()

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        # `ssl` loads a chain from files only: write them to a private folder and remove it at once.
        with tempfile.TemporaryDirectory(prefix="clerk-harness-tls-") as folder:
            cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
            with open(cert, "wb") as out:
                out.write(self.cert_pem)
            with open(os.open(key, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as out:
                out.write(self.key_pem)
            context.load_cert_chain(cert, key)
        context.set_alpn_protocols(["http/1.1"])
        return context


def make_certificate(hosts: tuple[str, ...] = (FAPI_HOST, APP_HOST)) -> HostCertificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return HostCertificate(
        certificate.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )


_lock = threading.Lock()
_process_certificate: HostCertificate | None = None


def process_certificate() -> HostCertificate:
    """One certificate for every fake and browser of this process: a warm browser is launched once, with
    the key it trusts, and serves the runs of every fake the process starts."""
    global _process_certificate
    with _lock:
        if _process_certificate is None:
            _process_certificate = make_certificate()
        return _process_certificate
