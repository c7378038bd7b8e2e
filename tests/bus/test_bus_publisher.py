"""Confirmed publishing: persistent, mandatory, traced; unroutable and durable behaviour."""

from __future__ import annotations

import uuid

import pytest
from aio_pika import DeliveryMode
from egov_kit.bus import (
    CONTENT_TYPE,
    ConfirmedPublisher,
    PublishNotConfirmed,
    Unroutable,
    connect,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from .helpers import BusEnv

pytestmark = pytest.mark.integration


async def test_unroutable_publish_raises_provider_unavailable(bus: BusEnv) -> None:
    await bus.system("prov")
    publisher = await ConfirmedPublisher.create(bus.connection)
    with pytest.raises(Unroutable) as caught:
        await publisher.publish(bus.topology.async_exchange, "nobody", b"<x/>", message_id="m1")
    assert caught.value.code == "PROVIDER_UNAVAILABLE"
    # The channel stays usable after a returned message.
    await publisher.publish(bus.topology.async_exchange, "prov", b"<x/>", message_id="m2")
    await publisher.close()


async def test_missing_exchange_is_unroutable_and_the_channel_recovers(bus: BusEnv) -> None:
    await bus.system("prov")
    publisher = await ConfirmedPublisher.create(bus.connection)
    with pytest.raises(Unroutable):
        await publisher.publish(bus.topology.prefix + "no-such-exchange", "prov", b"<x/>", message_id="m1")
    await publisher.publish(bus.topology.async_exchange, "prov", b"<x/>", message_id="m2")
    await publisher.close()


async def test_publish_after_close_is_not_confirmed(bus: BusEnv) -> None:
    await bus.system("prov")
    publisher = await ConfirmedPublisher.create(bus.connection)
    await publisher.close()
    with pytest.raises(PublishNotConfirmed) as caught:
        await publisher.publish(bus.topology.async_exchange, "prov", b"<x/>", message_id="m1")
    assert caught.value.code == "PROVIDER_UNAVAILABLE"


async def test_a_channel_without_confirms_is_refused(bus: BusEnv) -> None:
    channel = await bus.connection.channel(publisher_confirms=False)
    with pytest.raises(ValueError, match="publisher_confirms"):
        ConfirmedPublisher(channel)


async def test_persistent_message_survives_on_a_durable_queue_across_connections(
    bus: BusEnv, spans: InMemorySpanExporter
) -> None:
    _, async_q = await bus.system("prov")
    publisher = await ConfirmedPublisher.create(bus.connection)
    message_id = uuid.uuid4().hex
    await publisher.publish(
        bus.topology.async_exchange,
        "prov",
        b"<envelope/>",
        message_id=message_id,
        correlation_id="c-1",
        type_="svc-1",
        headers={"x-shep-sender": "portal"},
    )
    await publisher.close()
    await bus.connection.close()

    # A new connection (as after a process restart) finds the message, with every property intact.
    bus.connection = await connect(bus.url, name="pytest-bus-2")
    bus.channel = await bus.connection.channel()
    [message] = await bus.take(async_q.name, 1)
    assert message.body == b"<envelope/>"
    assert message.delivery_mode == DeliveryMode.PERSISTENT
    assert message.content_type == CONTENT_TYPE
    assert (message.message_id, message.correlation_id, message.type) == (message_id, "c-1", "svc-1")
    assert message.headers["x-shep-sender"] == "portal"
    assert "traceparent" in message.headers  # the publisher's PRODUCER span
    assert message.timestamp is not None


async def test_nack_raises_publish_not_confirmed(bus: BusEnv) -> None:
    # A full queue that refuses new messages makes the broker nack the publish.
    full = await bus.channel.declare_queue(
        bus.topology.prefix + "full",
        exclusive=True,
        arguments={"x-max-length": 0, "x-overflow": "reject-publish"},
    )
    publisher = await ConfirmedPublisher.create(bus.connection)
    with pytest.raises(PublishNotConfirmed) as caught:
        await publisher.publish("", full.name, b"<x/>", message_id="m1")
    assert caught.value.code == "PROVIDER_UNAVAILABLE"
    await publisher.close()


async def test_unroutable_on_a_default_channel_too(bus: BusEnv) -> None:
    # aio-pika's default channels hand a returned message back instead of raising.
    await bus.system("prov")
    publisher = ConfirmedPublisher(await bus.connection.channel())
    with pytest.raises(Unroutable):
        await publisher.publish(bus.topology.async_exchange, "nobody", b"<x/>", message_id="m1")
