"""The ШЭП bus over RabbitMQ (aio-pika): topology, confirmed publishing, RPC, idempotent consumers.

Typical wiring::

    connection = await connect()                       # robust, named, heartbeats
    channel = await connection.channel()
    sync_q, async_q = await declare_system_queues(channel, "gbd-fl")

    server = await serve_rpc(channel, sync_q, handler)  # provider, synchronous channel
    consumer = await consume(async_q, on_delivery, idempotency=SqlIdempotencyStore(engine, "gbd-fl"))

    client = await RpcClient.create(connection)         # gateway
    reply = await client.call(SYNC_EXCHANGE, "gbd-fl", body, message_id=mid, type_=service_id, timeout=10)

    publisher = await ConfirmedPublisher.create(connection)
    await publisher.publish(ASYNC_EXCHANGE, "gbd-fl", body, message_id=mid)

Errors carry ``code``: :class:`Unroutable` / :class:`PublishNotConfirmed` → ``PROVIDER_UNAVAILABLE``,
:class:`RpcTimeout` → ``PROVIDER_TIMEOUT``.
"""

from egov_kit.bus.connection import connect, default_connection_name
from egov_kit.bus.consumer import (
    ATTEMPT_HEADER,
    LAST_ERROR_HEADER,
    Consumer,
    Delivery,
    DeliveryHandler,
    consume,
)
from egov_kit.bus.errors import (
    PROVIDER_TIMEOUT,
    PROVIDER_UNAVAILABLE,
    BusError,
    PublishNotConfirmed,
    RpcTimeout,
    Unroutable,
)
from egov_kit.bus.idempotency import (
    IdempotencyStore,
    MemoryIdempotencyStore,
    ProcessedMessage,
    SqlIdempotencyStore,
)
from egov_kit.bus.publisher import ConfirmedPublisher
from egov_kit.bus.rpc import (
    IncomingRequest,
    Reply,
    RpcClient,
    RpcHandler,
    RpcResponse,
    RpcServer,
    serve_rpc,
)
from egov_kit.bus.topology import (
    ASYNC_EXCHANGE,
    CONTENT_TYPE,
    DEAD_QUEUE,
    DEFAULT_TOPOLOGY,
    DLX,
    SENDER_HEADER,
    SYNC_EXCHANGE,
    Exchanges,
    Topology,
    async_queue_name,
    declare_exchanges,
    declare_system_queues,
    sync_queue_name,
)
from egov_kit.bus.tracing import consumer_span, message_headers, producer_headers, producer_span

__all__ = [
    "ASYNC_EXCHANGE",
    "ATTEMPT_HEADER",
    "CONTENT_TYPE",
    "DEAD_QUEUE",
    "DEFAULT_TOPOLOGY",
    "DLX",
    "LAST_ERROR_HEADER",
    "PROVIDER_TIMEOUT",
    "PROVIDER_UNAVAILABLE",
    "SENDER_HEADER",
    "SYNC_EXCHANGE",
    "BusError",
    "ConfirmedPublisher",
    "Consumer",
    "Delivery",
    "DeliveryHandler",
    "Exchanges",
    "IdempotencyStore",
    "IncomingRequest",
    "MemoryIdempotencyStore",
    "ProcessedMessage",
    "PublishNotConfirmed",
    "Reply",
    "RpcClient",
    "RpcHandler",
    "RpcResponse",
    "RpcServer",
    "RpcTimeout",
    "SqlIdempotencyStore",
    "Topology",
    "Unroutable",
    "async_queue_name",
    "connect",
    "consume",
    "consumer_span",
    "declare_exchanges",
    "declare_system_queues",
    "default_connection_name",
    "message_headers",
    "producer_headers",
    "producer_span",
    "serve_rpc",
    "sync_queue_name",
]
