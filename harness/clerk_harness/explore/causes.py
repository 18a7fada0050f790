"""What sets a loss up, as against what merely sets it off: an exploration that keeps going after a
finding discards later stories that hold a known finding's cause, so that each finding is a different
loss."""

from __future__ import annotations

from clerk_harness.explore.steps import FINE, Step

TRIGGERS = (
    "ask_for_a_token",
    "let_the_token_age",
    "let_the_token_come_due",
    "let_time_pass",
    "focus_the_window",
    "hide_and_show",
    "reload",
    "call_the_api",
    "come_back_online",
    "open_a_second_tab",
)


def cause(steps: list[Step]) -> list[Step]:
    """What sets a loss up, without what merely sets it off: the outages and faults of a story (a fault
    once or until cleared alike), or the whole story when it has none."""
    causes: list[Step] = []
    for step in steps:
        if step.kind == "api_misbehaves":  # each route's answer is a cause of its own; "fine" is none
            causes += [
                Step("fault", (route, answer, "once"))
                for route, answer in zip(("token", "client"), step.args)
                if answer != FINE
            ]
        elif step.kind == "fault":
            causes.append(Step("fault", (*step.args[:2], "once")))
        elif step.kind not in TRIGGERS:
            causes.append(step)
    return causes or list(steps)


def _contains(steps: list[Step], known: list[Step]) -> bool:
    """`known` appears in `steps` in order (other steps may come between)."""
    remaining = iter(steps)
    return all(any(step == wanted for step in remaining) for wanted in known)


def is_known(steps: list[Step], symptom: str | None, known: list[tuple[list[Step], str | None]]) -> bool:
    """A losing story is a finding made already when it holds that finding's cause and the user saw the
    same loss (the same loss rule fired first). A story that holds a known cause and loses the session in
    another way is a finding of its own: with faults on, most stories hold some known cause somewhere."""
    return any(
        symptom == known_symptom and _contains(cause(steps), cause(known_steps)) for known_steps, known_symptom in known
    )
