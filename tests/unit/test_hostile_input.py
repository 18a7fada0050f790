"""A corpus of malformed and hostile requests against the fake FAPI, the app and the control API: each
gets a Clerk-shaped 4xx (never a 5xx, never a traceback), and the server stays healthy after all of them."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from clerk_harness_fake import BackendSettings, FakeClerk, create_app
from clerk_harness_fake.faults import compile_pattern
from clerk_harness_fake.middleware import MAX_BODY, MAX_TARGET

FORM = {"content-type": "application/x-www-form-urlencoded"}
JSON = {"content-type": "application/json"}
BIG = "a" * (MAX_BODY + 1)
TOKENS = "/__clerk/v1/client/sessions/{sid}/tokens"

# (method, path, request kwargs, expected status or None for any 4xx)
CORPUS = [
    # --- the fake FAPI ---
    ("POST", "/__clerk/v1/client/sign_ins", {"json": {"identifier": "x"}}, None),
    ("POST", "/__clerk/v1/client/sign_ins", {"content": b"identifier=%ff%fe&password=", "headers": FORM}, None),
    ("POST", "/__clerk/v1/client/sign_ins", {"data": {"identifier": "nobody@example.test", "password": "x"}}, None),
    ("POST", "/__clerk/v1/client/sign_ins", {"data": {"identifier": "", "password": ""}}, None),
    ("POST", "/__clerk/v1/client/sign_ins", {"content": b"\x00\x01\x02", "headers": FORM}, None),
    ("POST", "/__clerk/v1/client/sign_ins", {"content": BIG.encode(), "headers": FORM}, 413),
    ("POST", "/__clerk/v1/client/sign_ins", {"data": {"identifier": "a" * 5000 + "@x.test", "password": "p"}}, None),
    ("POST", "/__clerk/v1/client/sessions/%00/tokens", {}, None),
    ("POST", "/__clerk/v1/client/sessions/../../etc/passwd/tokens", {}, None),
    ("POST", "/__clerk/v1/client/sessions/sess_unknown/tokens", {}, 401),
    ("POST", "/__clerk/v1/client/sessions/sess_unknown/tokens/some-template", {}, 401),
    ("POST", "/__clerk/v1/client/sessions/sess_unknown/touch", {}, None),
    ("POST", "/__clerk/v1/client/sessions/sess_unknown/end", {}, None),
    ("POST", "/__clerk/v1/client/sessions/sess_unknown/remove", {}, None),
    ("POST", "/__clerk/v1/client/sessions?_method=BOGUS", {}, 405),
    ("GET", "/__clerk/v1/client/sessions/x/tokens", {}, 405),
    ("DELETE", "/__clerk/v1/environment", {}, 405),
    ("PUT", "/__clerk/v1/client/sign_ins", {}, 405),
    ("GET", "/__clerk/v1/no/such/route", {}, 404),
    ("GET", "/__clerk/nothing", {}, 404),
    ("GET", "/__clerk/v1/client?" + "q=" * (MAX_TARGET // 2), {}, 414),
    ("GET", "/__clerk/v1/" + "x" * (MAX_TARGET + 1), {}, 414),
    ("POST", "/__clerk/v1/client", {"json": [1, 2, 3]}, None),
    ("POST", "/__clerk/v1/client/sign_ins?_method=DELETE", {}, 405),
    ("POST", "/__clerk/v1/client/sign_ins", {"content": b"{", "headers": JSON}, None),
    # --- the app ---
    ("GET", "/?clerk_js=1.2.3&instance=prod", {}, None),
    ("GET", "/?clerk_js=../../etc/passwd", {}, None),
    ("GET", "/?clerk_js=" + "9" * 300, {}, None),
    ("GET", "/clerk-js/6.1.0/../../../../etc/passwd", {}, None),
    ("GET", "/clerk-js/not-a-version/clerk.browser.js", {}, None),
    ("GET", "/clerk-js/9.9.9/clerk.browser.js", {}, None),
    ("POST", "/", {}, 405),
    ("POST", "/api/me", {}, 405),
    ("GET", "/api/me?x=" + "y" * (MAX_TARGET + 1), {}, 414),
    ("GET", "/", {"content": BIG.encode()}, 413),
    ("GET", "/nothing-here", {}, 404),
    ("DELETE", "/api/me", {}, 405),
    (
        "OPTIONS",
        "/__clerk/v1/client",
        {"headers": {"origin": "http://evil.test", "access-control-request-method": "POST"}},
        400,
    ),
    # --- inputs that once ended in a 500 (issue 25): a NUL in a bundle path, a redirect_url Python's URL
    # parser rejects or that is no ASCII origin ---
    ("GET", "/__clerk/npm/@clerk/clerk-js@6/dist/%00", {}, 404),
    ("GET", "/clerk-js/6.1.0/clerk.browser.js%00.png", {}, 404),
    ("GET", "/clerk-js/6.1.0%0a/clerk.browser.js", {}, 404),
    ("GET", "/__clerk/v1/client/handshake?redirect_url=http://[::1/", {}, 400),
    ("GET", "/__clerk/v1/client/handshake?redirect_url=http://[evil.test]:80/", {}, 400),
    ("GET", "/__clerk/v1/client/handshake?redirect_url=http://127.0.0.1%EF%BC%8F@evil.test/", {}, 400),
    ("GET", "/__clerk/v1/client/handshake?redirect_url=http://127.0.0.1:%D9%A8%D9%A8%D9%A1%D9%A1/", {}, 400),
    ("GET", "/__clerk/v1/client/handshake?redirect_url=http://127.0.0.1:99999/", {}, 400),
    # --- the control API ---
    ("GET", "/__harness/journal?since=-4", {}, None),
    ("GET", "/__harness/journal?since=abc", {}, None),
    ("GET", "/__harness/journal/wait?count=zero", {}, None),
    ("GET", "/__harness/journal/wait?path=no-slash", {}, None),
    ("GET", "/__harness/journal/wait?path=/" + "x" * 600, {}, None),
    ("GET", "/__harness/journal/wait?timeout=1000", {}, None),
    ("GET", "/__harness/journal/wait?path=/v1/never&timeout=0.01", {}, 408),
    ("POST", "/__harness/clock/advance", {"json": {"seconds": "soon"}}, None),
    ("POST", "/__harness/clock/advance", {"json": {"seconds": -5}}, None),
    ("POST", "/__harness/clock/advance", {"json": {"seconds": 1e308}}, None),
    ("POST", "/__harness/faults", {"json": {"path": "no-slash", "action": "drop"}}, None),
    ("POST", "/__harness/faults", {"json": {"path": "/" + "a/" * 5_000_000, "action": "drop"}}, 413),
    ("POST", "/__harness/faults", {"json": {"path": "/" + "a" * 600, "action": "drop"}}, 422),
    ("POST", "/__harness/faults", {"json": {"path": "/v1/client", "action": "explode"}}, None),
    ("POST", "/__harness/faults", {"json": {"path": "/v1/client", "action": "error"}}, None),
    ("POST", "/__harness/faults", {"json": {"path": "/v1/client", "action": "error", "status": 418}}, None),
    ("POST", "/__harness/faults", {"json": {"path": "/v1/client", "action": "latency", "delay_s": 0}}, None),
    ("POST", "/__harness/faults", {"json": {"path": "/v1/client", "action": "drop", "times": 0}}, None),
    ("POST", "/__harness/faults", {"json": {"path": "/v1/client", "action": "drop", "method": "BREW"}}, None),
    ("POST", "/__harness/faults", {"content": b"{not json", "headers": JSON}, 400),
    ("POST", "/__harness/faults", {"json": "just a string"}, None),
    ("POST", "/__harness/faults/abc/release", {}, None),
    ("POST", "/__harness/faults/999/release", {}, 404),
    ("DELETE", "/__harness/faults/999", {}, 404),
    ("POST", "/__harness/users", {"json": {"email": "a" * 300 + "@example.test"}}, 422),
    ("POST", "/__harness/users", {"json": {"email": "not-an-email"}}, 422),
    ("POST", "/__harness/users", {"json": {"email": "ada@example.test", "password": "p" * 1000}}, 422),
    ("POST", "/__harness/users", {"content": BIG.encode(), "headers": JSON}, 413),
    ("POST", "/__harness/sessions/nope/revoke", {}, 404),
    # --- loose types, once taken (issue 25) ---
    ("POST", "/__harness/clock/advance", {"json": {"seconds": True}}, 422),
    ("POST", "/__harness/faults", {"json": {"path": "/v1/client", "action": "error", "status": "500"}}, 422),
    ("POST", "/__harness/faults", {"json": {"path": "/v1/client", "action": "drop", "times": 10**30}}, 422),
    (
        "POST",
        "/__harness/faults",
        {"json": {"path": "/v1/client", "action": "error", "status": 500, "code": "a\r\nSet-Cookie: x=1"}},
        422,
    ),
    ("POST", "/__harness/users", {"json": {"email": "a\u0000b@example.test"}}, 422),
    ("GET", "/__harness/health", {"headers": {"content-length": "999999999"}}, 413),
    ("DELETE", "/__harness/health", {}, 405),
    ("PUT", "/__harness/nothing", {}, 404),
]


def test_the_corpus_is_large():
    assert len(CORPUS) >= 50


@pytest.fixture(scope="module")
def shared_http(tmp_path_factory) -> Iterator[TestClient]:
    """One fake for the whole corpus (a fresh one costs a key pair and an app): each hostile request is
    independent, and the test below checks that a single server stays healthy after all of them."""
    cache = tmp_path_factory.mktemp("cache")
    (cache / "6.1.0" / "dist").mkdir(parents=True)
    (cache / "6.1.0" / "dist" / "clerk.browser.js").write_text("window.Clerk = {};")
    clerk = FakeClerk(BackendSettings(clerk_js_version="6.1.0", clerk_js_cache=cache, token_ttl_seconds=60))
    clerk.origin = "http://testserver"
    with TestClient(create_app(clerk), base_url="http://testserver") as client:
        yield client


@pytest.mark.parametrize("method, path, kwargs, status", CORPUS, ids=[f"{m} {p[:60]}" for m, p, _, _ in CORPUS])
def test_hostile_input_gets_a_clerk_shaped_4xx(shared_http, method, path, kwargs, status):
    answer = shared_http.request(method, path, **kwargs)
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    if status is not None:
        assert answer.status_code == status, answer.text[:300]
    body = answer.json()
    assert body["errors"][0]["code"] and body["errors"][0]["message"] and "clerk_trace_id" in body
    assert "Traceback" not in answer.text and len(answer.text) < 4000


def test_the_server_is_healthy_after_the_whole_corpus(http, user):
    for method, path, kwargs, _ in CORPUS:
        http.request(method, path, **kwargs)
    http.delete("/__harness/faults")
    assert http.get("/__harness/health").json()["ok"]
    signed_in = http.post("/__clerk/v1/client/sign_ins", data={"identifier": user.email, "password": user.password})
    session_id = signed_in.json()["response"]["created_session_id"]
    assert http.post(TOKENS.format(sid=session_id)).json()["jwt"]


def test_a_wrong_method_names_the_allowed_ones(http):
    answer = http.get("/__clerk/v1/client/sign_ins")
    assert answer.status_code == 405 and answer.headers["allow"] == "POST"
    for method, path in (("POST", "/"), ("DELETE", "/api/me"), ("PUT", "/__harness/health")):
        answer = http.request(method, path)
        assert answer.status_code == 405 and answer.headers.get("allow"), (method, path)


def test_the_journal_is_bounded_and_says_how_many_entries_it_let_go(monkeypatch):
    from clerk_harness_fake import journal

    monkeypatch.setattr(journal, "MAX_ENTRIES", 5)
    book = journal.RequestJournal()
    for _ in range(8):
        book.record(method="GET", path="/x", query={"q": "y" * 9000}, status=200, started=0)
    assert [e.seq for e in book.entries()] == [4, 5, 6, 7, 8] and book.dropped == 3 and book.last_seq == 8
    assert len(book.entries()[0].query["q"]) == journal.MAX_QUERY_VALUE


def test_a_wrapped_token_fault_on_a_route_without_json_is_skipped_and_noted(http, user):
    """A bundle, a page or a redirect has no JSON to wrap: it is answered as usual and the journal says why
    (it used to be a 500 on a bundle, and a 307 without a Location on the handshake)."""
    http.post("/__harness/faults", json={"path": "/**", "action": "wrapped_token"})
    bundle = http.get("/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js")
    assert bundle.status_code in (200, 404) and "Traceback" not in bundle.text
    shake = http.get(
        "/__clerk/v1/client/handshake", params={"redirect_url": "http://127.0.0.1:9/"}, follow_redirects=False
    )
    assert shake.status_code == 307 and shake.headers["location"].startswith("http://127.0.0.1:9/")
    notes = [e["note"] for e in http.get("/__harness/journal").json()["entries"] if "handshake" in e["path"]]
    assert any("wrapped_token skipped" in note for note in notes), notes
    http.delete("/__harness/faults")


def test_double_star_matches_any_number_of_segments_anywhere():
    regex = compile_pattern("/v1/**/tokens")
    assert regex.match("/__clerk/v1/client/sessions/s/tokens") and regex.match("/__clerk/v1/tokens")
    assert not regex.match("/__clerk/v1/client/sessions/s/touch")
    with pytest.raises(ValueError, match="at most 512"):
        compile_pattern("/" + "a" * 600)


@pytest.mark.parametrize("cookie", ["not.a.jwt", "A" * 4000, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0.", "%00"])
def test_the_app_api_answers_a_forged_session_with_401(http, cookie):
    answer = http.get("/api/me", headers={"cookie": f"__session={cookie}"})
    assert answer.status_code == 401 and answer.json()["state"] != "signed_in"


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    parts=st.lists(st.sampled_from(["**", "*", "a", "v1"]), min_size=1, max_size=120),
    depth=st.integers(min_value=0, max_value=80),
)
def test_matching_a_pattern_takes_linear_time_whatever_its_stars(parts, depth):
    """Each `**` was a backtracking regex group: nine in a row took 1.25 s on a 20-segment path, on the
    event loop. Matching now walks the segments once per pattern position."""
    pattern = compile_pattern(("/" + "/".join(parts))[:500] + "/nomatch")
    started = time.perf_counter()
    pattern.match("/__clerk" + "/a" * depth)
    assert time.perf_counter() - started < 0.05


def test_the_worst_accepted_pattern_leaves_the_fake_answering(http):
    worst = "/" + "/".join(["**"] * 170) + "/x"  # 512 characters, the longest the API accepts, all `**`
    assert len(worst) == 512
    assert http.post("/__harness/faults", json={"path": worst, "action": "drop"}).status_code == 201
    started = time.perf_counter()
    assert http.get("/__clerk/v1/" + "/".join(["a"] * 60)).status_code == 404
    assert http.get("/__harness/health").json()["ok"]
    assert time.perf_counter() - started < 0.2
    http.delete("/__harness/faults")
