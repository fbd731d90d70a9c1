"""Benchmarks for psbot: `python -m bench` (see README.md, "Benchmarks").

Not part of the test suite. Everything runs against a synthetic portfolio generated
from a fixed seed, with the clock fixed, so two runs on one machine are comparable.
"""
