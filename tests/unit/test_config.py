"""playwright.config.json: one table of keys, types and defaults; nothing is silently ignored."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from clerk_harness.config import SCHEMA_FILE, HarnessConfig, json_schema, keys, load_config
from clerk_harness.errors import HarnessError

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "playwright.config.json"
    path.write_text(json.dumps(data))
    return path


def test_the_shipped_file_loads_and_uses_only_known_keys():
    config = load_config(ROOT / "playwright.config.json")
    assert config.browser.visibility == "real" and config.clerk_js.newest in config.clerk_js.versions


def test_an_empty_file_gives_the_defaults(tmp_path):
    config = load_config(write(tmp_path, {}))
    defaults = HarnessConfig()
    assert config.browser == defaults.browser and config.timeouts == defaults.timeouts
    assert config.clerk_js.cache_dir == tmp_path / ".cache/clerk-js" and config.artifacts.dir == tmp_path / "artifacts"
    assert config.artifacts.keep == "on-failure" and config.token_ttl_seconds == 60


def test_values_are_read(tmp_path):
    config = load_config(
        write(
            tmp_path,
            {
                "browser": {
                    "headless": False,
                    "windowSize": [800, 600],
                    "slowMo": 50,
                    "profile": "rtt0",
                    "executablePath": "/opt/chromium",
                },
                "clerkJs": {"versions": ["6.1.0"], "cacheDir": "bundles"},
                "tokenTtlSeconds": 30,
                "artifacts": {"keep": "always"},
            },
        )
    )
    assert (config.browser.headless, config.browser.window_size, config.browser.slow_mo_ms) == (False, (800, 600), 50)
    assert config.browser.profile == "rtt0" and config.browser.executable_path == "/opt/chromium"
    assert config.clerk_js.versions == ["6.1.0"] and config.clerk_js.cache_dir == tmp_path / "bundles"
    assert config.token_ttl_seconds == 30 and config.artifacts.keep == "always"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"browser": {"name": "chromium"}}, "unknown key 'browser.name'"),
        ({"browser": {"headles": True}}, "did you mean 'browser.headless'"),
        ({"tokenTTL": 60}, "unknown key 'tokenTTL'"),
        ({"clerkjs": {}}, "did you mean 'clerkJs'"),
        ({"browser": []}, "browser must be a JSON object"),
        ({"browser": {"headless": "false"}}, "browser.headless must be true or false"),
        ({"browser": {"visibility": "fake"}}, "browser.visibility must be one of 'real', 'synthetic'"),
        ({"browser": {"profile": "stock"}}, "browser.profile must be one of"),
        ({"browser": {"windowSize": [1280]}}, r"browser.windowSize must be \[width, height\]"),
        ({"browser": {"args": "--headless"}}, "browser.args must be a list of strings"),
        ({"clerkJs": {"versions": [6.1]}}, "clerkJs.versions must be a list of strings"),
        ({"tokenTtlSeconds": 20}, "tokenTtlSeconds must be a whole number of at least 21"),
        ({"tokenTtlSeconds": True}, "tokenTtlSeconds must be a whole number"),
        ({"timeouts": {"loadMs": "20s"}}, "timeouts.loadMs must be a whole number"),
        ({"artifacts": {"keep": "sometimes"}}, "artifacts.keep must be one of 'on-failure', 'always', 'never'"),
    ],
)
def test_a_wrong_key_or_value_is_one_line_naming_it(tmp_path, data, message):
    with pytest.raises(HarnessError, match=message) as caught:
        load_config(write(tmp_path, data))
    assert "\n" not in str(caught.value)


def test_unreadable_json_is_one_line(tmp_path):
    path = tmp_path / "playwright.config.json"
    path.write_text("{ browser: }")
    with pytest.raises(HarnessError, match="cannot read"):
        load_config(path)


def test_the_docs_document_every_key():
    section = (ROOT / "docs" / "configuration.md").read_text()
    first_cells = re.findall(r"^\| ([^|]+)\|", section, flags=re.M)
    documented = {key for cell in first_cells for key in re.findall(r"`([A-Za-z.]+)`", cell)}
    assert set(keys()) <= documented, set(keys()) - documented


REAL_SECRET = "sk_live_" + "Ab3dE6gH9jK2mN5pQ8sT1vW4"
REAL_PUBLISHABLE = "pk_test_" + "Y2xlcmsuZXhhbXBsZS5jb20k"  # clerk.example.com$


@pytest.mark.parametrize(
    "name, value", [("CLERK_SECRET_KEY", REAL_SECRET), ("NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY", REAL_PUBLISHABLE)]
)
def test_a_real_clerk_key_in_the_environment_is_refused(tmp_path, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(HarnessError, match=f"{name} holds a real Clerk key, but the harness never talks to Clerk"):
        load_config(write(tmp_path, {}))


def test_the_fakes_own_key_and_other_values_are_not_refused(tmp_path, monkeypatch):
    from clerk_harness_fake.settings import BackendSettings

    monkeypatch.setenv("CLERK_PUBLISHABLE_KEY", BackendSettings().publishable_key)
    monkeypatch.setenv("CLERK_SECRET_KEY", "")
    load_config(write(tmp_path, {}))


def test_a_real_clerk_key_in_the_config_is_refused(tmp_path):
    with pytest.raises(HarnessError, match="'publishableKey' holds a real Clerk key"):
        load_config(write(tmp_path, {"publishableKey": REAL_PUBLISHABLE}))


def test_the_json_schema_file_is_the_config_models():
    """`harness/clerk_harness/config.schema.json` is what the models say; regenerate it with
    `python -m clerk_harness.config > harness/clerk_harness/config.schema.json`."""
    assert json.loads(SCHEMA_FILE.read_text()) == json_schema()


def test_the_schema_takes_the_shipped_file_and_refuses_what_the_loader_refuses(tmp_path):
    import jsonschema

    validator = jsonschema.Draft202012Validator(json_schema())
    assert list(validator.iter_errors(json.loads((ROOT / "playwright.config.json").read_text()))) == []
    for data in (
        {"browser": {"headless": "false"}},
        {"browser": {"headles": True}},
        {"tokenTtlSeconds": 20},
        {"artifacts": {"keep": "sometimes"}},
        {"browser": {"windowSize": [1280]}},
    ):
        assert list(validator.iter_errors(data)), data
        with pytest.raises(HarnessError):
            load_config(write(tmp_path, data))


@pytest.mark.parametrize(
    "data, message",
    [
        ({"browser": {"slow_mo_ms": 5}}, "unknown key 'browser.slow_mo_ms'"),  # the code's spelling is not the file's
        ({"root": "/"}, "unknown key 'root'"),  # set from where the file is, never by it
    ],
)
def test_each_key_has_one_spelling_in_the_file(tmp_path, data, message):
    with pytest.raises(HarnessError, match=message):
        load_config(write(tmp_path, data))
