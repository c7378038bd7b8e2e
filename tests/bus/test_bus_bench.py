"""Smoke test of bench/raw_rpc.py (the real figures come from running it)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.integration

BENCH = Path(__file__).resolve().parents[2] / "bench" / "raw_rpc.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_raw_rpc", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_bench_raw_rpc_measures_every_call(amqp_url: str) -> None:
    bench = load_bench()
    payload = bench.make_payload(2048)
    assert len(payload) == 2048
    latencies = await bench.bench_raw_rpc(amqp_url, calls=40, concurrency=4, payload=payload, warmup=4)
    assert len(latencies) == 40
    assert all(0 < latency < 10 for latency in latencies)
    stats = bench.summarize(latencies, sum(latencies))
    assert stats["p50_ms"] <= stats["p99_ms"]
