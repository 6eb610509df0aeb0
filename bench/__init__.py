"""Benchmarks: speed and memory targets, measured against baselines in the same run."""
