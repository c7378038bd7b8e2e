"""Raw RPC through the broker: the floor under the gateway's synchronous channel.

Calls go through :class:`egov_kit.bus.RpcClient` to an in-process echo :func:`egov_kit.bus.serve_rpc`
on a throwaway copy of the real topology (durable direct exchange, durable queue with a DLX,
persistent messages, publisher confirms on both the request and the reply), i.e. the same machinery
the gateway and the providers use, minus XML, signatures and journaling. Client and server have
their own connections, as separate processes would.

    uv run python -m egov_cli.bench_raw --calls 2000 --concurrency 16 --payload-size 2048
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable

from egov_kit.bus import IncomingRequest, RpcClient, Topology, connect, serve_rpc
from egov_kit.settings import CommonSettings

SYSTEM_ID = "bench-echo"


def make_payload(size: int) -> bytes:
    """An XML-looking body of about ``size`` bytes."""
    head = b'<?xml version="1.0" encoding="UTF-8"?><bench><data>'
    tail = b"</data></bench>"
    filler = max(size - len(head) - len(tail), 0)
    return head + (b"0123456789abcdef" * (filler // 16 + 1))[:filler] + tail


async def _echo(request: IncomingRequest) -> bytes:
    return request.body


async def bench_raw_rpc(
    amqp_url: str,
    *,
    calls: int,
    concurrency: int,
    payload: bytes,
    call_timeout: float = 10.0,
    warmup: int = 50,
) -> list[float]:
    """Per-call latency (seconds) of ``calls`` RPCs, ``concurrency`` in flight at a time."""
    latencies, _ = await bench_raw_rpc_timed(
        amqp_url,
        calls=calls,
        concurrency=concurrency,
        payload=payload,
        call_timeout=call_timeout,
        warmup=warmup,
    )
    return latencies


async def bench_raw_rpc_timed(
    amqp_url: str,
    *,
    calls: int,
    concurrency: int,
    payload: bytes,
    call_timeout: float = 10.0,
    warmup: int = 50,
) -> tuple[list[float], float]:
    """Like :func:`bench_raw_rpc`, plus the wall time (seconds) of the measured calls alone."""
    topology = Topology(prefix=f"bench-{uuid.uuid4().hex[:8]}.")
    server_connection = await connect(amqp_url, name="bench-raw-rpc-server")
    client_connection = await connect(amqp_url, name="bench-raw-rpc-client")
    try:
        server_channel = await server_connection.channel()
        sync_queue, _ = await topology.declare_system_queues(server_channel, SYSTEM_ID)
        server = await serve_rpc(server_channel, sync_queue, _echo, prefetch=max(32, concurrency))
        client = await RpcClient.create(client_connection)
        try:

            async def one() -> float:
                started = time.perf_counter()
                reply = await client.call(
                    topology.sync_exchange,
                    SYSTEM_ID,
                    payload,
                    message_id=uuid.uuid4().hex,
                    type_="bench",
                    timeout=call_timeout,
                )
                elapsed = time.perf_counter() - started
                if reply.body != payload:
                    raise AssertionError("echo reply does not match the request")
                return elapsed

            return await run_load(one, calls=calls, concurrency=concurrency, warmup=min(warmup, calls))
        finally:
            await client.close()
            await server.stop()
            await topology.delete(server_channel, SYSTEM_ID)
    finally:
        await client_connection.close()
        await server_connection.close()


async def run_load(
    one: Callable[[], Awaitable[float]], *, calls: int, concurrency: int, warmup: int
) -> tuple[list[float], float]:
    """``warmup`` calls, then ``calls`` timed ones, ``concurrency`` in flight: latencies and wall time."""
    await asyncio.gather(*(one() for _ in range(warmup)))
    latencies: list[float] = []
    remaining = calls

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            latencies.append(await one())

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summarize(latencies: list[float], wall: float) -> dict[str, float]:
    return {
        "calls": len(latencies),
        "calls_per_s": len(latencies) / wall if wall > 0 else 0.0,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000,
        "max_ms": max(latencies) * 1000,
    }


async def _main(args: argparse.Namespace) -> None:
    payload = make_payload(args.payload_size)
    latencies, wall = await bench_raw_rpc_timed(
        args.url, calls=args.calls, concurrency=args.concurrency, payload=payload
    )
    stats = summarize(latencies, wall)
    print(
        f"raw RPC: {stats['calls']:.0f} calls, concurrency {args.concurrency}, payload {len(payload)} B: "
        f"{stats['calls_per_s']:.0f} calls/s, p50 {stats['p50_ms']:.2f} ms, p99 {stats['p99_ms']:.2f} ms, "
        f"mean {stats['mean_ms']:.2f} ms, max {stats['max_ms']:.2f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default=CommonSettings().amqp_url)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--payload-size", type=int, default=2048)
    asyncio.run(_main(parser.parse_args()))
