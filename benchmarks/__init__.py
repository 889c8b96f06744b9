"""Benchmarks for dramabot: latency against a bare discord.py bot, throughput, and how the
costs grow with the data. Run with `make bench`; see docs/benchmarks.md."""
