"""`python -m clerk_harness_fake [--host H] [--port P]`: the fake backend alone, as fast to start as it gets.

For tools that only need the fake Frontend API and its control API (a CI service container, another
language's test suite). `clerk-harness serve` does the same with the harness's config, a test user and
a how-to; this entry imports nothing of the harness, so that it answers as soon as possible."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from clerk_harness_fake import signing_keys

signing_keys.make_ahead()  # on a thread, while the web framework imports below

from clerk_harness_fake.server import FakeClerkServer, RemoteBindRefused  # noqa: E402 - after the key is started
from clerk_harness_fake.settings import BackendSettings  # noqa: E402 - after the key is started


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m clerk_harness_fake", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (loopback unless --allow-remote)")
    parser.add_argument("--port", type=int, default=0, help="port (0: a free one, printed)")
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="bind beyond loopback; the control API then requires the printed token",
    )
    parser.add_argument("--clerk-js", default=BackendSettings.clerk_js_version, help="clerk-js version the app serves")
    parser.add_argument(
        "--clerk-js-cache",
        type=Path,
        default=BackendSettings.clerk_js_cache,
        help="the bundle cache (`clerk-harness setup` fills it)",
    )
    args = parser.parse_args()
    settings = BackendSettings(clerk_js_version=args.clerk_js, clerk_js_cache=args.clerk_js_cache)
    try:
        server = FakeClerkServer(settings, host=args.host, port=args.port, allow_remote=args.allow_remote)
    except (RemoteBindRefused, OSError) as error:
        parser.exit(2, f"python -m clerk_harness_fake: {error}\n")
    server.start()  # returns once it listens: the printed origin answers at once
    token = f" (control token: {server.control_token})" if server.control_token else ""
    print(f"fake Clerk backend on {server.origin}{token}", flush=True)
    try:
        threading.Event().wait()  # until Ctrl-C; SIGTERM ends the process as usual
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
