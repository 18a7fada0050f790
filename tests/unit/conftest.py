from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from clerk_harness_fake import BackendSettings, FakeClerk, create_app, signing_keys
from clerk_harness_fake.backend import TestUser


@pytest.fixture(autouse=True, scope="session")
def one_signing_key_for_every_fake() -> Iterator[None]:
    """Every fake made in these tests signs with one RSA key, generated once: making a key for each of the
    75-odd fakes cost about 5 s of CPU (64 ms each). No test here depends on two fakes having different keys."""
    key = signing_keys.new_key()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(signing_keys, "new_key", lambda: key)
        yield


@pytest.fixture
def clerk(tmp_path) -> FakeClerk:
    cache = tmp_path / "cache"
    (cache / "6.1.0" / "dist").mkdir(parents=True)
    (cache / "6.1.0" / "dist" / "clerk.browser.js").write_text("window.Clerk = {};")
    return FakeClerk(BackendSettings(clerk_js_version="6.1.0", clerk_js_cache=cache, token_ttl_seconds=60))


@pytest.fixture
def http(clerk: FakeClerk) -> Iterator[TestClient]:
    clerk.origin = "http://testserver"
    with TestClient(create_app(clerk), base_url="http://testserver") as client:
        yield client


@pytest.fixture
def user(clerk: FakeClerk) -> TestUser:
    return clerk.create_user("ada@example.test", "s3cret-pass")


@pytest.fixture
def signed_in(http: TestClient, user: TestUser) -> str:
    """Sign in like clerk-js does; return the session id."""
    answer = http.post(
        "/__clerk/v1/client/sign_ins?__clerk_api_version=2025-11-10&_clerk_js_version=6.1.0",
        data={"identifier": user.email, "password": user.password, "strategy": "password"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["response"]["created_session_id"]
