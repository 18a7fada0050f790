"""The closed sets of words the config and the command line accept: each a Literal type (what the config
models check) and its tuple (argparse's choices). Kept apart from the config's models so that the pytest
plugin, which pytest loads in every run of the user's venv, offers its options without loading pydantic."""

from __future__ import annotations

from typing import Literal, get_args

Engine = Literal[
    "chromium", "firefox", "webkit"
]  # the engines a run can drive (clerk_harness.browser.firefox, .webkit)
Visibility = Literal["real", "synthetic"]
# "realistic": navigator.webdriver false and a real rtt, as a user's browser. The other two reproduce a
# stock Playwright test on purpose: clerk-js <= 6.0.0 then believes it is offline even when online.
Profile = Literal["realistic", "webdriver", "rtt0"]
PollerClock = Literal["virtual", "real"]  # see clerk_harness.browser.clock
Topology = Literal["production", "proxy"]  # where a user's app and the fake's Frontend API are (https/front.py)
ArtifactMode = Literal["on-failure", "always", "never"]
AppClock = Literal["auto", "virtual", "real"]

ENGINES: tuple[str, ...] = get_args(Engine)
VISIBILITY_MODES: tuple[str, ...] = get_args(Visibility)
PROFILES: tuple[str, ...] = get_args(Profile)
POLLER_CLOCKS: tuple[str, ...] = get_args(PollerClock)
TOPOLOGIES: tuple[str, ...] = get_args(Topology)
ARTIFACT_MODES: tuple[str, ...] = get_args(ArtifactMode)
CDP_SCHEMES = ("http", "https", "ws", "wss")


def is_cdp_endpoint(text: str) -> bool:
    """A remote Chromium's DevTools endpoint, as `connect_over_cdp` takes it (http://host:9222, ws://...)."""
    return text.split("://", 1)[0] in CDP_SCHEMES
