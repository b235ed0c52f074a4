"""Benchmarks with their datasets; results are recorded in bench/results/ and RESULTS.md."""
