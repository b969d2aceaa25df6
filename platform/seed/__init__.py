"""The deterministic demo city (苏州市 / 太仓市) for demos, tests and benchmarks."""

from anwang.platform.seed.load import DEMO_PASSWORD, SeedSummary, seed_city

__all__ = ["DEMO_PASSWORD", "SeedSummary", "seed_city"]
