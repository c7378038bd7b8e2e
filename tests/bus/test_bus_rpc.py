"""Request/reply over the broker: round trip, correlation, timeouts, unroutable, provider presence."""

from __future__ import annotations

import asyncio
import random
import uuid

import pytest
from egov_kit.bus import (
    BusError,
    IncomingRequest,
    RpcClient,
    RpcResponse,
    RpcServer,
    RpcTimeout,
    Unroutable,
    serve_rpc,
)

from .helpers import BusEnv, eventually

pytestmark = pytest.mark.integration


async def echo(request: IncomingRequest) -> bytes:
    return b"echo:" + request.body


async def test_round_trip(bus: BusEnv) -> None:
    sync_q, _ = await bus.system("prov")
    seen: list[IncomingRequest] = []

    async def handler(request: IncomingRequest) -> RpcResponse:
        seen.append(request)
        return RpcResponse(b"<pong/>", headers={"x-shep-sender": "prov"})

    server = await serve_rpc(bus.channel, sync_q, handler)
    client = await RpcClient.create(bus.connection)
    reply = await client.call(
        bus.topology.sync_exchange,
        "prov",
        b"<ping/>",
        message_id="m-1",
        headers={"x-shep-sender": "gateway"},
        type_="svc-ping",
        timeout=5,
    )
    assert reply.body == b"<pong/>"
    assert reply.headers["x-shep-sender"] == "prov"
    assert reply.type == "svc-ping"  # defaults to the request's serviceId
    assert reply.message_id and reply.message_id != "m-1"
    [request] = seen
    assert (request.body, request.message_id, request.type) == (b"<ping/>", "m-1", "svc-ping")
    assert request.headers["x-shep-sender"] == "gateway"
    assert request.reply_to == client.reply_queue_name
    assert reply.correlation_id == request.correlation_id
    assert client.reply_queue_name.startswith("shep.reply.")
    assert client.pending == 0
    await client.close()
    await server.stop()


async def test_concurrent_calls_each_get_their_own_reply(bus: BusEnv) -> None:
    sync_q, _ = await bus.system("prov")
    running = 0
    peak = 0

    async def slow_echo(request: IncomingRequest) -> bytes:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(random.uniform(0, 0.05))
        running -= 1
        return b"echo:" + request.body

    server = await serve_rpc(bus.channel, sync_q, slow_echo, prefetch=16)
    client = await RpcClient.create(bus.connection)

    async def one(i: int) -> None:
        body = f"<n>{i}</n>".encode()
        reply = await client.call(bus.topology.sync_exchange, "prov", body, message_id=f"m-{i}", timeout=10)
        assert reply.body == b"echo:" + body

    await asyncio.gather(*(one(i) for i in range(100)))
    assert 1 < peak <= 16  # handlers ran concurrently, bounded by prefetch
    assert client.pending == 0
    await client.close()
    await server.stop()


async def test_timeout_raises_and_the_late_reply_is_dropped(bus: BusEnv) -> None:
    sync_q, _ = await bus.system("prov")
    release = asyncio.Event()
    answered: list[str] = []

    async def handler(request: IncomingRequest) -> bytes:
        if request.message_id == "slow":
            await release.wait()
        answered.append(request.message_id or "")
        return b"reply-to:" + (request.message_id or "").encode()

    server = await serve_rpc(bus.channel, sync_q, handler)
    client = await RpcClient.create(bus.connection)
    with pytest.raises(RpcTimeout) as caught:
        await client.call(bus.topology.sync_exchange, "prov", b"<x/>", message_id="slow", timeout=0.3)
    assert caught.value.code == "PROVIDER_TIMEOUT"
    assert client.pending == 0

    release.set()  # the provider answers after all; nobody waits for it any more
    await eventually(lambda: answered == ["slow"])
    reply = await client.call(bus.topology.sync_exchange, "prov", b"<y/>", message_id="next", timeout=5)
    assert reply.body == b"reply-to:next"  # not the late reply
    assert client.pending == 0
    await client.close()
    await server.stop()


async def test_request_nobody_took_expires_instead_of_being_served_late(bus: BusEnv) -> None:
    sync_q, _ = await bus.system("prov")  # a queue, but no provider consuming it
    client = await RpcClient.create(bus.connection)
    with pytest.raises(RpcTimeout):
        await client.call(bus.topology.sync_exchange, "prov", b"<x/>", message_id="stale", timeout=0.2)
    [dead] = await bus.dead_messages(1)
    assert dead.message_id == "stale"
    assert dead.headers["x-death"][0]["reason"] == "expired"
    assert await bus.depth(sync_q.name) == (0, 0)
    await client.close()


async def test_unroutable_call_raises_provider_unavailable(bus: BusEnv) -> None:
    await bus.system("prov")
    client = await RpcClient.create(bus.connection)
    with pytest.raises(Unroutable) as caught:
        await client.call(bus.topology.sync_exchange, "nobody", b"<x/>", message_id="m", timeout=5)
    assert caught.value.code == "PROVIDER_UNAVAILABLE"
    assert client.pending == 0
    await client.close()


async def test_failing_handler_dead_letters_the_request(bus: BusEnv) -> None:
    sync_q, _ = await bus.system("prov")

    async def broken(request: IncomingRequest) -> bytes:
        raise RuntimeError("provider bug")

    server = await serve_rpc(bus.channel, sync_q, broken)
    client = await RpcClient.create(bus.connection)
    with pytest.raises(RpcTimeout):
        await client.call(bus.topology.sync_exchange, "prov", b"<x/>", message_id="boom", timeout=0.5)
    [dead] = await bus.dead_messages(1)
    assert dead.message_id == "boom"
    assert dead.headers["x-death"][0]["reason"] == "rejected"
    await client.close()
    await server.stop()


async def test_consumer_count_tells_whether_a_provider_listens(bus: BusEnv) -> None:
    sync_q, _ = await bus.system("prov")
    client = await RpcClient.create(bus.connection, consumer_count_ttl=0.2)
    assert await client.consumer_count(bus.topology.prefix + "no-such-queue") == 0
    assert await client.consumer_count(sync_q.name) == 0

    server = await RpcServer.start(bus.connection, sync_q.name, echo)
    assert await client.consumer_count(sync_q.name) == 0  # cached
    await asyncio.sleep(0.25)
    counts = await asyncio.gather(*(client.consumer_count(sync_q.name) for _ in range(10)))
    assert counts == [1] * 10
    # The probes did not disturb the client's own channel.
    reply = await client.call(
        bus.topology.sync_exchange, "prov", b"x", message_id=uuid.uuid4().hex, timeout=5
    )
    assert reply.body == b"echo:x"
    await server.stop()
    await client.close()


async def test_server_stop_finishes_inflight_requests(bus: BusEnv) -> None:
    sync_q, _ = await bus.system("prov")
    started = asyncio.Event()

    async def slow(request: IncomingRequest) -> bytes:
        started.set()
        await asyncio.sleep(0.3)
        return b"done"

    server = await RpcServer.start(bus.connection, sync_q.name, slow)
    client = await RpcClient.create(bus.connection)
    call = asyncio.create_task(
        client.call(bus.topology.sync_exchange, "prov", b"x", message_id="m", timeout=5)
    )
    await started.wait()
    await server.stop()
    assert (await call).body == b"done"
    assert server.inflight == 0
    assert await bus.depth(sync_q.name) == (0, 0)
    await client.close()


async def test_closed_client_fails_pending_calls(bus: BusEnv) -> None:
    await bus.system("prov")  # queue without a provider: the call waits
    client = await RpcClient.create(bus.connection)
    call = asyncio.create_task(
        client.call(bus.topology.sync_exchange, "prov", b"x", message_id="m", timeout=5)
    )
    await eventually(lambda: client.pending == 1)
    await asyncio.sleep(0.1)
    await client.close()
    with pytest.raises(BusError, match="closed"):
        await call
