"""RS256 signing keys, made ahead of need.

A 2048-bit RSA key takes 25 to 110 ms to generate here, and OpenSSL generates it without holding the
GIL. `make_ahead()` starts one on a thread, so that `python -m clerk_harness_fake` gets its key while it imports
the web framework instead of after; `take()` hands that key out once, then makes fresh ones."""

from __future__ import annotations

import threading
from concurrent.futures import Future

from cryptography.hazmat.primitives.asymmetric import rsa

_ahead: Future[rsa.RSAPrivateKey] | None = None
_lock = threading.Lock()


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_ahead() -> None:
    """Start generating the next key on a daemon thread (once; later calls do nothing until it is taken)."""
    global _ahead
    with _lock:
        if _ahead is not None:
            return
        _ahead = Future()
    future = _ahead

    def generate() -> None:
        try:
            future.set_result(new_key())
        except BaseException as error:  # noqa: BLE001 - handed to whoever takes the key
            future.set_exception(error)

    threading.Thread(target=generate, name="signing-key", daemon=True).start()


def take() -> rsa.RSAPrivateKey:
    """The key made ahead, if one was started and not yet taken; otherwise a new one."""
    global _ahead
    with _lock:
        future, _ahead = _ahead, None
    return future.result() if future is not None else new_key()
