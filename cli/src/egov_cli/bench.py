"""`egov bench`: raw aio-pika request/reply, then the same load through the gateway.

Both legs run in one process against the same broker with the same number of calls, concurrency
and a ~2 KB body. The raw leg is RpcClient → broker → echo RpcServer; the gateway leg is the test
integrator calling ``GBDFL_UniversalServiceSync``: client signature, HTTP, the gateway's checks
(signature, certificate with cached OCSP, access, XSD), four journal writes, re-signing, the bus,
gbd-fl-mock's verification, database look-up and signature, and the same on the way back. The
landscape in use is the one at SHEP_URL when healthy, otherwise one started just for the bench.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from pathlib import Path

import httpx
import typer
from egov_kit.documents.gbdfl import SERVICE_ID, build_request
from egov_kit.settings import CommonSettings
from gbd_fl_mock.domain.test_persons import TEST_PERSONS
from rich.console import Console
from rich.table import Table

from egov_cli.bench_raw import bench_raw_rpc_timed, make_payload, run_load, summarize
from egov_cli.identity import CliSettings, open_client
from egov_cli.landscape import Landscape

console = Console()
BENCH_PORT_OFFSET = 20000


async def bench_gateway(
    settings: CliSettings, *, calls: int, concurrency: int, warmup: int
) -> tuple[list[float], float]:
    client = await open_client(settings)
    people = [entry.iin for entry in TEST_PERSONS if entry.person is not None]
    pick = itertools.cycle(random.Random(7).sample(people, len(people)))
    try:

        async def one() -> float:
            started = time.perf_counter()
            reply = await client.send_sync(SERVICE_ID, build_request(next(pick)))
            elapsed = time.perf_counter() - started
            if reply.data is None:
                raise AssertionError("ГБД ФЛ answered without data")
            return elapsed

        return await run_load(one, calls=calls, concurrency=concurrency, warmup=warmup)
    finally:
        await client.aclose()
        await client.validator.aclose()


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def bench_command(
    calls: int = typer.Option(2000, help="calls per leg"),
    concurrency: int = typer.Option(16, help="calls in flight at once"),
    warmup: int = typer.Option(100, help="calls before measuring (each leg)"),
    payload_size: int = typer.Option(2048, help="raw leg body size in bytes (the gateway leg sends ~2 KB)"),
) -> None:
    """Raw broker request/reply vs the same load through the gateway; prints the ratio line."""
    common = CommonSettings()
    landscape: Landscape | None = None
    settings = CliSettings()
    if not (_healthy(settings.shep_url) and _healthy(settings.shep_url.replace(":8100", ":8101"))):
        var_dir = Path(common.var_dir) / "bench"
        console.print(
            f"No landscape at {settings.shep_url}; starting one for the bench (state in {var_dir})."
        )
        landscape = Landscape(var_dir=var_dir, amqp_url=common.amqp_url, port_offset=BENCH_PORT_OFFSET)
        landscape.start(timeout=180)
        settings = CliSettings(
            var_dir=var_dir,
            shep_url=landscape.url("gateway-shep"),
            nuc_url=landscape.url("nuc-mock"),
            amqp_url=common.amqp_url,
        )
    try:
        raw, raw_wall = asyncio.run(
            bench_raw_rpc_timed(
                settings.amqp_url,
                calls=calls,
                concurrency=concurrency,
                payload=make_payload(payload_size),
                warmup=warmup,
            )
        )
        gateway, gateway_wall = asyncio.run(
            bench_gateway(settings, calls=calls, concurrency=concurrency, warmup=warmup)
        )
    finally:
        if landscape is not None:
            landscape.stop()
    raw_stats, gateway_stats = summarize(raw, raw_wall), summarize(gateway, gateway_wall)
    table = Table(title=f"{calls} calls per leg, concurrency {concurrency}")
    for column in ("leg", "calls/s", "p50 ms", "p99 ms", "mean ms", "max ms"):
        table.add_column(column, justify="right")
    for name, stats in (("raw aio-pika RPC", raw_stats), ("through the gateway", gateway_stats)):
        table.add_row(
            name,
            f"{stats['calls_per_s']:.0f}",
            f"{stats['p50_ms']:.1f}",
            f"{stats['p99_ms']:.1f}",
            f"{stats['mean_ms']:.1f}",
            f"{stats['max_ms']:.1f}",
        )
    console.print(table)
    throughput_ratio = gateway_stats["calls_per_s"] / raw_stats["calls_per_s"]
    p99_ratio = gateway_stats["p99_ms"] / raw_stats["p99_ms"]
    print(f"gateway/raw: throughput {throughput_ratio:.2f}, p99 {p99_ratio:.2f}")
