"""Use cases: the only code that changes state. Each runs inside the caller's unit of work."""
