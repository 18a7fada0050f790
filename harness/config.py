"""The harness's configuration, read from `playwright.config.json` at the project root."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import HarnessError

if TYPE_CHECKING:
    from fake_backend.settings import BackendSettings

CONFIG_NAME = "playwright.config.json"
ENV_CONFIG = "CLERK_HARNESS_CONFIG"

REALISTIC_ARGS = ["--disable-blink-features=AutomationControlled"]
# "realistic": navigator.webdriver false and a real rtt, as a user's browser. The other two reproduce a
# stock Playwright test on purpose: clerk-js <= 6.0.0 then believes it is offline even when online.
PROFILES = ("realistic", "webdriver", "rtt0")
# Chromium on a machine with no internet: keep it from reaching out (and failing) at every start.
QUIET_ARGS = ["--no-first-run", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--disable-quic", "--disable-gpu"]


@dataclass
class BrowserConfig:
    executable_path: str | None = None
    headless: bool = True
    args: list[str] = field(default_factory=lambda: [*REALISTIC_ARGS, *QUIET_ARGS])
    visibility: str = "real"  # "real" (trusted events, CDP default context) or "synthetic"
    window_size: tuple[int, int] = (1280, 800)
    slow_mo_ms: float = 0
    profile: str = "realistic"  # or "webdriver" / "rtt0": the unrealistic profiles, on purpose


@dataclass
class ClerkJsConfig:
    versions: list[str] = field(default_factory=lambda: ["5.125.13", "6.0.0", "6.1.0", "6.40.0"])
    demo_versions: list[str] = field(default_factory=lambda: ["6.0.0", "6.40.0"])
    newest: str = "6.40.0"
    cache_dir: Path = Path(".cache/clerk-js")


@dataclass
class Timeouts:
    action_ms: int = 15_000
    load_ms: int = 20_000


@dataclass
class HarnessConfig:
    browser: BrowserConfig = field(default_factory=BrowserConfig)
    clerk_js: ClerkJsConfig = field(default_factory=ClerkJsConfig)
    timeouts: Timeouts = field(default_factory=Timeouts)
    token_ttl_seconds: int = 60
    artifacts_dir: Path = Path("artifacts")
    root: Path = Path(".")


def backend_settings(config: HarnessConfig, clerk_js_version: str | None = None,
                     token_ttl_seconds: int | None = None) -> "BackendSettings":
    """The fake backend's settings for this configuration (the app defaults to the pinned newest clerk-js)."""
    from fake_backend.settings import BackendSettings

    return BackendSettings(clerk_js_version=clerk_js_version or config.clerk_js.newest,
                           clerk_js_cache=config.clerk_js.cache_dir,
                           token_ttl_seconds=token_ttl_seconds or config.token_ttl_seconds)


def find_config(start: Path | None = None) -> Path | None:
    if os.environ.get(ENV_CONFIG):
        return Path(os.environ[ENV_CONFIG])
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | None = None) -> HarnessConfig:
    """Read the config file (or defaults when there is none). Relative paths are relative to the file."""
    path = path or find_config()
    if path is None:
        return HarnessConfig()
    try:
        raw: dict[str, Any] = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise HarnessError(f"cannot read {path}: {error}") from error
    root = path.resolve().parent
    try:
        browser = raw.get("browser", {})
        clerk_js = raw.get("clerkJs", {})
        timeouts = raw.get("timeouts", {})
        artifacts = raw.get("artifacts", {})
        config = HarnessConfig(
            browser=BrowserConfig(
                executable_path=browser.get("executablePath"),
                headless=bool(browser.get("headless", True)),
                args=list(browser.get("args", BrowserConfig().args)),
                visibility=browser.get("visibility", "real"),
                window_size=tuple(browser.get("windowSize", (1280, 800))),  # type: ignore[arg-type]
                slow_mo_ms=float(browser.get("slowMo", 0)),
                profile=browser.get("profile", "realistic"),
            ),
            clerk_js=ClerkJsConfig(
                versions=list(clerk_js.get("versions", ClerkJsConfig().versions)),
                demo_versions=list(clerk_js.get("demoVersions", ClerkJsConfig().demo_versions)),
                newest=clerk_js.get("newest", ClerkJsConfig().newest),
                cache_dir=root / clerk_js.get("cacheDir", ".cache/clerk-js"),
            ),
            timeouts=Timeouts(action_ms=int(timeouts.get("actionMs", 15_000)),
                              load_ms=int(timeouts.get("loadMs", 20_000))),
            token_ttl_seconds=int(raw.get("tokenTtlSeconds", 60)),
            artifacts_dir=root / artifacts.get("dir", "artifacts"),
            root=root,
        )
    except (TypeError, ValueError) as error:
        raise HarnessError(f"{path}: invalid value: {error}") from error
    if config.browser.visibility not in ("real", "synthetic"):
        raise HarnessError(f"{path}: browser.visibility must be 'real' or 'synthetic'")
    if config.browser.profile not in PROFILES:
        raise HarnessError(f"{path}: browser.profile must be one of {', '.join(PROFILES)}")
    if config.token_ttl_seconds <= 20:
        raise HarnessError(f"{path}: tokenTtlSeconds must exceed 20 (clerk-js refreshes at TTL - 17 s)")
    return config
