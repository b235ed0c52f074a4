"""The demo programme and deterministic data generators for tests and benchmarks."""
