"""The steps `clerk-harness explore` combines into stories: the Story vocabulary, each step as the code a
scenario would hold (that code is what runs, what a finding writes out, and what a replay runs again).

A step is a kind plus its arguments; its code is made from them here, never read from a file, so that a
finding replayed from disk can only run this vocabulary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clerk_harness.browser.clock import POLLER_PERIOD_S
from clerk_harness.stories.story import Story

TOKEN = ("POST", "/v1/client/sessions/*/tokens")
ROUTES: dict[str, tuple[str, str]] = {
    "token": TOKEN,
    "client": ("GET", "/v1/client"),
    "touch": ("POST", "/v1/client/sessions/*/touch"),
    "environment": ("GET", "/v1/environment"),
}
ANSWERS: dict[str, str] = {  # how a faulted request is answered, as the FaultRule call that says so
    "429": ".error(429, retry_after=1)",
    "500": ".error(500)",
    "503": ".error(503)",
    "401": ".error(401)",  # the server says the session is gone: a legitimate end, never a loss
    "empty-token": ".empty_token()",
    "wrapped-token": ".wrapped_token()",
    "slow": ".latency(0.5)",
    "dropped": ".drop()",
}
TOKEN_ONLY = ("empty-token", "wrapped-token")
FAULTS: tuple[tuple[str, str], ...] = tuple((route, answer) for route in ROUTES for answer in ANSWERS
                                           if answer not in TOKEN_ONLY or route == "token")
OUTAGE_STATUSES = ("500", "503")  # every Frontend API route at once, as in an incident
FINE = "fine"
TOKEN_ANSWERS = (FINE, *(a for r, a in FAULTS if r == "token"))
CLIENT_ANSWERS = (FINE, *(a for r, a in FAULTS if r == "client"))
ENDS_THE_SESSION = ("sign_out", "revoke_the_session")

CODE: dict[str, str] = {
    "go_offline": "story.go_offline()",
    "come_back_online": "story.come_back_online()",
    "let_the_token_age": "story.let_token_age_past_refresh()",
    "let_time_pass": f"story.settle({2 * POLLER_PERIOD_S})",
    "let_the_token_come_due": "story.let_the_token_come_due()",
    "hide_and_show": "story.hide_and_show()",
    "focus_the_window": "story.focus_the_window()",
    "ask_for_a_token": "story.ask_for_a_token_and_let_it_run()",
    "reload": "story.let_an_expired_token_be_replaced()\nstory.reload()",
    "call_the_api": "story.let_an_expired_token_be_replaced()\nstory.call_the_api()",
    "open_a_second_tab": "story.open_a_second_tab()\nstory.bring_first_tab_to_front()",
    "sign_out": "story.sign_out()",
    "revoke_the_session": "story.revoke_the_session()",
    "clear_faults": "story.clear_faults()",
    "api_outage_500": 'story.inject(None, "/v1/**").error(500)',
    "api_outage_503": 'story.inject(None, "/v1/**").error(503)',
    "hang_then_drop": ("held = story.hold_the_next_token_request()\nstory.ask_for_a_token_in_background(held)\n"
                       "held.release(then=\"drop\")\nstory.settle(5)"),
}


@dataclass(frozen=True)
class Step:
    kind: str  # a key of CODE, or "fault"
    args: tuple[str, ...] = ()  # a fault's (route, answer, "once" | "until-cleared")

    def __post_init__(self) -> None:
        if self.kind == "api_misbehaves":
            token, client, times = (*self.args, "", "", "")[:3]
            if (len(self.args) != 3 or token not in TOKEN_ANSWERS or client not in CLIENT_ANSWERS
                    or times not in ("once", "until-cleared")):
                raise ValueError(f"not an api_misbehaves step of the vocabulary: {self.args!r}")
        elif self.kind == "fault":
            route, answer, times = (*self.args, "", "", "")[:3]
            if (route, answer) not in FAULTS or times not in ("once", "until-cleared") or len(self.args) != 3:
                raise ValueError(f"not a fault step of the vocabulary: {self.args!r}")
        elif self.kind not in CODE or self.args:
            raise ValueError(f"not a step of the vocabulary: {self.kind!r}")

    @property
    def code(self) -> str:
        if self.kind == "api_misbehaves":  # the API's new state (it replaces the faults that stood): the token
            token, client, times = self.args  # route and GET /v1/client each answer their way as the token comes due
            return "\n".join(["story.clear_faults()",
                              *(_inject(route, answer, times) for route, answer in (("token", token), ("client", client))
                                if answer != FINE), "story.let_the_token_come_due()"])
        if self.kind == "fault":
            return _inject(*self.args)
        return CODE[self.kind]

    @property
    def label(self) -> str:
        if self.kind == "api_misbehaves":
            return f"as the token comes due: token route {self.args[0]}, client {self.args[1]} ({self.args[2]})"
        return self.kind if self.kind != "fault" else f"fault {self.args[0]} {self.args[1]} ({self.args[2]})"

    @property
    def ends_the_session(self) -> bool:
        """Signing out and revoking end a session on purpose; so does a 401 on any route, once it is hit."""
        return self.kind in ENDS_THE_SESSION

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "args": list(self.args), "code": self.code}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Step:
        return cls(str(data["kind"]), tuple(str(a) for a in data.get("args", [])))


def _inject(route: str, answer: str, times: str) -> str:
    method, path = ROUTES[route]
    once = ", times=1" if times == "once" else ""
    return f'story.inject("{method}", "{path}"{once}){ANSWERS[answer]}'


def perform(story: Story, step: Step) -> None:
    """Run the step's code on the story (the code is this module's own, see `Step.code`)."""
    exec(compile(step.code, f"<explore step {step.label}>", "exec"), {"story": story})  # noqa: S102 - the step table's own code, never input
