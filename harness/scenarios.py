"""The scenario catalogue: each scenario is a short story plus the clerk-js versions known to lose in it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import semantic_version

from harness.errors import HarnessError
from harness.story import Story


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    reference: str
    lost_on: str  # npm semver range of clerk-js versions known to lose the session here ("" = none)
    story: Callable[[Story], None]

    def expected(self, version: str) -> str:
        if not self.lost_on:
            return "survived"
        return "lost" if semantic_version.NpmSpec(self.lost_on).match(semantic_version.Version(version)) else "survived"


CATALOGUE: dict[str, Scenario] = {}


def scenario(id: str, title: str, reference: str, lost_on: str) -> Callable[[Callable[[Story], None]], Callable[[Story], None]]:
    def register(story: Callable[[Story], None]) -> Callable[[Story], None]:
        CATALOGUE[id] = Scenario(id, title, reference, lost_on, story)
        return story
    return register


def get_scenario(id: str) -> Scenario:
    try:
        return CATALOGUE[id]
    except KeyError:
        raise HarnessError(f"unknown scenario {id!r}; known: {', '.join(sorted(CATALOGUE))}") from None


@scenario("offline-reload", "Offline while the token ages past its refresh point, then back online and reload",
          "clerk/javascript#7912", lost_on="<6.1.0")
def offline_reload(story: Story) -> None:
    story.sign_in()
    story.go_offline()
    story.let_token_age_past_refresh()
    story.come_back_online()
    story.call_the_api()
    story.reload()


@scenario("offline-reload-gettoken", "Offline, the app calls getToken() (cache cleared), back online and reload",
          "clerk/javascript#7912", lost_on="<6.1.0")
def offline_reload_gettoken(story: Story) -> None:
    story.sign_in()
    story.go_offline()
    story.ask_for_a_token()
    story.come_back_online()
    story.call_the_api()
    story.reload()


@scenario("offline-visibility", "Offline, the refresh fails, the tab is hidden and shown (offline, then online)",
          "clerk/javascript#7912", lost_on="<6.1.0")
def offline_visibility(story: Story) -> None:
    story.sign_in()
    story.go_offline()
    story.let_token_age_past_refresh()
    story.hide_and_show()
    story.come_back_online()
    story.hide_and_show()
    story.call_the_api()
    story.reload()


@scenario("signout-control", "Negative control: the user signs out; the oracle must report the loss",
          "harness self-check", lost_on="*")
def signout_control(story: Story) -> None:
    story.sign_in()
    story.sign_out()
    story.call_the_api()
