"""A scenario: a short story, and the clerk-js versions known to lose the session in it.

The catalogue (`stories/scenarios.py`) registers each story with the `scenario` decorator.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import semantic_version

from clerk_harness.errors import HarnessError
from clerk_harness.stories.story import Story
from clerk_harness.stories.surveys import SURVEYED


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    reference: str
    lost_on: str  # npm semver range of clerk-js versions known to lose the session here ("" = none)
    story: Callable[[Story], None]
    instance: str = "live"  # "test": a development instance (pk_test_ key)
    lost_on_unrealistic: str | None = None  # the range under the webdriver/rtt0 profiles, when it differs
    # the range in another engine, where it was measured to differ from Chromium's: {"firefox": "<6.1.0"}
    lost_on_by_engine: tuple[tuple[str, str], ...] = ()
    session_minter: bool | None = None  # True/False: the instance the story needs; None: the run's setting
    needs_app: bool = False  # the story needs a user's app with a Clerk SDK server (the built-in page has none)
    partitioned_cookies: bool | None = None  # True/False: the instance the story needs; None: the run's setting
    real_focus: bool = False  # windows that take the focus from each other: Chromium runs headed (stories/focus.py)
    not_in: tuple[tuple[str, str], ...] = ()  # engines the story cannot run in yet, each with the reason
    browser_clock: bool = False  # the story moves the browser's own wall clock (WebKit under libfaketime)

    def check_runnable(self, *, with_app: bool, engines: Sequence[str] = ("chromium",)) -> None:
        """A scenario that needs a user's app (an SDK server) cannot run on the built-in page, nor one in none
        of `engines` (those it cannot run in yet): say so. (In several engines, the others' runs say why.)"""
        reasons = [f"{engine}: {dict(self.not_in)[engine]}" for engine in engines if engine in dict(self.not_in)]
        if len(reasons) == len(engines):
            raise HarnessError(f"{self.id} does not run in {', '.join(engines)} yet ({'; '.join(reasons)})")
        if self.needs_app and not with_app:
            raise HarnessError(
                f"{self.id} needs your app with a Clerk SDK server (the built-in page has none): "
                f"give --app-cmd, or app.command in playwright.config.json"
            )

    def range_for(self, engine: str = "chromium") -> str:
        """The range measured in `engine`; where it was never measured (WebKit, for most scenarios), Chromium's,
        as the best guess (`measured_in` tells which)."""
        return dict(self.lost_on_by_engine).get(engine, self.lost_on)

    def measured_in(self, engine: str) -> bool:
        """Chromium's and Firefox's ranges are measured for every scenario; WebKit's where it was surveyed (the
        surveys' table) or measured to differ."""
        return (
            engine in MEASURED_EVERYWHERE
            or self.id in SURVEYED.get(engine, frozenset())  # stories/surveys.py
            or engine in dict(self.lost_on_by_engine)
        )

    def expected(self, version: str, profile: str = "realistic", engine: str = "chromium") -> str:
        spec = (
            self.range_for(engine)
            if profile == "realistic" or self.lost_on_unrealistic is None
            else self.lost_on_unrealistic
        )
        if not spec:
            return "survived"
        return "lost" if semantic_version.NpmSpec(spec).match(semantic_version.Version(version)) else "survived"


MEASURED_EVERYWHERE = ("chromium", "firefox")  # the engines every scenario's range was surveyed in
CATALOGUE: dict[str, Scenario] = {}


def scenario(
    id: str,
    title: str | None = None,
    reference: str = "",
    lost_on: str = "",
    instance: str = "live",
    lost_on_unrealistic: str | None = None,
    lost_on_by_engine: dict[str, str] | None = None,
    session_minter: bool | None = None,
    needs_app: bool = False,
    partitioned_cookies: bool | None = None,
    real_focus: bool = False,
    not_in: dict[str, str] | None = None,
    browser_clock: bool = False,
) -> Callable[[Callable[[Story], None]], Callable[[Story], None]]:
    """Register a story in the catalogue under `id`, with the versions known to lose in it.

    The title is the story's docstring's first paragraph unless given: the story then reads as its title.
    """

    def register(story: Callable[[Story], None]) -> Callable[[Story], None]:
        CATALOGUE[id] = Scenario(
            id,
            title or title_of(story),
            reference,
            lost_on,
            story,
            instance,
            lost_on_unrealistic,
            tuple(sorted((lost_on_by_engine or {}).items())),
            session_minter,
            needs_app,
            partitioned_cookies,
            real_focus,
            tuple(sorted((not_in or {}).items())),
            browser_clock,
        )
        return story

    return register


def title_of(story: Callable[[Story], None]) -> str:
    """The first paragraph of the story's docstring, on one line and without its full stop."""
    paragraph = inspect.cleandoc(story.__doc__ or "").split("\n\n")[0]
    if not paragraph:
        raise HarnessError(f"the scenario {story.__name__} needs a title: give one, or a docstring")
    return " ".join(paragraph.split()).removesuffix(".")
