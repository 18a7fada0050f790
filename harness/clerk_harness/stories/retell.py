"""A scenario retold for people outside the harness: its story's steps as a user would do them, read from
the story's code (`repro --upstream` writes them into an issue body)."""

from __future__ import annotations

import inspect
import re

from clerk_harness.stories.scenarios import Scenario

# What a story step means for a user (a step not named here is said from its name)
STEP_WORDS = {
    "sign_in": "Sign in with a password.",
    "let_the_skewed_clock_run": "Leave the tab open for {0} s.",
    "call_the_api": "The page calls the app's authenticated API (`fetch` with the session cookie).",
    "reload": "Reload the page.",
    "go_offline": "The network goes away (the browser is offline).",
    "come_back_online": "The network comes back.",
    "let_token_age_past_refresh": "Wait until the session token's refresh is due.",
    "hide_and_show": "Switch to another tab and back.",
    "focus_the_window": "Focus the window again.",
    "settle": "Wait a few seconds.",
    "clear_faults": "The Frontend API recovers.",
    "serve_pages_the_browser_may_keep": "The app's page is served as a single-page app's is (`Cache-Control: no-cache`).",
    "leave_and_come_back": "Go to another page until the session token has expired, then press Back (the page "
    "is restored from the back-forward cache).",
    "let_clerk_js_notice": "Wait up to two session polls (10 s).",
    "stay_away_for_an_hour": "Go to another page for an hour (the session token expires).",
    "backend_api_fails_handshake_payloads": "The Backend API answers the SDK's handshake-payload fetch with {0}.",
    "open_the_app_again": "Open the app again (a new page load: the app's SDK runs a handshake).",
    "let_the_token_expire_while_its_refresh_hangs": "The tab wakes with its session token expired; clerk-js asks "
    "for a new one, and the Frontend API is slow to answer.",
    "follow_a_link_to_the_protected_page": "Before that answer lands, click the app's link to a page only "
    "signed-in users may see (a client-side navigation).",
    "touches_answer_with_older_tokens": "From now on the Frontend API answers a session touch from a copy of the "
    "session that lags behind: with tokens minted {0} s earlier.",
    "let_the_session_be_touched": "Focus the tab: clerk-js touches the session (where a release does not on "
    "focus, the app calls `Clerk.session.touch()`).",
    "keep_the_tab_open": "Keep the tab open for {0} s.",
    "let_the_token_come_due": "Leave the tab open until clerk-js refreshes the session token.",
    "sleep_and_wake": "Close the laptop's lid for {0} hours, then open it (the tab hidden, then shown and focused).",
    "wait_for_client_refetch": "Wait for clerk-js to fetch the client again (up to one session poll, 5 s).",
    "wait_for_sign_out": "Wait for clerk-js to sign the user out.",
    "revoke_the_session": "The session is revoked on the server.",
    "sign_out": "The user signs out.",
    "ask_for_a_token": "The app calls `Clerk.session.getToken()` after clearing the token cache.",
    "open_a_second_tab": "Open the app in a second tab.",
    "reload_while_the_environment_is_late": "Reload the page while `GET /v1/environment` is slow to answer (it "
    "answers once clerk-js has written `__session`); wait one session poll.",
    "work_in_another_window": "Open the app in a second window beside the first and work there for {0} s (the "
    "first window stays visible, without the focus), then click back into the first.",
}


CALL = re.compile(r"story\.(\w+)\(([^()]*)\)(?:\.(\w+)\(([^()]*)\))?")


def steps_of(scenario: Scenario) -> list[str]:
    """The story's steps, in order, as sentences (a story told by a shared helper: the helper's, with the
    values the story gives it)."""
    try:
        source = inspect.getsource(scenario.story)
    except (OSError, TypeError):
        return [scenario.title]
    told_by = re.search(r"^\s*(\w+)\(story(?:, (.*))?\)\s*$", source.rstrip().splitlines()[-1])
    helper = scenario.story.__globals__.get(told_by.group(1)) if told_by else None
    if told_by and callable(helper):
        source = inspect.getsource(helper).split('"""')[-1]  # its body, after the docstring
        for param, value in zip(list(inspect.signature(helper).parameters)[1:], _arguments(told_by.group(2) or "")):
            source = re.sub(rf"\b{param}\b", value, source)
    return [_say(*call) for call in CALL.findall(source)]


def _arguments(text: str) -> list[str]:
    return [part.strip() for part in re.findall(r'"[^"]*"|[^,]+', text)]


def _say(name: str, args: str, chained: str = "", chained_args: str = "") -> str:
    if name == "inject":
        method, path, *rest = [a.strip('"') for a in _arguments(args)]
        times = next((r.split("=")[1] for r in rest if r.startswith("times=")), None)
        how = "once" if times == "1" else (f"{times} times" if times else "until it recovers")
        answer = _arguments(chained_args)
        said = f"with {answer[0]}" if chained == "error" and answer else f"with a fault ({chained})"
        code = next((a.split("=", 1)[1].strip('"') for a in answer[1:] if a.startswith("code=")), None)
        return f"The Frontend API answers `{method} {path}` {said}" + (f" `{code}`" if code else "") + f", {how}."
    if name == "skew_the_page_clock":
        seconds = float(args)
        return (
            f"The computer's clock runs {abs(seconds):g} s {'fast' if seconds > 0 else 'slow'} (against the server's)."
        )
    if name == "skew_the_app_server_clock":
        seconds = float(args)
        return (
            f"The app server's clock runs {abs(seconds):g} s {'ahead of' if seconds > 0 else 'behind'} the Frontend "
            f"API's ({'it drifted ahead, unsynced' if seconds > 0 else 'its time sync lags, as WSL after the laptop slept'}); "
            "the browser's clock stays right."
        )
    words = STEP_WORDS.get(name)
    if words is None:
        return name.replace("_", " ").capitalize() + (f" ({args})" if args else "") + "."
    return words.format(*_arguments(args)) if args else words
