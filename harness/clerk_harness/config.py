"""The harness's configuration, read from `playwright.config.json` at the project root."""

from __future__ import annotations

import base64
import difflib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clerk_harness.errors import HarnessError

if TYPE_CHECKING:
    from clerk_harness_fake.settings import BackendSettings

CONFIG_NAME = "playwright.config.json"
ENV_CONFIG = "CLERK_HARNESS_CONFIG"

POLLER_CLOCKS = ("virtual", "real")  # see clerk_harness.browser.clock
ENGINES = ("chromium", "firefox")  # the browser engines a run can drive (Firefox: clerk_harness.browser.firefox)
REALISTIC_ARGS = ["--disable-blink-features=AutomationControlled"]
# "realistic": navigator.webdriver false and a real rtt, as a user's browser. The other two reproduce a
# stock Playwright test on purpose: clerk-js <= 6.0.0 then believes it is offline even when online.
PROFILES = ("realistic", "webdriver", "rtt0")
CDP_SCHEMES = ("http", "https", "ws", "wss")
VISIBILITY_MODES = ("real", "synthetic")
TOPOLOGIES = ("production", "proxy")  # where a user's app and the fake's Frontend API are (see https/front.py)
ARTIFACT_MODES = ("on-failure", "always", "never")
# Chromium on a machine with no internet: keep it from reaching out (and failing) at every start.
QUIET_ARGS = ["--no-first-run", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--disable-quic", "--disable-gpu"]


@dataclass(frozen=True)
class Key:
    """One key of `playwright.config.json`: where it lives in the file, what it holds, its default."""

    path: str  # dotted, as in the file: "browser.headless"
    kind: str  # bool, int, number, str, optional-str, str-list, size, path, choice, or endpoints
    default: Any
    doc: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None

    def check(self, value: Any) -> Any:
        """The value if it is of this key's kind, else ValueError with what was expected."""
        kind = self.kind
        if kind == "bool" and isinstance(value, bool):
            return value
        if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
            return self._at_least(value)
        if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return self._at_least(value)
        if kind in ("str", "path") and isinstance(value, str) and value:
            return value
        if kind == "optional-str" and (value is None or (isinstance(value, str) and value)):
            return value
        if kind == "choice" and value in self.choices:
            return value
        if kind == "str-list" and isinstance(value, list) and all(isinstance(v, str) and v for v in value):
            return list(value)
        if kind == "endpoints":
            endpoints = [] if value is None else [value] if isinstance(value, str) else value
            if isinstance(endpoints, list) and all(isinstance(v, str) and v.split("://", 1)[0] in CDP_SCHEMES
                                                   for v in endpoints):
                return tuple(endpoints)
        if kind == "size" and isinstance(value, list) and len(value) == 2 and all(
                isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
            return (value[0], value[1])
        raise ValueError(f"{self.path} must be {self.expected()}, not {json.dumps(value)}")

    def expected(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        words = {"bool": "true or false", "int": "a whole number", "number": "a number", "str": "a string",
                 "path": "a path (relative to the config file)", "optional-str": "a path or null",
                 "str-list": "a list of strings", "size": "[width, height] in pixels",
                 "endpoints": "null, a CDP endpoint (http://host:9222 or ws://...) or a list of them"}[self.kind]
        return words + (f" of at least {self.minimum:g}" if self.minimum is not None else "")

    def _at_least(self, value: float) -> float:
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"{self.path} must be {self.expected()}, not {value}")
        return value


# Every key the file may hold, once: its type and default. An unknown key is an error, never ignored.
KEYS: tuple[Key, ...] = (
    Key("browser.engine", "choice", "chromium",
        "`chromium`, or `firefox` (experimental: a stock Firefox ESR over WebDriver BiDi; `--browser` overrides it)",
        ENGINES),
    Key("browser.executablePath", "optional-str", None,
        "a Chromium to use; null = Playwright's own if installed, else `chromium` on PATH"),
    Key("browser.firefoxExecutablePath", "optional-str", None,
        "a Firefox to use (153 or newer); null = `firefox-esr` or `firefox` on PATH"),
    Key("browser.headless", "bool", True, "run headless"),
    Key("browser.visibility", "choice", "real", "`real` or `synthetic` (see above)", VISIBILITY_MODES),
    Key("browser.args", "str-list", [*REALISTIC_ARGS, *QUIET_ARGS],
        "launch flags; keep `--disable-blink-features=AutomationControlled`"),
    Key("browser.windowSize", "size", (1280, 800), "window size of the real-visibility browser"),
    Key("browser.slowMo", "number", 0, "slow each browser action down by this many ms", minimum=0),
    Key("browser.cdpEndpoint", "endpoints", None,
        "drive a Chromium that runs elsewhere, over CDP (`http://host:9222`); a list gives `run` one worker per "
        "browser; null = launch Chromium here (`--cdp-endpoint` overrides it)"),
    Key("browser.reuse", "int", 25,
        "runs that take turns in one warm Chromium, cleaned between runs, before it is replaced; 1 = a fresh "
        "Chromium for every run", minimum=1),
    Key("browser.profile", "choice", "realistic",
        "`realistic`, or `webdriver` / `rtt0` to mimic a stock Playwright browser on purpose", PROFILES),
    Key("clerkJs.versions", "str-list", ["5.125.13", "6.0.0", "6.1.0", "6.40.0"],
        "versions the tests and `run` use, and `setup` caches"),
    Key("clerkJs.demoVersions", "str-list", ["6.0.0", "6.40.0"], "versions `make demo` runs"),
    Key("clerkJs.newest", "str", "6.40.0", "the pinned newest version (also the app's default)"),
    Key("clerkJs.cacheDir", "path", ".cache/clerk-js", "the bundle cache"),
    Key("clerkJs.pollerClock", "choice", "virtual",
        "`virtual`: clerk-js's 5 s session poller runs on page timers that the virtual clock steps (its timer "
        "worker is refused and clerk-js falls back to page timers); `real`: on its Web Worker, in real time "
        "(slower, for fidelity)",
        POLLER_CLOCKS),
    Key("tokenTtlSeconds", "int", 60, "session token lifetime (clerk-js refreshes at TTL - 17 s)", minimum=21),
    Key("sessionMinter", "bool", False, "the fake models an instance with Clerk's Session Minter on "
        "(auth_config.session_minter: clerk-js sends its last token in the body of each token request)"),
    Key("partitionedCookies", "bool", False, "the fake models an instance with partitioned cookies on "
        "(partitioned_cookies: clerk-js writes __session as SameSite=None; Secure; Partitioned)"),
    Key("timeouts.actionMs", "int", 15_000, "Playwright action timeout", minimum=1),
    Key("timeouts.loadMs", "int", 20_000, "clerk-js load timeout", minimum=1),
    Key("artifacts.dir", "path", "artifacts", "where `repro` and the pytest plugin keep artifacts"),
    Key("artifacts.keep", "choice", "on-failure",
        "what the pytest plugin keeps (`--clerk-artifacts` overrides it)", ARTIFACT_MODES),
    Key("app.command", "optional-str", None,
        "your app's start command (shell); set, every run drives your app instead of the built-in page"),
    Key("app.cwd", "optional-str", None, "the folder to run `app.command` in (relative to the config file, whose own folder is the default)"),
    Key("app.url", "optional-str", None, "the page to open; `{port}` is the app's port (default http://127.0.0.1:{port}/)"),
    Key("app.probe", "str", "/api/me", "your app's authenticated route: 2xx signed in, 401/403/redirect signed out"),
    Key("app.protectedPage", "str", "/dashboard", "a page only signed-in users may see, linked from the app's first "
        "page (a client-side link): where the next-soft-navigation scenario follows the link"),
    Key("app.topology", "choice", "auto",
        "`production`: the browser reaches the app at https://app.harness.test:PORT and the Frontend API at the "
        "publishable key's own host beside it, https://clerk.harness.test:PORT (any SDK, unmodified); `proxy`: "
        "both on loopback over http, the Frontend API behind a proxy URL; `auto`: production for your app, proxy "
        "for the built-in page", ("auto", *TOPOLOGIES)),
    Key("app.clock", "choice", "auto", "your app's clock: `virtual` (libfaketime moves it with the harness's "
        "virtual clock: normal token lifetimes, no real waiting), `real` (short tokens, real waiting), `auto`: "
        "virtual where libfaketime is installed", ("auto", "virtual", "real")),
    Key("app.readyTimeoutMs", "int", 60_000, "how long the app may take to answer after it starts (a build included)",
        minimum=1),
)
KEY_BY_PATH = {key.path: key for key in KEYS}
SECTIONS = {key.path.rsplit(".", 1)[0] for key in KEYS if "." in key.path}


def default(path: str) -> Any:
    value = KEY_BY_PATH[path].default
    return list(value) if isinstance(value, list) else value


@dataclass
class BrowserConfig:
    engine: str = default("browser.engine")  # "chromium" or "firefox" (clerk_harness.browser.firefox)
    executable_path: str | None = default("browser.executablePath")
    firefox_executable_path: str | None = default("browser.firefoxExecutablePath")
    headless: bool = default("browser.headless")
    args: list[str] = field(default_factory=lambda: default("browser.args"))
    visibility: str = default("browser.visibility")  # "real" (trusted events, CDP default context) or "synthetic"
    window_size: tuple[int, int] = default("browser.windowSize")
    slow_mo_ms: float = default("browser.slowMo")
    profile: str = default("browser.profile")  # or "webdriver" / "rtt0": the unrealistic profiles, on purpose
    reuse: int = default("browser.reuse")  # runs per warm browser (clerk_harness.browser.warm)
    cdp_endpoints: tuple[str, ...] = ()  # remote Chromiums; a session drives the first (`run` gives each worker one)


@dataclass
class ClerkJsConfig:
    versions: list[str] = field(default_factory=lambda: default("clerkJs.versions"))
    demo_versions: list[str] = field(default_factory=lambda: default("clerkJs.demoVersions"))
    newest: str = default("clerkJs.newest")
    cache_dir: Path = Path(default("clerkJs.cacheDir"))
    poller_clock: str = default("clerkJs.pollerClock")


@dataclass
class Timeouts:
    action_ms: int = default("timeouts.actionMs")
    load_ms: int = default("timeouts.loadMs")


@dataclass
class AppConfig:
    command: str | None = default("app.command")
    cwd: Path | None = None
    url: str | None = default("app.url")
    probe: str = default("app.probe")
    protected_page: str = default("app.protectedPage")
    clock: str = default("app.clock")
    topology: str = default("app.topology")
    ready_timeout_ms: int = default("app.readyTimeoutMs")


@dataclass
class HarnessConfig:
    browser: BrowserConfig = field(default_factory=BrowserConfig)
    clerk_js: ClerkJsConfig = field(default_factory=ClerkJsConfig)
    timeouts: Timeouts = field(default_factory=Timeouts)
    token_ttl_seconds: int = default("tokenTtlSeconds")
    session_minter: bool = default("sessionMinter")
    partitioned_cookies: bool = default("partitionedCookies")
    artifacts_dir: Path = Path(default("artifacts.dir"))
    artifacts_keep: str = default("artifacts.keep")
    app: AppConfig = field(default_factory=AppConfig)
    root: Path = Path(".")


def backend_settings(config: HarnessConfig, clerk_js_version: str | None = None,
                     token_ttl_seconds: int | None = None) -> BackendSettings:
    """The fake backend's settings for this configuration (the app defaults to the pinned newest clerk-js)."""
    from clerk_harness_fake.settings import BackendSettings

    return BackendSettings(clerk_js_version=clerk_js_version or config.clerk_js.newest,
                           clerk_js_cache=config.clerk_js.cache_dir,
                           token_ttl_seconds=token_ttl_seconds or config.token_ttl_seconds,
                           session_minter=config.session_minter, partitioned_cookies=config.partitioned_cookies)


# Keys of a real Clerk instance: the harness never uses one (its fake backend makes its own), and says so
# rather than ignore it, so that nobody believes a run talked to their Clerk instance.
CLERK_KEY_VARIABLES = ("CLERK_SECRET_KEY", "CLERK_API_KEY", "CLERK_PUBLISHABLE_KEY",
                       "NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY", "VITE_CLERK_PUBLISHABLE_KEY")
REAL_LOOKING_KEY = re.compile(r"^(sk|pk)_(live|test)_[A-Za-z0-9+/=_-]{16,}$")


def is_real_clerk_key(value: str) -> bool:
    """A Clerk secret key, or a publishable key that does not name the fake backend's host."""
    if not REAL_LOOKING_KEY.match(value.strip()):
        return False
    if value.startswith("pk_"):
        try:
            host = base64.b64decode(value.split("_", 2)[2] + "==").decode(errors="replace").rstrip("$")
        except ValueError:
            return True
        from clerk_harness_fake.settings import BackendSettings

        return host.split(":")[0] != BackendSettings.frontend_api_host  # the fake's own key may name a port
    return True


def refuse_real_clerk_keys(environ: Mapping[str, str] = os.environ) -> None:
    found = [name for name in CLERK_KEY_VARIABLES if is_real_clerk_key(environ.get(name, ""))]
    if found:
        raise HarnessError(f"{', '.join(found)} holds a real Clerk key, but the harness never talks to Clerk (its fake "
                           f"backend issues its own keys): unset it for this command")


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
    """Read the config file (or defaults when there is none). Relative paths are relative to the file.

    Every key is checked against `KEYS`: an unknown or misspelt key, or a value of the wrong type, is a
    one-line `HarnessError` naming the key. A real Clerk key in the environment is refused, too."""
    refuse_real_clerk_keys()
    path = path or find_config()
    if path is None:
        return HarnessConfig()
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise HarnessError(f"cannot read {path}: {error}") from error
    try:
        values = {key.path: key.check(value) for key, value in _flatten(raw)}
    except ValueError as error:
        raise HarnessError(f"{path}: {error}") from None
    root = path.resolve().parent
    get = lambda key: values.get(key, default(key))
    return HarnessConfig(
        browser=BrowserConfig(engine=get("browser.engine"), executable_path=get("browser.executablePath"),
                              firefox_executable_path=get("browser.firefoxExecutablePath"),
                              headless=get("browser.headless"),
                              args=get("browser.args"), visibility=get("browser.visibility"),
                              window_size=tuple(get("browser.windowSize")), slow_mo_ms=float(get("browser.slowMo")),
                              profile=get("browser.profile"), reuse=get("browser.reuse"),
                              cdp_endpoints=tuple(get("browser.cdpEndpoint") or ())),
        clerk_js=ClerkJsConfig(versions=get("clerkJs.versions"), demo_versions=get("clerkJs.demoVersions"),
                               newest=get("clerkJs.newest"), cache_dir=root / get("clerkJs.cacheDir"),
                               poller_clock=get("clerkJs.pollerClock")),
        timeouts=Timeouts(action_ms=get("timeouts.actionMs"), load_ms=get("timeouts.loadMs")),
        token_ttl_seconds=get("tokenTtlSeconds"),
        session_minter=get("sessionMinter"),
        partitioned_cookies=get("partitionedCookies"),
        artifacts_dir=root / get("artifacts.dir"),
        artifacts_keep=get("artifacts.keep"),
        app=AppConfig(command=get("app.command"), cwd=root / (get("app.cwd") or "."),  # wherever pytest runs from
                      url=get("app.url"), probe=get("app.probe"), topology=get("app.topology"),
                      protected_page=get("app.protectedPage"), clock=get("app.clock"),
                      ready_timeout_ms=get("app.readyTimeoutMs")),
        root=root,
    )


def _flatten(raw: Any, prefix: str = "") -> list[tuple[Key, Any]]:
    """The file's (key, value) pairs; ValueError on the first key that `KEYS` does not know."""
    if not isinstance(raw, dict):
        raise ValueError(f"{prefix.rstrip('.') or 'the file'} must be a JSON object")
    pairs = []
    for name, value in raw.items():
        dotted = prefix + name
        if dotted in KEY_BY_PATH:
            pairs.append((KEY_BY_PATH[dotted], value))
        elif dotted in SECTIONS:
            pairs += _flatten(value, dotted + ".")
        elif isinstance(value, str) and is_real_clerk_key(value):
            raise ValueError(f"{dotted!r} holds a real Clerk key, but the harness never talks to Clerk (its fake "
                             "backend issues its own keys): remove it")
        else:
            known = sorted(KEY_BY_PATH) + sorted(SECTIONS)
            guess = difflib.get_close_matches(dotted, known, n=1)
            hint = f"did you mean {guess[0]!r}?" if guess else "see docs/configuration.md"
            raise ValueError(f"unknown key {dotted!r} ({hint})")
    return pairs
