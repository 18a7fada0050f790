"""Errors the harness reports to users: each carries one actionable line."""


class HarnessError(Exception):
    """Something about the set-up is wrong (missing browser, unknown version, bad config)."""


class InconclusiveRun(HarnessError):
    """The run did not prove the stress it needs (e.g. no refresh was due or attempted while offline)."""


class ClerkJsFailed(HarnessError):
    """clerk-js itself failed (did not load, could not sign in): an observation about the version under
    test, judged with its evidence, never a fault of the harness."""


class InfrastructureBroke(HarnessError):
    """The harness's own browser, its page or the app died under a run: an error of that run, never an
    observation about clerk-js; `run --retry-errors` runs such a run again."""

    def __init__(self, message: str, broke: str) -> None:
        super().__init__(message)
        self.broke = broke  # "page", "browser", "app" or "worker"
