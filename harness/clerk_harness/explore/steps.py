"""The steps `clerk-harness explore` combines into stories: the Story vocabulary. Each step is a table row of
calls to real Story methods (`Story.reload`, and `FaultRule.error` on what `Story.inject` returns), which is
what runs and, written out, the code a scenario would hold. A renamed method fails the type check, and a
finding replayed from disk can only run this vocabulary (a step is a kind plus arguments, checked here).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from clerk_harness.browser.clock import POLLER_PERIOD_S
from clerk_harness.stories.story import Story
from clerk_harness_fake.faults import FaultRule


@dataclass(frozen=True)
class Call:
    """One method call: on the story, or on what the call before it on the line returned."""

    method: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def on(self, target: Any) -> Any:
        return self.method(target, *self.args, **self.kwargs)

    @property
    def text(self) -> str:
        words = [*map(_literal, self.args), *(f"{name}={_literal(v)}" for name, v in self.kwargs.items())]
        return f"{self.method.__name__}({', '.join(words)})"


def call(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Call:
    return Call(method, args, kwargs)


Line = tuple[Call, ...]  # story.first(...).second(...)


def _literal(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else repr(value)


TOKEN = ("POST", "/v1/client/sessions/*/tokens")
ROUTES: dict[str, tuple[str, str]] = {
    "token": TOKEN,
    "client": ("GET", "/v1/client"),
    "touch": ("POST", "/v1/client/sessions/*/touch"),
    "environment": ("GET", "/v1/environment"),
}
ANSWERS: dict[str, Call] = {  # how a faulted request is answered: the FaultRule call that says so
    "429": call(FaultRule.error, 429, retry_after=1),
    "500": call(FaultRule.error, 500),
    "503": call(FaultRule.error, 503),
    "401": call(FaultRule.error, 401),  # the server says the session is gone: a legitimate end, never a loss
    "empty-token": call(FaultRule.empty_token),
    "wrapped-token": call(FaultRule.wrapped_token),
    "slow": call(FaultRule.latency, 0.5),
    "dropped": call(FaultRule.drop),
}
TOKEN_ONLY = ("empty-token", "wrapped-token")
FAULTS: tuple[tuple[str, str], ...] = tuple(
    (route, answer) for route in ROUTES for answer in ANSWERS if answer not in TOKEN_ONLY or route == "token"
)
OUTAGE_STATUSES = ("500", "503")  # every Frontend API route at once, as in an incident
FINE = "fine"
TOKEN_ANSWERS = (FINE, *(a for r, a in FAULTS if r == "token"))
CLIENT_ANSWERS = (FINE, *(a for r, a in FAULTS if r == "client"))
ENDS_THE_SESSION = ("sign_out", "revoke_the_session")

MOVES: dict[str, tuple[Line, ...]] = {  # each step without arguments: its lines of calls on the story
    "go_offline": ((call(Story.go_offline),),),
    "come_back_online": ((call(Story.come_back_online),),),
    "let_the_token_age": ((call(Story.let_token_age_past_refresh),),),
    "let_time_pass": ((call(Story.settle, 2 * POLLER_PERIOD_S),),),
    "let_the_token_come_due": ((call(Story.let_the_token_come_due),),),
    "hide_and_show": ((call(Story.hide_and_show),),),
    "focus_the_window": ((call(Story.focus_the_window),),),
    "ask_for_a_token": ((call(Story.ask_for_a_token_and_let_it_run),),),
    "reload": ((call(Story.let_an_expired_token_be_replaced),), (call(Story.reload),)),
    "call_the_api": ((call(Story.let_an_expired_token_be_replaced),), (call(Story.call_the_api),)),
    "open_a_second_tab": ((call(Story.open_a_second_tab),), (call(Story.bring_first_tab_to_front),)),
    "sign_out": ((call(Story.sign_out),),),
    "revoke_the_session": ((call(Story.revoke_the_session),),),
    "clear_faults": ((call(Story.clear_faults),),),
    **{f"api_outage_{status}": ((call(Story.inject, None, "/v1/**"), ANSWERS[status]),) for status in OUTAGE_STATUSES},
    "hang_then_drop": ((call(Story.let_a_token_request_hang_then_drop),),),
}


@dataclass(frozen=True)
class Step:
    kind: str  # a key of MOVES, "fault" or "api_misbehaves"
    args: tuple[str, ...] = ()  # a fault's (route, answer, "once" | "until-cleared")

    def __post_init__(self) -> None:
        if self.kind == "api_misbehaves":
            token, client, times = (*self.args, "", "", "")[:3]
            if (
                len(self.args) != 3
                or token not in TOKEN_ANSWERS
                or client not in CLIENT_ANSWERS
                or times not in ("once", "until-cleared")
            ):
                raise ValueError(f"not an api_misbehaves step of the vocabulary: {self.args!r}")
        elif self.kind == "fault":
            route, answer, times = (*self.args, "", "", "")[:3]
            if (route, answer) not in FAULTS or times not in ("once", "until-cleared") or len(self.args) != 3:
                raise ValueError(f"not a fault step of the vocabulary: {self.args!r}")
        elif self.kind not in MOVES or self.args:
            raise ValueError(f"not a step of the vocabulary: {self.kind!r}")

    @property
    def lines(self) -> tuple[Line, ...]:
        if self.kind == "api_misbehaves":  # the API's new state (it replaces the faults that stood): the token
            token, client, times = self.args  # route and GET /v1/client each answer their way as the token comes due
            return (
                (call(Story.clear_faults),),
                *(
                    _inject(route, answer, times)
                    for route, answer in (("token", token), ("client", client))
                    if answer != FINE
                ),
                (call(Story.let_the_token_come_due),),
            )
        if self.kind == "fault":
            return (_inject(*self.args),)
        return MOVES[self.kind]

    @property
    def code(self) -> str:
        """The step as a scenario holds it: one `story....` line per line of calls."""
        return "\n".join("story." + ".".join(c.text for c in line) for line in self.lines)

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


def _inject(route: str, answer: str, times: str) -> Line:
    method, path = ROUTES[route]
    inject = call(Story.inject, method, path, times=1) if times == "once" else call(Story.inject, method, path)
    return (inject, ANSWERS[answer])


def perform(story: Story, step: Step) -> None:
    """Run the step: each line's calls, the first on the story, each next one on what the last returned."""
    for line in step.lines:
        target: Any = story
        for each in line:
            target = each.on(target)
