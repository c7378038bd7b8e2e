"""The portal's seam to ШЭП: what it needs of ``egov_kit.shep.client.ShepClient``.

In the running service this is the client of the portal's :class:`~egov_kit.shep.host.ProviderHost`
(sealed with the portal's certificate, answers opened only after the gateway's signature checks
out); tests put an in-memory fake with the same two methods in its place.
"""

from __future__ import annotations

from typing import Protocol

from egov_kit.shep.models import MessageType
from lxml import etree


class SyncAnswer(Protocol):
    @property
    def data(self) -> etree._Element | None: ...


class ShepPort(Protocol):
    async def send_sync(self, service_id: str, data: etree._Element | None) -> SyncAnswer: ...

    async def send_async(
        self,
        service_id: str,
        data: etree._Element,
        *,
        message_type: MessageType = ...,
        message_id: str | None = ...,
    ) -> object: ...
