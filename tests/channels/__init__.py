"""Channel adapter tests: each channel's real entry points against a local fake of its API."""
