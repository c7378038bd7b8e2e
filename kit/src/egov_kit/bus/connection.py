"""One robust AMQP connection per process.

:func:`connect` returns an aio-pika robust connection: when the broker goes away it reconnects in
the background and restores its channels, exchanges, queues and consumers (a publish made while the
link is down fails; callers decide whether to retry). The connection carries a client-provided name
(``<service>@<host>:<pid>``) so an operator can tell connections apart on the broker.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import aio_pika
from aio_pika.abc import AbstractRobustConnection
from yarl import URL

from egov_kit.settings import CommonSettings

DEFAULT_HEARTBEAT = 30
"""Seconds; the broker and the client each drop the link after two missed heartbeats."""

DEFAULT_RECONNECT_INTERVAL = 2.0
"""Seconds between reconnection attempts of a robust connection."""


def default_connection_name() -> str:
    service = os.environ.get("OTEL_SERVICE_NAME") or Path(sys.argv[0] or "python").stem or "python"
    return f"{service}@{socket.gethostname()}:{os.getpid()}"


async def connect(
    url: str | None = None,
    *,
    name: str | None = None,
    heartbeat: int = DEFAULT_HEARTBEAT,
    reconnect_interval: float = DEFAULT_RECONNECT_INTERVAL,
    connect_timeout: float = 10.0,
) -> AbstractRobustConnection:
    """Open a robust connection to ``url`` (default: ``CommonSettings().amqp_url``).

    ``heartbeat``, ``name`` and ``reconnect_interval`` given in the URL's query win over the
    arguments. The first connection attempt fails fast (raises) when the broker is unreachable.
    """
    target = URL(url or CommonSettings().amqp_url)
    query: dict[str, str] = {
        "heartbeat": str(heartbeat),
        "name": name or default_connection_name(),
        "reconnect_interval": str(reconnect_interval),
    }
    query.update(target.query)
    return await aio_pika.connect_robust(target.with_query(query), timeout=connect_timeout)
