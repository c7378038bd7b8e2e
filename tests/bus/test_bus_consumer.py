"""Asynchronous consumption: ack after work, retries then dead-letter, idempotency, odd messages."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from egov_kit.bus import (
    ATTEMPT_HEADER,
    LAST_ERROR_HEADER,
    ConfirmedPublisher,
    Delivery,
    IdempotencyStore,
    MemoryIdempotencyStore,
    SqlIdempotencyStore,
    connect,
    consume,
)
from egov_kit.db import create_engine_for
from sqlmodel import Session

from .helpers import BusEnv, eventually

pytestmark = pytest.mark.integration


@pytest.fixture(params=["memory", "sql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> IdempotencyStore:
    if request.param == "memory":
        return MemoryIdempotencyStore()
    return SqlIdempotencyStore(create_engine_for(f"sqlite:///{tmp_path / 'idem.sqlite'}"), "test-consumer")


async def publish(bus: BusEnv, body: bytes, message_id: str, **kwargs: Any) -> None:
    publisher = ConfirmedPublisher(bus.channel)
    await publisher.publish(bus.topology.async_exchange, "prov", body, message_id=message_id, **kwargs)


async def test_handled_message_is_acked_after_the_work(bus: BusEnv, store: IdempotencyStore) -> None:
    _, async_q = await bus.system("prov")
    work_started = asyncio.Event()
    release = asyncio.Event()
    done: list[Delivery] = []

    async def handler(delivery: Delivery) -> None:
        work_started.set()
        await release.wait()
        done.append(delivery)

    consumer = await consume(async_q, handler, idempotency=store, retry_delay=0)
    await publish(bus, b"<m/>", "m-1", correlation_id="c-1", type_="svc")
    await work_started.wait()
    assert not await store.seen("m-1")
    release.set()
    await eventually(lambda: len(done) == 1)
    await eventually(lambda: store.seen("m-1"))
    [delivery] = done
    assert (delivery.body, delivery.message_id, delivery.correlation_id, delivery.type) == (
        b"<m/>",
        "m-1",
        "c-1",
        "svc",
    )
    assert delivery.attempt == 1
    await consumer.stop()
    assert await bus.depth(async_q.name) == (0, 0)  # acked: nothing left, nothing redelivered


async def test_unacked_work_is_redelivered_when_the_consumer_dies(bus: BusEnv) -> None:
    _, async_q = await bus.system("prov")
    store = MemoryIdempotencyStore()
    first_started = asyncio.Event()
    never = asyncio.Event()

    async def dies(delivery: Delivery) -> None:
        first_started.set()
        await never.wait()  # does not finish before its connection is gone: "dies" mid-work

    other = await connect(bus.url, name="pytest-bus-dying")
    channel = await other.channel()
    queue = await channel.get_queue(async_q.name)
    await consume(queue, dies, idempotency=store, retry_delay=0)
    await publish(bus, b"<m/>", "m-crash")
    await first_started.wait()
    await other.close()  # not acked: the broker keeps the message

    attempts: list[int] = []

    async def works(delivery: Delivery) -> None:
        attempts.append(delivery.attempt)

    consumer = await consume(async_q, works, idempotency=store, retry_delay=0)
    await eventually(lambda: attempts == [2])  # the unsettled delivery counted as attempt 1
    assert await store.seen("m-crash")
    await consumer.stop()
    never.set()


async def test_failing_handler_is_retried_then_dead_lettered(bus: BusEnv, store: IdempotencyStore) -> None:
    _, async_q = await bus.system("prov")
    attempts: list[int] = []

    async def broken(delivery: Delivery) -> None:
        attempts.append(delivery.attempt)
        raise ValueError(f"cannot handle attempt {delivery.attempt}")

    consumer = await consume(async_q, broken, idempotency=store, max_attempts=3, retry_delay=0)
    await publish(bus, b"<poison/>", "m-poison", type_="svc")
    [dead] = await bus.dead_messages(1)
    assert attempts == [1, 2, 3]
    assert dead.body == b"<poison/>"
    assert (dead.message_id, dead.type) == ("m-poison", "svc")
    assert dead.headers[ATTEMPT_HEADER] == 3
    assert "cannot handle attempt 2" in str(dead.headers[LAST_ERROR_HEADER])
    assert dead.headers["x-death"][0]["reason"] == "rejected"
    assert not await store.seen("m-poison")
    await consumer.stop()
    assert await bus.depth(async_q.name) == (0, 0)


async def test_handler_that_recovers_is_not_dead_lettered(bus: BusEnv) -> None:
    _, async_q = await bus.system("prov")
    store = MemoryIdempotencyStore()
    attempts: list[int] = []

    async def flaky(delivery: Delivery) -> None:
        attempts.append(delivery.attempt)
        if delivery.attempt == 1:
            raise ConnectionError("database blip")

    consumer = await consume(async_q, flaky, idempotency=store, retry_delay=0.05)
    await publish(bus, b"<m/>", "m-flaky")
    await eventually(lambda: attempts == [1, 2])
    await eventually(lambda: store.seen("m-flaky"))
    await consumer.stop()
    assert await bus.dead_messages(1, within=0.3) == []


async def test_duplicate_message_id_is_handled_once(bus: BusEnv, store: IdempotencyStore) -> None:
    _, async_q = await bus.system("prov")
    handled: list[bytes] = []

    async def handler(delivery: Delivery) -> None:
        handled.append(delivery.body)

    consumer = await consume(async_q, handler, idempotency=store, retry_delay=0, prefetch=1)
    await publish(bus, b"<first/>", "m-dup")
    await publish(bus, b"<again/>", "m-dup")
    await publish(bus, b"<other/>", "m-other")
    await eventually(lambda: len(handled) == 2)
    await asyncio.sleep(0.2)
    assert handled == [b"<first/>", b"<other/>"]
    await consumer.stop()
    assert await bus.depth(async_q.name) == (0, 0)  # the duplicate was acked, not left behind


async def test_handler_can_mark_in_its_own_transaction(bus: BusEnv, tmp_path: Path) -> None:
    _, async_q = await bus.system("prov")
    engine = create_engine_for(f"sqlite:///{tmp_path / 'tx.sqlite'}")
    store = SqlIdempotencyStore(engine, "tx-consumer")
    handled: list[str] = []

    async def handler(delivery: Delivery) -> None:
        with Session(engine) as session:
            store.mark_in(session, delivery.message_id)  # same transaction as the work
            session.commit()
        handled.append(delivery.message_id)

    consumer = await consume(async_q, handler, idempotency=store, retry_delay=0)
    await publish(bus, b"<m/>", "m-tx")
    await eventually(lambda: handled == ["m-tx"])
    await consumer.stop()
    assert store.handled_ids() == ["m-tx"]


class FakeMessage:
    """Just enough of an incoming message for the consumer's bookkeeping (no broker)."""

    def __init__(self, message_id: str | None, *, redelivered: bool = False) -> None:
        self.body = b"<m/>"
        self.headers: dict[str, Any] = {}
        self.message_id = message_id
        self.correlation_id = None
        self.reply_to = None
        self.type = None
        self.routing_key = "prov"
        self.redelivered = redelivered
        self.expiration = None
        self.settled: list[tuple[str, bool]] = []

    async def ack(self) -> None:
        self.settled.append(("ack", False))

    async def reject(self, requeue: bool = False) -> None:
        self.settled.append(("reject", requeue))


class FakeQueue:
    name = "fake.queue"

    class channel:
        publisher_confirms = True


async def test_message_without_id_is_dead_lettered_without_calling_the_handler() -> None:
    from egov_kit.bus.consumer import Consumer

    called: list[Delivery] = []

    async def handler(delivery: Delivery) -> None:
        called.append(delivery)

    consumer = Consumer(FakeQueue(), handler, idempotency=MemoryIdempotencyStore())  # type: ignore[arg-type]
    message = FakeMessage(None)
    await consumer._process(message)  # type: ignore[arg-type]
    assert message.settled == [("reject", False)]
    assert called == []


async def test_last_unsettled_attempt_is_dead_lettered_without_running_again() -> None:
    from egov_kit.bus.consumer import Consumer

    called: list[Delivery] = []

    async def handler(delivery: Delivery) -> None:
        called.append(delivery)

    consumer = Consumer(FakeQueue(), handler, idempotency=MemoryIdempotencyStore(), max_attempts=3)  # type: ignore[arg-type]
    message = FakeMessage("m-poison", redelivered=True)
    message.headers[ATTEMPT_HEADER] = 3
    await consumer._process(message)  # type: ignore[arg-type]
    assert message.settled == [("reject", False)]
    assert called == []
