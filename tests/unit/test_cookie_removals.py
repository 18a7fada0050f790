"""Every source and shape of a `__session` removal is seen, without a browser."""

from __future__ import annotations

import pytest

from clerk_harness.browser.cookie_timeline import CookieTimeline
from clerk_harness.oracle.cookie_events import is_removal

PAST = "Thu, 01 Jan 1970 00:00:00 GMT"
FUTURE = "Fri, 31 Dec 9999 23:59:59 GMT"


@pytest.mark.parametrize(
    "line, removes",
    [
        ("__session=eyJ.a.b; path=/", False),
        (f"__session=eyJ.a.b; expires={FUTURE}; path=/", False),
        ("__session=eyJ.a.b; Max-Age=60", False),
        ("__session=; path=/", True),
        ('__session=""; path=/', True),
        ("__session", True),
        (f"__session=eyJ.a.b; expires={PAST}; path=/", True),
        (f"__session=eyJ.a.b; Expires={PAST}", True),
        ("__session=eyJ.a.b; max-age=0", True),
        ("__session=eyJ.a.b; Max-Age=-1; path=/", True),
        ("__session=eyJ.a.b; max-age=soon", False),  # invalid Max-Age is ignored by browsers
        ("__session=eyJ.a.b; expires=not a date", False),
    ],
)
def test_is_removal(line, removes):
    assert is_removal(line) is removes


class FakeContext:
    """What the timeline reads of a browser context: its cookies."""

    pages: list = []  # no page to flush in-page reports from

    def __init__(self) -> None:
        self.jar: dict[str, str] = {}

    def cookies(self) -> list[dict]:
        return [{"name": k, "value": v} for k, v in self.jar.items()]


class FakeResponse:
    url = "http://127.0.0.1:1/api"

    def __init__(self, *lines: str) -> None:
        self.lines = list(lines)

    def header_values(self, name: str) -> list[str]:
        return self.lines if name == "set-cookie" else []


@pytest.fixture
def timeline() -> CookieTimeline:
    return CookieTimeline(FakeContext())  # type: ignore[arg-type]


def page_write(raw: str, after: str | None, name: str = "__session") -> dict:
    return {
        "source": "document.cookie",
        "name": name,
        "raw": raw,
        "before": "old",
        "after": after,
        "stack": "at setCookie (clerk.browser.js:1:2)",
        "url": "http://127.0.0.1:1/",
    }


@pytest.mark.parametrize(
    "raw, after",
    [
        ("__session=; path=/", None),  # the browser dropped it
        (f"__session=eyJ.a.b; expires={PAST}; path=/", None),
        ("__session=; path=/", ""),  # written empty, still listed
        ("__session=eyJ.a.b; max-age=0", "eyJ.a.b"),  # read back before the jar noticed
    ],
)
def test_document_cookie_removals(timeline, raw, after):
    timeline._on_page_event(None, page_write(raw, after))
    assert [e.source for e in timeline.session_removals()] == ["document.cookie"]
    assert timeline.first_removal().value is None


def test_a_document_cookie_write_is_not_a_removal(timeline):
    timeline._on_page_event(None, page_write(f"__session=eyJ.new; expires={FUTURE}", "eyJ.new"))
    assert timeline.session_removals() == [] and timeline.writes("__session")[0].value == "eyJ.new"


def test_cookie_store_delete_is_a_removal(timeline):
    timeline._on_page_event(None, {"source": "cookieStore", "name": "__session", "raw": "deleted", "after": None})
    timeline._on_page_event(None, {"source": "cookieStore", "name": "__session", "raw": "changed", "after": "t"})
    assert [(e.source, e.action) for e in timeline.events] == [("cookieStore", "remove"), ("cookieStore", "write")]


@pytest.mark.parametrize(
    "line", ["__session=; Path=/", f"__session=x; Expires={PAST}; Path=/", "__session=x; Max-Age=0"]
)
def test_set_cookie_removals(timeline, line):
    timeline._on_response(FakeResponse("other=1", line))  # type: ignore[arg-type]
    assert [(e.source, e.name) for e in timeline.session_removals()] == [("set-cookie", "__session")]


def test_a_suffixed_twin_removal_counts(timeline):
    timeline._on_page_event(None, page_write("__session_Mq3vXyZ1=; path=/", None, name="__session_Mq3vXyZ1"))
    assert [e.name for e in timeline.session_removals()] == ["__session_Mq3vXyZ1"]
    with pytest.raises(AssertionError, match="removed 1 time"):
        timeline.assert_never_removed()


def test_other_cookies_are_not_watched(timeline):
    timeline._on_response(FakeResponse("__client_uat=0; Path=/", "__sessionx=; Path=/"))  # type: ignore[arg-type]
    assert timeline.events == []


def test_the_snapshot_catches_a_removal_no_instrument_saw(timeline):
    timeline.context.jar["__session"] = "eyJ.a.b"
    timeline.snapshot()
    del timeline.context.jar["__session"]
    timeline.log.before_each_mark.append(timeline.catch_up)  # as install() does
    timeline.log.mark("reload")
    assert [(e.source, e.action) for e in timeline.events] == [("snapshot", "write"), ("snapshot", "remove")]
    assert timeline.assert_removed().source == "snapshot"


def test_removing_a_variant_the_page_never_read_changes_nothing(timeline):
    """With partitioned cookies clerk-js removes every other variant (unpartitioned, each SameSite) before each
    write, whether one is there or not: the page reads the same cookie after as before, and nothing was lost."""
    event = page_write(f"__session=; expires={PAST}; path=/; sameSite=Lax", "old")
    timeline._on_page_event(None, event)
    timeline._on_page_event(None, {**event, "before": None, "after": None})  # none there, none after
    assert timeline.events == []


def test_on_a_partitioned_instance_a_twin_removed_while_one_stays_is_no_loss(timeline):
    """The unpartitioned pair removed once the environment answers late (clerk/javascript#9286): the page
    still reads the partitioned one, whose token differs. Elsewhere the same reading is a removal the jar
    had not caught up with yet."""
    twin_gone = page_write(f"__session=; expires={PAST}; path=/; sameSite=Lax", "eyJ.partitioned")
    timeline._on_page_event(None, twin_gone)
    assert [e.action for e in timeline.events] == ["remove"]
    partitioned = CookieTimeline(FakeContext(), variants_may_stay=True)  # type: ignore[arg-type]
    partitioned._on_page_event(None, twin_gone)
    assert partitioned.events == []
    partitioned._on_page_event(None, page_write(f"__session=; expires={PAST}; path=/", None))  # the last one goes
    assert [e.action for e in partitioned.session_removals()] == ["remove"]
