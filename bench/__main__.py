"""`make bench` entry point; the benchmarks themselves land with the benchmarks work."""

from __future__ import annotations

import sys


def main() -> int:
    print("no benchmarks yet: see docs/benchmarks.md for what will be measured", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
