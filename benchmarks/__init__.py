"""Speed benchmarks of mmprp (scripts, never run by the test suite).

Run from the repository root as modules, e.g.
``python -m benchmarks.bench_data_pipeline --quick``.
"""
