"""The harness's Chromium flags: one `--disable-features` switch (Chromium reads only the last one), which
keeps the no-egress features, the lean ones and any a user adds in `browser.args`."""

from __future__ import annotations

from clerk_harness.browser.launch import LEAN_FEATURES, NO_EGRESS_FEATURES, harness_flags, with_disabled_features
from clerk_harness.config import BrowserConfig


def disabled(flags: list[str]) -> list[str]:
    switches = [flag for flag in flags if flag.startswith("--disable-features=")]
    assert len(switches) == 1, switches
    return switches[0].split("=", 1)[1].split(",")


def test_one_switch_holds_the_no_egress_and_the_lean_features():
    names = disabled(harness_flags(BrowserConfig()))
    assert set(NO_EGRESS_FEATURES) | set(LEAN_FEATURES) == set(names) and len(names) == len(set(names))


def test_a_users_own_disabled_features_join_the_harness_ones():
    names = disabled(
        harness_flags(BrowserConfig(args=["--disable-features=BackForwardCache,Translate", "--mute-audio"]))
    )
    assert "BackForwardCache" in names and set(NO_EGRESS_FEATURES) <= set(names) and names.count("Translate") == 1
    assert with_disabled_features(["--mute-audio"], "A") == ["--mute-audio", "--disable-features=A"]
