"""Asynchronous answers through ШЭП: UPDATE and RESPONSE sent with РПН's own ШЭП client."""

from __future__ import annotations

from collections.abc import Callable

from egov_kit.shep.client import ShepClient
from egov_kit.shep.models import MessageType
from lxml import etree

from phc_registry.domain.errors import NotReady


class ShepReplies:
    """Sends with the client ``client()`` gives (the provider runtime's, resolved per call)."""

    def __init__(self, client: Callable[[], ShepClient | None]) -> None:
        self._client = client

    async def send(
        self, service_id: str, element: etree._Element, *, message_type: MessageType, correlation_id: str
    ) -> None:
        client = self._client()
        if client is None:
            raise NotReady("РПН's ШЭП client is not started")
        await client.send_async(service_id, element, message_type=message_type, correlation_id=correlation_id)
