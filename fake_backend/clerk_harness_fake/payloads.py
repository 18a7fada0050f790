"""JSON shapes of the Frontend API resources: those @clerk/shared's JSON types declare, with the values of the
instance modelled_instance.py describes. Timestamps are milliseconds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clerk_harness_fake.modelled_instance import DEFAULT_THEME, verification
from clerk_harness_fake.settings import BackendSettings
from clerk_harness_fake.state import Client, Session, State, User, new_id

TokenMinter = Callable[[Session], str]


def environment_json(
    settings: BackendSettings,
    *,
    development: bool | None = None,
    session_minter: bool = False,
    partitioned_cookies: bool = False,
) -> dict[str, Any]:
    development = settings.instance == "test" if development is None else development
    urls = {
        "home_url": "/",
        "sign_in_url": "/",
        "sign_up_url": "/",
        "user_profile_url": "/",
        "after_sign_in_url": "/",
        "after_sign_up_url": "/",
        "after_sign_out_one_url": "/",
        "after_sign_out_all_url": "/",
        "after_switch_session_url": "/",
        "organization_profile_url": "/",
        "create_organization_url": "/",
        "after_leave_organization_url": "/",
        "after_create_organization_url": "/",
    }
    disabled = {
        "enabled": False,
        "required": False,
        "used_for_first_factor": False,
        "first_factors": [],
        "used_for_second_factor": False,
        "second_factors": [],
        "verifications": [],
        "verify_at_sign_up": False,
    }
    return {
        "object": "environment",
        "id": "env_harness",
        "auth_config": {
            "object": "auth_config",
            "id": "aac_harness",
            "single_session_mode": True,
            "claimed_at": None,
            "reverification": False,
            # clerk-js's default: with True it sends its last token along in each token request
            "session_minter": session_minter,
            "native_settings": None,
        },
        "display_config": {
            "object": "display_config",
            "id": "display_config_harness",
            "instance_environment_type": "development" if development else "production",
            "application_name": settings.application_name,
            "theme": DEFAULT_THEME,
            "preferred_sign_in_strategy": "password",
            "logo_image_url": "",
            "favicon_image_url": "",
            "branded": False,
            "support_email": "",
            "clerk_js_version": settings.clerk_js_version,
            "captcha_public_key": None,
            "captcha_widget_type": None,
            "captcha_provider": "turnstile",
            "captcha_public_key_invisible": None,
            "captcha_oauth_bypass": [],
            "captcha_heartbeat": False,
            "show_devmode_warning": False,
            "terms_url": "",
            "privacy_policy_url": "",
            "waitlist_url": "/",
            "after_join_waitlist_url": "/",
            **urls,
        },
        "user_settings": {
            "attributes": {
                "email_address": {
                    "enabled": True,
                    "required": True,
                    "used_for_first_factor": True,
                    "first_factors": ["email_code"],
                    "used_for_second_factor": False,
                    "second_factors": [],
                    "verifications": ["email_code"],
                    "verify_at_sign_up": True,
                },
                "password": {**disabled, "enabled": True, "required": True},
                "phone_number": disabled,
                "username": disabled,
                "web3_wallet": disabled,
                "first_name": disabled,
                "last_name": disabled,
                "authenticator_app": disabled,
                "backup_code": disabled,
                "passkey": disabled,
            },
            "social": {},
            "saml": {"enabled": False},
            "enterprise_sso": {"enabled": False},
            "sign_in": {"second_factor": {"required": False}},
            "sign_up": {
                "captcha_enabled": False,
                "captcha_widget_type": None,
                "custom_action_required": False,
                "progressive": True,
                "mode": "public",
                "legal_consent_enabled": False,
            },
            "restrictions": {
                "allowlist": {"enabled": False},
                "blocklist": {"enabled": False},
                "block_email_subaddresses": {"enabled": False},
                "block_disposable_email_domains": {"enabled": False},
                "ignore_dots_for_gmail_addresses": {"enabled": False},
            },
            "password_settings": {
                "disable_hibp": False,
                "min_length": 8,
                "max_length": 72,
                "require_special_char": False,
                "require_numbers": False,
                "require_uppercase": False,
                "require_lowercase": False,
                "show_zxcvbn": False,
                "min_zxcvbn_strength": 0,
                "enforce_hibp_on_sign_in": False,
                "allowed_special_characters": "",
            },
            "username_settings": {"min_length": 4, "max_length": 64},
            "actions": {"delete_self": True, "create_organization": False},
            "attack_protection": {
                "user_lockout": {"enabled": False, "max_attempts": 100, "duration_in_minutes": 60},
                "pii": {"enabled": False},
                "email_link": {"require_same_client": False},
                "enumeration_protection": {"enabled": False},
            },
            "passkey_settings": {"allow_autofill": False, "show_sign_in_button": False},
        },
        "organization_settings": {
            "enabled": False,
            "max_allowed_memberships": 5,
            "force_organization_selection": False,
            "actions": {"admin_delete": True},
            "domains": {"enabled": False, "enrollment_modes": [], "default_role": None},
        },
        "commerce_settings": {
            "object": "commerce_settings",
            "id": "commerce_settings_harness",
            "billing": {
                "stripe_publishable_key": None,
                "organization": {"enabled": False, "has_paid_plans": False},
                "user": {"enabled": False, "has_paid_plans": False},
            },
        },
        "api_keys_settings": {
            "object": "api_keys_settings",
            "id": "api_keys_settings_harness",
            "user_api_keys_enabled": False,
            "orgs_api_keys_enabled": False,
        },
        "protect_config": {"object": "protect_config", "id": "protect_harness", "loaders": []},
        "maintenance_mode": False,
        "client_debug_mode": False,
        "partitioned_cookies": partitioned_cookies,
    }


def user_json(user: User, *, last_sign_in_at_ms: int | None = None) -> dict[str, Any]:
    email = {
        "object": "email_address",
        "id": user.email_id,
        "email_address": user.email,
        "verification": verification("email_code", user.created_at_ms),
        "linked_to": [],
        "matches_sso_connection": False,
        "reserved": False,
        "created_at": user.created_at_ms,
        "updated_at": user.created_at_ms,
    }
    return {
        "object": "user",
        "id": user.id,
        "external_id": None,
        "username": None,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "image_url": "",
        "has_image": False,
        "profile_image_id": "",
        "timezone": None,
        "create_organizations_limit": None,
        "primary_email_address_id": user.email_id,
        "primary_phone_number_id": None,
        "primary_web3_wallet_id": None,
        "password_enabled": True,
        "two_factor_enabled": False,
        "totp_enabled": False,
        "backup_code_enabled": False,
        "email_addresses": [email],
        "phone_numbers": [],
        "web3_wallets": [],
        "passkeys": [],
        "external_accounts": [],
        "saml_accounts": [],
        "enterprise_accounts": [],
        "organization_memberships": [],
        "public_metadata": {},
        "unsafe_metadata": {},
        "last_sign_in_at": last_sign_in_at_ms,
        "banned": False,
        "locked": False,
        "lockout_expires_in_seconds": None,
        "verification_attempts_remaining": 100,
        "delete_self_enabled": True,
        "create_organization_enabled": False,
        "legal_accepted_at": None,
        "mfa_enabled_at": None,
        "mfa_disabled_at": None,
        "created_at": user.created_at_ms,
        "updated_at": user.created_at_ms,
        "last_active_at": last_sign_in_at_ms,
    }


def session_json(session: Session, user: User, token: str | None) -> dict[str, Any]:
    return {
        "object": "session",
        "id": session.id,
        "status": session.status,
        "expire_at": session.expire_at_ms,
        "abandon_at": session.expire_at_ms,
        "last_active_at": session.last_active_at_ms,
        "last_active_token": token_json(token) if token else None,  # none for a session no longer active
        "last_active_organization_id": None,
        "actor": None,
        "tasks": None,
        "factor_verification_age": [0, -1],
        "user": user_json(user, last_sign_in_at_ms=session.created_at_ms),
        "public_user_data": {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "image_url": "",
            "has_image": False,
            "identifier": user.email,
            "user_id": user.id,
            "banned": False,
            "deprovisioned": False,
        },
        "created_at": session.created_at_ms,
        "updated_at": session.last_active_at_ms,
    }


def client_json(client: Client, state: State, mint: TokenMinter) -> dict[str, Any]:
    """Every active session gets a fresh `last_active_token`: clerk-js empties `__session` without one."""
    sessions = []
    for session in state.client_sessions(client):
        user = state.users[session.user_id]
        token = mint(session) if session.status == "active" else None
        sessions.append(session_json(session, user, token))
    return {
        "object": "client",
        "id": client.id,
        "sessions": sessions,
        "sign_in": None,
        "sign_up": None,
        "last_active_session_id": client.last_active_session_id,
        "last_authentication_strategy": "password" if sessions else None,
        "cookie_expires_at": None,
        "captcha_bypass": False,
        "created_at": client.created_at_ms,
        "updated_at": client.updated_at_ms,
    }


def sign_in_json(identifier: str, session: Session, user: User, now_ms: int) -> dict[str, Any]:
    """A password sign-in that completed at once (no second factor is on)."""
    return {
        "object": "sign_in",
        "id": new_id("sia"),
        "status": "complete",
        "supported_identifiers": ["email_address"],
        "supported_first_factors": [
            {"strategy": "password"},
            {
                "strategy": "email_code",
                "safe_identifier": identifier,
                "email_address_id": user.email_id,
                "primary": True,
            },
        ],
        "supported_second_factors": [],
        "sso_bypass_first_factors": [],
        "first_factor_verification": verification("password", now_ms),
        "second_factor_verification": None,
        "identifier": identifier,
        "user_data": {"first_name": user.first_name, "last_name": user.last_name, "image_url": "", "has_image": False},
        "created_session_id": session.id,
        "client_trust_state": "known",
        "timezone": None,
        "abandon_at": now_ms + 24 * 3600 * 1000,
        "created_at": now_ms,
        "updated_at": now_ms,
    }


def token_json(jwt: str) -> dict[str, Any]:
    return {"object": "token", "id": new_id("tok"), "jwt": jwt}
