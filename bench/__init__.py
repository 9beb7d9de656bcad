"""Benchmarks of Comptoir against the floor of what the machine can do: `python -m bench`.

Not part of the test suite's timing: `tests/bench/test_smoke.py` only checks that each one runs.
"""
