"""A failed call to another system, and what it said about trying again.

One shape for the work queues' `Retry` (bot/runtime/work.py) and the tracker integrations'
`TrackerError` (bot/domain/trackers.py), so whoever handles one reads `retry_after` and
`permanent` the same way.
"""

from __future__ import annotations


class RetryableFailure(Exception):
    """The attempt failed. `retry_after` (seconds) when the other side said when to come back;
    `permanent` when trying again cannot help."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, permanent: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent
