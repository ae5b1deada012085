"""Tests of the benchmark runner (benchmarks/_harness.py) and the in-process formatter benchmark."""
