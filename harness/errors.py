"""Errors the harness reports to users: each carries one actionable line."""


class HarnessError(Exception):
    """Something about the set-up is wrong (missing browser, unknown version, bad config)."""


class InconclusiveRun(HarnessError):
    """The run did not prove the stress it needs (e.g. no refresh was due or attempted while offline)."""
