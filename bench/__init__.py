"""Event-log benchmarks: our store against raw asyncpg on the same server, in the same run.

Run with ``make bench`` (or ``python -m bench``); see BENCHMARKS.md for what the figures mean.
"""
