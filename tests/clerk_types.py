"""Clerk's own JSON types as JSON Schema (tools/clerk-types: @clerk/shared's declarations, turned into a
schema by ts-json-schema-generator at set-up), and two checks of an answer against one of them:

- `shape_errors`: what the types declare is there, with the declared type (required fields, nullability,
  literals, enums); fields the types do not know are allowed, as clerk-js ignores them.
- `unsent_fields`: every field the types declare, optional ones too, is in the answer, unless the fake
  leaves it out on purpose (`LEFT_OUT`, each with its reason). A field a newer @clerk/shared adds shows
  up here by name.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft7Validator

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools" / "clerk-types"
SCHEMA = TOOLS / "schema.json"

# Optional fields a production instance of a password-and-email-code app leaves out of these answers.
LEFT_OUT: dict[str, dict[str, str]] = {
    "VerificationJSON": {
        "nonce": "a web3 or passkey challenge; no such strategy is enabled",
        "message": "a web3 signature's message; no such strategy is enabled",
        "external_verification_redirect_url": "an OAuth or SAML redirect; no such strategy is enabled",
        "channel": "a phone code's channel (sms, whatsapp); phone numbers are off",
        "trusted_device_challenge": "experimental, sent only with a trusted-device challenge",
    },
    "SignInJSON": {
        "protect_check": "sent only when Clerk Protect asks for a check; protect has no loaders here",
    },
    "ClientJSON": {
        "captcha_bypass": "sent only to clients that may skip the captcha (test mode)",
    },
    "EnvironmentJSON": {
        "partitioned_cookies": "sent only to instances that opted into partitioned (CHIPS) cookies",
    },
    "ClerkAPIErrorJSON.meta": {
        "*": "each error carries only its own details (a form error its param_name); none carries them all",
    },
    "PublicUserDataJSON": {
        "username": "the user has no username (usernames are off)",
    },
    "AuthConfigJSON": {
        "preferred_channels": "a phone code's preferred channel per country; phone numbers are off",
    },
    "DisplayConfigJSON": {
        "captcha_heartbeat_interval_ms": "sent only with the captcha heartbeat on; captcha is off",
        "google_one_tap_client_id": "sent only with Google One Tap on",
    },
    "ProtectConfigJSON": {
        "challenge_load_timeout_ms": "absent means clerk-js's default, as for an instance that never set it",
        "tokens_invalid_before": "absent until an instance raises it to discard older session tokens",
    },
}

# Where the types are stricter than any answer Clerk sends: the wire sends null, and clerk-js's own
# fromJSON reads null as "none" (each is quoted in docs/fake-backend.md). The fake sends null there.
NULL_ON_THE_WIRE: dict[str, dict[str, str]] = {
    "VerificationJSON": {
        "error": "a verification that did not fail has no error (clerk-js: `e.error ? new Error(e.error) : null`)",
        "verified_at_client": "no other client completed the verification",
    },
    "SessionJSON": {
        "last_active_token": "a session that is no longer active has no token (clerk-js: `e.last_active_token ? "
        "new Token(...) : null`)",
    },
}


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The generated schema, with NULL_ON_THE_WIRE's fields nullable."""
    if not SCHEMA.is_file():
        raise FileNotFoundError(
            f"{SCHEMA} is missing: `make test` installs tools/clerk-types (npm ci) and writes it (npm run schema)"
        )
    whole = json.loads(SCHEMA.read_text())
    for name, fields in NULL_ON_THE_WIRE.items():
        properties = whole["definitions"][name]["properties"]
        for field in fields:
            properties[field] = {"anyOf": [properties[field], {"type": "null"}]}
    return whole


def pinned_version() -> str:
    """The @clerk/shared version tools/clerk-types pins (its lock file)."""
    lock = json.loads((TOOLS / "package-lock.json").read_text())
    return lock["packages"]["node_modules/@clerk/shared"]["version"]


def _open(node: Any) -> Any:
    """The schema with every object open to fields the types do not declare."""
    if isinstance(node, dict):
        return {k: _open(v) for k, v in node.items() if not (k == "additionalProperties" and v is False)}
    if isinstance(node, list):
        return [_open(v) for v in node]
    return node


@cache
def validator(type_name: str) -> Draft7Validator:
    whole = schema()
    return Draft7Validator({"$ref": f"#/definitions/{type_name}", "definitions": _open(whole["definitions"])})


def shape_errors(type_name: str, answer: Any) -> list[str]:
    """`path: message` for each place the answer breaks the declared type."""
    errors = sorted(validator(type_name).iter_errors(answer), key=lambda e: list(e.absolute_path))
    return [f"{type_name}.{'.'.join(map(str, e.absolute_path)) or '(root)'}: {_short(e)}" for e in errors]


def _short(error: Any) -> str:
    if error.validator in ("anyOf", "oneOf") and error.context:
        best = min(error.context, key=lambda e: len(list(e.absolute_path)))
        return f"{best.message[:200]} (and {len(error.context) - 1} other branch(es))"
    return error.message[:300]


def unsent_fields(type_name: str, answer: Any) -> list[str]:
    """`Type.field` (with the place in the answer) for each declared field the answer lacks."""
    missing: list[str] = []
    _walk({"$ref": f"#/definitions/{type_name}"}, answer, type_name, "", missing)
    return missing


def _resolve(node: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    name = None
    while "$ref" in node:
        name = unquote(node["$ref"].rsplit("/", 1)[1])
        node = schema()["definitions"][name]
    return node, name


def _walk(node: dict[str, Any], value: Any, owner: str, where: str, missing: list[str]) -> None:
    node, name = _resolve(node)
    owner = name or owner
    branches = node.get("anyOf") or node.get("oneOf")
    if branches:
        for branch in branches:  # the branch the value has the shape of
            if Draft7Validator({**_open(branch), "definitions": _open(schema()["definitions"])}).is_valid(value):
                _walk(branch, value, owner, where, missing)
                return
        return
    if isinstance(value, dict) and "properties" in node:
        left_out = LEFT_OUT.get(owner, {})
        for field, sub in node["properties"].items():
            if field not in value:
                if field not in left_out and "*" not in left_out:
                    missing.append(f"{owner}.{field} (at {where or 'the top'})")
                continue
            _walk(sub, value[field], f"{owner}.{field}", f"{where}.{field}".lstrip("."), missing)
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for index, item in enumerate(value):
            _walk(node["items"], item, owner, f"{where}[{index}]", missing)
