"""Building ШЭП requests for tests: right ones, and every way of getting one wrong."""

from __future__ import annotations

from datetime import datetime

import httpx
from egov_cli.identity import TEST_INTEGRATOR_ID, TEST_INTEGRATOR_PASSWORD
from egov_kit.clock import now
from egov_kit.shep import ErrorInfo, MessageData, SenderInfo, SyncMessageInfo, SyncSendMessageRequest
from egov_kit.shep.client import ShepClient
from egov_kit.shep.models import new_message_id
from lxml import etree


def ping(text: str = "ping") -> etree._Element:
    element = etree.Element("{urn:egov-sandbox:test:v1}ping", nsmap={"t": "urn:egov-sandbox:test:v1"})
    element.text = text
    return element


def sync_request(
    service_id: str = "TEST_EchoSync",
    *,
    sender_id: str = TEST_INTEGRATOR_ID,
    password: str = TEST_INTEGRATOR_PASSWORD,
    message_id: str | None = None,
    message_date: datetime | None = None,
    data: etree._Element | None = None,
) -> SyncSendMessageRequest:
    return SyncSendMessageRequest(
        request_info=SyncMessageInfo(
            message_id=message_id or new_message_id(),
            service_id=service_id,
            message_date=message_date or now(),
            sender=SenderInfo(sender_id=sender_id, password=password),
        ),
        request_data=MessageData.of(data if data is not None else ping()),
    )


async def fault_of(client: ShepClient, response: httpx.Response) -> ErrorInfo:
    """The gateway's (verified) fault; fails the test when the answer is not a fault."""
    opened = await client.open_answer(response)
    assert isinstance(opened.model, ErrorInfo), f"expected a fault, got {opened.operation}"
    assert response.status_code == 500
    return opened.model


def journal_directions(client: ShepClient, message_id: str) -> list[str]:
    entries = httpx.get(
        f"{client._http.base_url}/journal", params={"message_id": message_id}, timeout=10
    ).json()
    return sorted(entry["direction"] for entry in entries)
