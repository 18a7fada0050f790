"""What the shared flags do to a command's configuration: a user's app, remote browsers and the fake's
binding."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from clerk_harness.config import HarnessConfig
from clerk_harness.errors import HarnessError

if TYPE_CHECKING:
    from clerk_harness.stories.user_app import AppSpec


def remote_from_args(args: argparse.Namespace, config: HarnessConfig):
    """Apply --cdp-endpoint to the config; the fake's binding (checked: an address of this machine, loopback
    unless allowed; beyond loopback its control token is printed once)."""
    import socket

    from clerk_harness.choices import is_cdp_endpoint
    from clerk_harness_fake.server import Binding, RemoteBindRefused

    for endpoint in args.cdp_endpoint or []:
        if not is_cdp_endpoint(endpoint):
            raise HarnessError(f"--cdp-endpoint {endpoint!r}: give a CDP endpoint such as http://127.0.0.1:9222")
    if args.cdp_endpoint:
        config.browser.cdp_endpoints = tuple(dict.fromkeys(args.cdp_endpoint))
    if config.browser.cdp_endpoints and (args.app_cmd or config.app.command):
        raise HarnessError(
            "a remote browser (--cdp-endpoint) with your own app (--app-cmd) is not supported: run your "
            "app's scenarios with a local browser"
        )
    try:
        binding = Binding.of(args.fake_host, args.allow_remote)
        family = socket.AF_INET6 if ":" in binding.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((binding.host.strip("[]"), 0))
    except RemoteBindRefused as error:
        raise HarnessError(str(error)) from None
    except OSError as error:
        raise HarnessError(
            f"--fake-host {args.fake_host}: cannot listen there ({error.strerror}); give an address "
            f"of this machine that the browser can reach"
        ) from None
    if binding.control_token:
        print(
            f"WARNING: the fake backend listens on {binding.host}, beyond loopback: its control API needs\n"
            f"  Authorization: Bearer {binding.control_token}",
            file=sys.stderr,
            flush=True,
        )
    return binding


def app_from_args(args: argparse.Namespace, config: HarnessConfig) -> AppSpec | None:
    """`--app-cmd` and friends, else the config's `app` section, else None (the built-in page)."""
    from clerk_harness.stories.user_app import app_spec

    clock, protected_page = getattr(args, "app_clock", None), getattr(args, "protected_page", None)
    spec = app_spec(
        config.app,
        command=args.app_cmd,
        cwd=args.app_cwd,
        url=args.app_url,
        probe=args.probe,
        topology=args.app_topology,
        clock=clock,
        protected_page=protected_page,
    )
    if spec is None and (args.app_cwd or args.app_url or args.probe or clock or protected_page):
        raise HarnessError(
            "--app-cwd, --app-url, --probe, --app-clock and --protected-page go with --app-cmd (the "
            "command that starts your app)"
        )
    if spec is None and args.app_topology:  # the built-in page in that topology
        config.app.topology = args.app_topology
    return spec
