"""Moves every Python process of a test run to another date, for `make test-moved-clock`.

With `SUITE_CLOCK_SHIFT_DAYS=N` in the environment, this directory is put on PYTHONPATH by
tests/conftest.py, so the test process, its xdist workers and every `hirebot` subprocess a test
starts see the wall clock N days away (time-machine patches `time.time`, `datetime.now` and
their kin; the monotonic clock is untouched, so waits and timeouts behave). A suite that
passes so on any N depends on no date.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

_days = os.environ.get("SUITE_CLOCK_SHIFT_DAYS")
if _days:
    import time_machine

    time_machine.travel(datetime.now(UTC) + timedelta(days=int(_days)), tick=True).start()
