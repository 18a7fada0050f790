"""The catalogue's scenarios surveyed in an engine beyond Chromium and Firefox (whose ranges are surveyed for
every scenario): `Scenario.measured_in` reads it, and `clerk-harness list` shows `unmeasured` elsewhere."""

from __future__ import annotations

# Surveyed in WebKit over every release from 5.0.0 to 6.40.0 (2026-12-07, `survey --browser webkit`, each
# edge confirmed three times on each side; two-part ranges span by span): the same ranges as Chromium's.
# handshake-payload-down and next-soft-navigation (the SDKs' losses, on any clerk-js): the Express and the
# Next.js examples in the production topology, on 5.125.13, 6.0.0 and 6.40.0, as in Chromium and Firefox;
# server-clock-behind and server-clock-ahead (the SDK's too) against the Express example on the same
# releases (2026-12-07).
SURVEYED: dict[str, frozenset[str]] = {
    "webkit": frozenset(
        {
            "offline-reload",
            "offline-gettoken",
            "offline-visibility",
            "clock-fast",
            "sleep-wake",
            "minter-stale-token",
            "signout-control",
            "offline-aging",
            "reload-fapi-down",
            "reload-rate-limited",
            "empty-token",
            "rate-limit-signout",
            "minter-outage",
            "minter-outage-403",
            "minter-outage-503",
            "expired-token-retry",
            "itp-week-away",
            "revoked-control",
            "multi-tab",
            "dev-instance",
            "clock-slow",
            "api-down",
            "bfcache-restore",
            "focus-multi-tab",
            "offline-online-race",
            "handshake-payload-down",
            "next-soft-navigation",
            "server-clock-behind",
            "server-clock-ahead",
        }
    )
}
