"""Smoke test of the raw RPC bench behind `egov bench` (the real figures come from running it)."""

from __future__ import annotations

import pytest
from egov_cli import bench_raw as bench

pytestmark = pytest.mark.integration


async def test_bench_raw_rpc_measures_every_call(amqp_url: str) -> None:
    payload = bench.make_payload(2048)
    assert len(payload) == 2048
    latencies = await bench.bench_raw_rpc(amqp_url, calls=40, concurrency=4, payload=payload, warmup=4)
    assert len(latencies) == 40
    assert all(0 < latency < 10 for latency in latencies)
    stats = bench.summarize(latencies, sum(latencies))
    assert stats["p50_ms"] <= stats["p99_ms"]
