"""Errors the harness reports to users: each carries one actionable line."""


class HarnessError(Exception):
    """Something about the set-up is wrong (missing browser, unknown version, bad config)."""


class InconclusiveRun(HarnessError):
    """The run did not prove the stress it needs (e.g. no refresh was due or attempted while offline)."""


class ClerkJsFailed(HarnessError):
    """clerk-js itself failed (did not load, could not sign in): an observation about the version under
    test, judged with its evidence, never a fault of the harness."""
