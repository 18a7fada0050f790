"""The fake backend for a human or another tool: `serve`, `env` and `exec`."""

from __future__ import annotations

import argparse
import errno
import sys
from typing import Any

from clerk_harness.commands.arguments import positive_int
from clerk_harness.commands.exits import EXIT_SURVIVED
from clerk_harness.commands.one_run import backend_for
from clerk_harness.config import HarnessConfig, backend_settings
from clerk_harness.errors import HarnessError


def cmd_serve(config: HarnessConfig, args: argparse.Namespace) -> int:
    from clerk_harness.releases.setup import ensure_versions
    from clerk_harness_fake import FakeClerkServer

    version = ensure_versions(config, [args.clerk_js or config.clerk_js.newest], progress=lambda _: None)[0]
    settings = backend_settings(config, version, args.token_ttl)
    from clerk_harness_fake.server import RemoteBindRefused

    try:
        server = FakeClerkServer(settings, host=args.host, port=args.port, allow_remote=args.allow_remote)
    except RemoteBindRefused as error:
        raise HarnessError(str(error)) from None
    except OSError as error:
        hint = (
            "try --port 0"
            if error.errno == errno.EADDRINUSE
            else "give an address of this machine, e.g. 127.0.0.1 or ::1"
        )
        raise HarnessError(f"cannot listen on {args.host}:{args.port}: {error.strerror}; {hint}") from None
    user = server.clerk.create_user("ada@example.test")
    origin = server.origin
    auth = ""
    if server.control_token:
        auth = f" -H 'authorization: Bearer {server.control_token}'"
        print(
            f"WARNING: listening on {args.host}, beyond loopback: the control API needs this token\n"
            f"  Authorization: Bearer {server.control_token}\n",
            flush=True,
        )
    print(
        f"""Fake Clerk backend with clerk-js {version}

  app          {origin}/            (other versions: {origin}/?clerk_js=VERSION once cached;
                                      a development instance: add &instance=test)
  sign in as   {user.email} / {user.password}
  control API  {origin}/__harness/docs

Inject faults while you use the app, for example:
  curl -X POST {origin}/__harness/faults -H 'content-type: application/json'{auth} \\
       -d '{{"method": "POST", "path": "/v1/client/sessions/*/tokens", "action": "error", "status": 429, "times": 1}}'
  curl{auth} {origin}/__harness/journal                  # every request the fake answered
  curl -X DELETE{auth} {origin}/__harness/faults         # clear faults
In Chrome DevTools, Network > Offline reproduces the offline scenarios by hand. Ctrl-C stops.""",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return EXIT_SURVIVED


def cmd_env(args: argparse.Namespace) -> int:
    import json
    import shlex
    import urllib.error
    import urllib.request

    url = args.fake.rstrip("/") + "/__harness/env"
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            env = json.load(answer)["env"]
    except (urllib.error.URLError, OSError, ValueError, KeyError) as error:
        raise HarnessError(
            f"no fake Clerk backend answered at {args.fake} ({error}); start one with "
            f"`clerk-harness serve`, or use `clerk-harness exec -- CMD`"
        ) from None
    for name, value in env.items():
        print(f"export {name}={shlex.quote(value)}" if args.format == "shell" else f"{name}={json.dumps(value)}")
    return EXIT_SURVIVED


def cmd_exec(config: HarnessConfig, args: argparse.Namespace) -> int:
    import os
    import subprocess

    from clerk_harness.releases.setup import ensure_versions

    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not argv:
        raise HarnessError("give the command to run after `--`, e.g. `clerk-harness exec -- npm run dev`")
    version = ensure_versions(config, [args.clerk_js or config.clerk_js.newest], progress=lambda _: None)[0]
    with backend_for(config, version, args.port) as server:
        user = server.clerk.create_user("ada@example.test")
        print(
            f"[clerk-harness] fake Clerk backend at {server.origin} (clerk-js {version}); sign in as {user.email} / "
            f"{user.password}",
            file=sys.stderr,
            flush=True,
        )
        child = subprocess.Popen(argv, env={**os.environ, **server.clerk.sdk_env()})
        try:
            return child.wait()
        except KeyboardInterrupt:
            child.terminate()
            child.wait()
            raise


def serve_arguments(commands: Any) -> None:
    """`clerk-harness serve`'s arguments."""
    serve = commands.add_parser("serve", help="the fake backend and the app page for a human with a real browser")
    serve.add_argument("--clerk-js", default=None, metavar="VERSION", help="default: clerkJs.newest")
    serve.add_argument("--port", type=int, default=8787, help="port (default 8787; 0 picks a free one)")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="bind address (default 127.0.0.1; ::1 works too); beyond loopback only with --allow-remote",
    )
    serve.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a bind address beyond loopback; the control API then requires a printed token",
    )
    serve.add_argument(
        "--token-ttl",
        type=positive_int,
        default=None,
        metavar="SECONDS",
        help="session token lifetime (default: tokenTtlSeconds)",
    )


def env_arguments(commands: Any) -> None:
    """`clerk-harness env`'s arguments."""
    env = commands.add_parser(
        "env",
        help="the Clerk environment variables for an app you start yourself, from a running `clerk-harness serve`",
    )
    env.add_argument(
        "--fake",
        default="http://127.0.0.1:8787",
        metavar="URL",
        help="the running fake's origin, as `serve` printed it (default http://127.0.0.1:8787)",
    )
    env.add_argument(
        "--format",
        choices=["shell", "dotenv"],
        default="shell",
        help="shell: `export K='V'` lines for eval; dotenv: K=\"V\" lines for a .env file",
    )


def exec_arguments(commands: Any) -> None:
    """`clerk-harness exec`'s arguments."""
    run_cmd = commands.add_parser(
        "exec",
        help="run a command with a fake Clerk backend and its environment until "
        "the command exits (as `firebase emulators:exec` does)",
    )
    run_cmd.add_argument("--clerk-js", default=None, metavar="VERSION", help="default: clerkJs.newest")
    run_cmd.add_argument("--port", type=int, default=0, help="the fake's port (default: a free one)")
    run_cmd.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- CMD ...", help="the command and its arguments")
