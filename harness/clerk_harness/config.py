"""The harness's configuration: typed models of `playwright.config.json`, read from the project root.

Each key is one field of a model below (a pydantic dataclass), spelled once: `slow_mo_ms` in code is
`browser.slowMo` in the file (camelCase, or the alias the field names). The field's docstring is what the
key means; the JSON Schema that `init` points editors at is made from the same models (`json_schema`).
An unknown or misspelt key, or a value of the wrong type, is a one-line `HarnessError` naming the key.
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass as plain_dataclass
from dataclasses import field, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError, WithJsonSchema
from pydantic.alias_generators import to_camel
from pydantic.dataclasses import dataclass
from pydantic.fields import FieldInfo

from clerk_harness.choices import (
    ARTIFACT_MODES,
    CDP_SCHEMES,
    ENGINES,
    POLLER_CLOCKS,
    PROFILES,
    TOPOLOGIES,
    VISIBILITY_MODES,
    AppClock,
    ArtifactMode,
    Engine,
    PollerClock,
    Profile,
    Topology,
    Visibility,
    is_cdp_endpoint,
)
from clerk_harness.errors import HarnessError
from clerk_harness.real_keys import is_real_clerk_key, refuse_real_clerk_keys

if TYPE_CHECKING:
    from clerk_harness_fake.settings import BackendSettings

__all__ = [
    "ARTIFACT_MODES",
    "CDP_SCHEMES",
    "ENGINES",
    "POLLER_CLOCKS",
    "PROFILES",
    "TOPOLOGIES",
    "VISIBILITY_MODES",
    "AppConfig",
    "ArtifactsConfig",
    "BrowserConfig",
    "ClerkJsConfig",
    "HarnessConfig",
    "Timeouts",
    "backend_settings",
    "find_config",
    "json_schema",
    "load_config",
]

CONFIG_NAME = "playwright.config.json"
SCHEMA_FILE = Path(__file__).with_name("config.schema.json")  # json_schema(), installed with the package
ENV_CONFIG = "CLERK_HARNESS_CONFIG"
REALISTIC_ARGS = ["--disable-blink-features=AutomationControlled"]
# Chromium on a machine with no internet: keep it from reaching out (and failing) at every start.
QUIET_ARGS = [
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-gpu",
]

MODEL = ConfigDict(
    alias_generator=to_camel,
    validate_by_name=True,
    validate_by_alias=True,
    extra="forbid",
    use_attribute_docstrings=True,
)


@plain_dataclass(frozen=True)
class Expected:
    """What a key holds, in a user's words, where its type alone does not say it."""

    words: str


def _endpoints(value: Any) -> Any:
    endpoints = [] if value is None else [value] if isinstance(value, str) else value
    if isinstance(endpoints, (list, tuple)) and all(isinstance(v, str) and is_cdp_endpoint(v) for v in endpoints):
        return tuple(endpoints)
    raise ValueError("not a CDP endpoint")


Text = Annotated[str, Field(min_length=1)]
Texts = Annotated[list[Text], Expected("a list of strings")]
FilePath = Annotated[Path, Expected("a path (relative to the config file)")]
WindowSize = Annotated[
    tuple[Annotated[int, Field(gt=0)], Annotated[int, Field(gt=0)]], Expected("[width, height] in pixels")
]
CdpEndpoints = Annotated[
    tuple[str, ...],
    BeforeValidator(_endpoints),
    Expected("null, a CDP endpoint (http://host:9222 or ws://...) or a list of them"),
    WithJsonSchema({"anyOf": [{"type": "null"}, {"type": "string"}, {"type": "array", "items": {"type": "string"}}]}),
]


@dataclass(config=MODEL)
class BrowserConfig:
    engine: Engine = "chromium"
    """`chromium`, `firefox` (a stock Firefox ESR over WebDriver BiDi) or `webkit` (WebKitGTK, Linux); `--browser` overrides it"""
    executable_path: Text | None = None
    """a Chromium to use; null = Playwright's own if installed, else `chromium` on PATH"""
    firefox_executable_path: Text | None = None
    """a Firefox to use (153 or newer); null = `firefox-esr` or `firefox` on PATH"""
    headless: bool = True
    """run headless"""
    args: Texts = field(default_factory=lambda: [*REALISTIC_ARGS, *QUIET_ARGS])
    """launch flags; keep `--disable-blink-features=AutomationControlled`"""
    visibility: Visibility = "real"
    """`real` (trusted events, CDP default context) or `synthetic`"""
    window_size: WindowSize = (1280, 800)
    """window size of the real-visibility browser"""
    slow_mo_ms: Annotated[float, Field(alias="slowMo", ge=0)] = 0
    """slow each browser action down by this many ms"""
    profile: Profile = "realistic"
    """`realistic`, or `webdriver` / `rtt0` to mimic a stock Playwright browser on purpose"""
    reuse: Annotated[int, Field(ge=1)] = 25
    """runs that take turns in one warm Chromium, cleaned between runs, before it is replaced (clerk_harness.browser.warm);
    1 = a fresh Chromium for every run"""
    cdp_endpoints: Annotated[CdpEndpoints, Field(alias="cdpEndpoint")] = ()
    """drive a Chromium that runs elsewhere, over CDP (`http://host:9222`); a list gives `run` one worker per browser;
    null = launch Chromium here (`--cdp-endpoint` overrides it)"""


@dataclass(config=MODEL)
class ClerkJsConfig:
    versions: Texts = field(default_factory=lambda: ["5.125.13", "6.0.0", "6.1.0", "6.40.0"])
    """versions the tests and `run` use, and `setup` caches"""
    demo_versions: Texts = field(default_factory=lambda: ["6.0.0", "6.40.0"])
    """versions `make demo` runs"""
    newest: Text = "6.40.0"
    """the pinned newest version (also the app's default)"""
    cache_dir: FilePath = Path(".cache/clerk-js")
    """the bundle cache"""
    poller_clock: PollerClock = "virtual"
    """`virtual`: clerk-js's 5 s session poller runs on page timers that the virtual clock steps (its timer worker is
    refused and clerk-js falls back to page timers); `real`: on its Web Worker, in real time (slower, for fidelity)"""


@dataclass(config=MODEL)
class Timeouts:
    action_ms: Annotated[int, Field(ge=1)] = 15_000
    """Playwright action timeout"""
    load_ms: Annotated[int, Field(ge=1)] = 20_000
    """clerk-js load timeout"""


@dataclass(config=MODEL)
class ArtifactsConfig:
    dir: FilePath = Path("artifacts")
    """where `repro` and the pytest plugin keep artifacts"""
    keep: ArtifactMode = "on-failure"
    """what the pytest plugin keeps (`--clerk-artifacts` overrides it); `run --keep` says it for `run`"""


@dataclass(config=MODEL)
class AppConfig:
    command: Text | None = None
    """your app's start command (shell); set, every run drives your app instead of the built-in page"""
    cwd: FilePath | None = None
    """the folder to run `app.command` in (relative to the config file, whose own folder is the default)"""
    url: Text | None = None
    """the page to open; `{port}` is the app's port (default http://127.0.0.1:{port}/)"""
    probe: Text = "/api/me"
    """your app's authenticated route: 2xx signed in, 401/403/redirect signed out"""
    protected_page: Text = "/dashboard"
    """a page only signed-in users may see, linked from the app's first page (a client-side link): where the
    next-soft-navigation scenario follows the link"""
    clock: AppClock = "auto"
    """your app's clock: `virtual` (libfaketime moves it with the harness's virtual clock: normal token lifetimes,
    no real waiting), `real` (short tokens, real waiting), `auto`: virtual where libfaketime is installed"""
    topology: Literal["auto"] | Topology = "auto"
    """`production`: the browser reaches the app at https://app.harness.test:PORT and the Frontend API at the
    publishable key's own host beside it, https://clerk.harness.test:PORT (any SDK, unmodified); `proxy`: both on
    loopback over http, the Frontend API behind a proxy URL; `auto`: production for your app, proxy for the
    built-in page"""
    ready_timeout_ms: Annotated[int, Field(ge=1)] = 60_000
    """how long the app may take to answer after it starts (a build included)"""


@dataclass(config=MODEL)
class HarnessConfig:
    browser: BrowserConfig = field(default_factory=BrowserConfig)
    clerk_js: ClerkJsConfig = field(default_factory=ClerkJsConfig)
    timeouts: Timeouts = field(default_factory=Timeouts)
    token_ttl_seconds: Annotated[int, Field(ge=21)] = 60
    """session token lifetime (clerk-js refreshes at TTL - 17 s)"""
    session_minter: bool = False
    """the fake models an instance with Clerk's Session Minter on (auth_config.session_minter: clerk-js sends its
    last token in the body of each token request)"""
    partitioned_cookies: bool = False
    """the fake models an instance with partitioned cookies on (partitioned_cookies: clerk-js writes __session as
    SameSite=None; Secure; Partitioned)"""
    artifacts: ArtifactsConfig = field(default_factory=ArtifactsConfig)
    app: AppConfig = field(default_factory=AppConfig)
    root: Path = Path(".")  # the config file's folder (set when read; never a key of the file)


RUNTIME_ONLY = ("root",)
FILE = TypeAdapter(HarnessConfig)


def keys(model: type = HarnessConfig, prefix: str = "") -> dict[str, FieldInfo]:
    """Every key the file may hold, dotted as in the file ("browser.slowMo"), with its field."""
    found: dict[str, FieldInfo] = {}
    for name, info in model.__pydantic_fields__.items():  # type: ignore[attr-defined]
        if name in RUNTIME_ONLY:
            continue
        dotted = prefix + (info.alias or name)
        if is_dataclass(info.annotation):
            found.update(keys(info.annotation, dotted + "."))  # type: ignore[arg-type]
        else:
            found[dotted] = info
    return found


def sections(model: type = HarnessConfig, prefix: str = "") -> set[str]:
    return {prefix + (f.alias or n) for n, f in model.__pydantic_fields__.items() if is_dataclass(f.annotation)}  # type: ignore[attr-defined]


def expected(info: FieldInfo) -> str:
    """What the key's value must be, in a user's words: "a whole number of at least 21"."""
    words = next((m.words for m in info.metadata if isinstance(m, Expected)), None) or _words_for(info.annotation)
    least = next((m.ge for m in info.metadata if isinstance(m, annotated_types.Ge)), None)
    return words + (f" of at least {least:g}" if least is not None else "")


def _words_for(annotation: Any) -> str:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        found = next((m.words for m in annotation.__metadata__ if isinstance(m, Expected)), None)
        return found or _words_for(args[0])
    if origin is Literal:
        return "one of " + ", ".join(repr(choice) for choice in args)
    if origin is Union:
        choices = [a for a in args if a is not type(None)]
        if all(get_origin(a) is Literal for a in choices):
            return _words_for(Literal[tuple(c for a in choices for c in get_args(a))])
        return _words_for(choices[0]) + " or null"
    return {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}.get(annotation, "valid")


def json_schema() -> dict[str, Any]:
    """The JSON Schema of `playwright.config.json` (editors complete and check the keys with it)."""
    schema = FILE.json_schema(by_alias=True)
    schema["properties"] = {
        "$schema": {"type": "string", "description": "this schema (set by `clerk-harness init`)"},
        **{k: v for k, v in schema["properties"].items() if k not in RUNTIME_ONLY},
    }
    schema["title"] = "clerk-harness: playwright.config.json"
    return schema


def backend_settings(
    config: HarnessConfig, clerk_js_version: str | None = None, token_ttl_seconds: int | None = None
) -> BackendSettings:
    """The fake backend's settings for this configuration (the app defaults to the pinned newest clerk-js)."""
    from clerk_harness_fake.settings import BackendSettings

    return BackendSettings(
        clerk_js_version=clerk_js_version or config.clerk_js.newest,
        clerk_js_cache=config.clerk_js.cache_dir,
        token_ttl_seconds=token_ttl_seconds or config.token_ttl_seconds,
        session_minter=config.session_minter,
        partitioned_cookies=config.partitioned_cookies,
    )


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

    An unknown or misspelt key, or a value of the wrong type, is a one-line `HarnessError` naming the key.
    A real Clerk key in the environment is refused, too."""
    refuse_real_clerk_keys()
    path = path or find_config()
    if path is None:
        return HarnessConfig()
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise HarnessError(f"cannot read {path}: {error}") from error
    if isinstance(raw, dict):
        raw = {k: v for k, v in raw.items() if k != "$schema"}  # JSON Schema's own key, for editors
        if any(name in raw for name in RUNTIME_ONLY):
            raise HarnessError(f"{path}: {_unknown(next(n for n in RUNTIME_ONLY if n in raw), raw)}")
    try:
        config = FILE.validate_json(json.dumps(raw), strict=True, by_alias=True, by_name=False)
    except ValidationError as error:
        raise HarnessError(f"{path}: {_first_problem(error, raw)}") from None
    root = path.resolve().parent
    config.root = root
    config.clerk_js.cache_dir = root / config.clerk_js.cache_dir
    config.artifacts.dir = root / config.artifacts.dir
    config.app.cwd = root / (config.app.cwd or ".")  # wherever pytest runs from
    return config


def _first_problem(error: ValidationError, raw: Any) -> str:
    """pydantic's first error as today's one line: the key, what it must be, and what it is."""
    problem = error.errors()[0]
    loc = [str(part) for part in problem["loc"]]
    if problem["type"] in ("unexpected_keyword_argument", "extra_forbidden"):
        return _unknown(".".join(loc), problem.get("input"))
    known, parts = keys(), sections()
    for end in range(len(loc), -1, -1):  # the key the error is about: a window size's item is the window size's
        dotted = ".".join(loc[:end])
        if dotted in known:
            return f"{dotted} must be {expected(known[dotted])}, not {json.dumps(_value_at(raw, loc[:end]))}"
        if dotted in parts or not dotted:
            return f"{dotted or 'the file'} must be a JSON object"
    return str(problem["msg"])


def _unknown(dotted: str, value: Any) -> str:
    if isinstance(value, str) and is_real_clerk_key(value):
        return (
            f"{dotted!r} holds a real Clerk key, but the harness never talks to Clerk (its fake backend issues "
            "its own keys): remove it"
        )
    guess = difflib.get_close_matches(dotted, sorted(keys()) + sorted(sections()), n=1)
    hint = f"did you mean {guess[0]!r}?" if guess else "see docs/configuration.md"
    return f"unknown key {dotted!r} ({hint})"


def _value_at(raw: Any, loc: list[str]) -> Any:
    for part in loc:
        raw = raw.get(part) if isinstance(raw, dict) else None
    return raw


if __name__ == "__main__":  # `python -m clerk_harness.config > harness/clerk_harness/config.schema.json`
    print(json.dumps(json_schema(), indent=2))
