"""The ШЭП client: how an information system calls services through the gateway.

It seals each request with the system's certificate, posts it to the gateway (one httpx transport
seam: a real socket, ``httpx.ASGITransport`` or ``httpx.MockTransport``), and opens the answer:
the gateway's signature and certificate are checked before anything in it is believed. A fault
becomes :class:`ShepFault` carrying the gateway's ``ErrorInfo``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import httpx
from lxml import etree
from opentelemetry.trace import SpanKind

from egov_kit.clock import now
from egov_kit.errors import KitError
from egov_kit.pki import CertificateIdentity, CertificateValidator, KeyPair
from egov_kit.shep.codes import ShepCode
from egov_kit.shep.models import (
    AsyncGetMessagesRequest,
    AsyncGetMessagesResponse,
    AsyncGetMessageStatusRequest,
    AsyncGetMessageStatusResponse,
    AsyncMessageInfo,
    AsyncSendDeliveryNotificationRequest,
    AsyncSendDeliveryNotificationResponse,
    AsyncSendMessageRequest,
    AsyncSendMessageResponse,
    DeliveryNotification,
    DeliveryStatusInfo,
    ErrorInfo,
    MessageData,
    MessageType,
    Property,
    ReceiveStatus,
    ResendMessage,
    SenderInfo,
    ShepBody,
    SyncMessageInfo,
    SyncSendMessageRequest,
    SyncSendMessageResponse,
    new_message_id,
)
from egov_kit.shep.sealed import OpenedEnvelope, open_signed, seal
from egov_kit.telemetry import inject, span

_T = TypeVar("_T")

SYNC_PATH = "/bip-sync-wss/"
ASYNC_PATH = "/bip-async-wss/"
GATEWAY_SYSTEM_ID = "SHEP"


class ShepFault(KitError):
    """The gateway (or a provider through it) answered with a ШЭП fault."""

    def __init__(self, error: ErrorInfo) -> None:
        super().__init__(error.error_message, code=error.error_code, data=error.error_data)
        self.error_info = error


@dataclass(frozen=True)
class SyncReply:
    response: SyncSendMessageResponse
    opened: OpenedEnvelope

    @property
    def data(self) -> etree._Element | None:
        data = self.response.response_data
        return None if data is None or data.is_empty else data.document()

    @property
    def signer(self) -> CertificateIdentity:
        return self.opened.signer


class ShepClient:
    def __init__(
        self,
        *,
        gateway_url: str,
        sender_id: str,
        password: str,
        keypair: KeyPair,
        validator: CertificateValidator,
        gateway_system_id: str = GATEWAY_SYSTEM_ID,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.sender_id = sender_id
        self.keypair = keypair
        self.validator = validator
        self.gateway_system_id = gateway_system_id
        self._password = password
        self._http = httpx.AsyncClient(base_url=gateway_url.rstrip("/"), transport=transport, timeout=timeout)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> ShepClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    @property
    def sender(self) -> SenderInfo:
        return SenderInfo(sender_id=self.sender_id, password=self._password)

    # --- synchronous channel ---------------------------------------------------------------------

    async def send_sync(
        self,
        service_id: str,
        data: etree._Element | None,
        *,
        message_id: str | None = None,
        correlation_id: str | None = None,
        session_id: str | None = None,
        properties: Sequence[Property] = (),
    ) -> SyncReply:
        request = SyncSendMessageRequest(
            request_info=SyncMessageInfo(
                message_id=message_id or new_message_id(),
                correlation_id=correlation_id,
                service_id=service_id,
                message_date=now(),
                sender=self.sender,
                properties=list(properties),
                session_id=session_id,
            ),
            request_data=None if data is None else MessageData.of(data),
        )
        with span(
            f"ШЭП SendMessage {service_id}",
            kind=SpanKind.CLIENT,
            attributes={"shep.service_id": service_id, "shep.message_id": request.request_info.message_id},
        ):
            opened = await self.exchange(SYNC_PATH, request)
        return SyncReply(response=_expect(opened, SyncSendMessageResponse), opened=opened)

    # --- asynchronous channel --------------------------------------------------------------------

    async def send_async(
        self,
        service_id: str,
        data: etree._Element,
        *,
        message_type: MessageType = MessageType.REQUEST,
        message_id: str | None = None,
        correlation_id: str | None = None,
        session_id: str | None = None,
        properties: Sequence[Property] = (),
    ) -> AsyncSendMessageResponse:
        request = AsyncSendMessageRequest(
            message_info=AsyncMessageInfo(
                message_id=message_id or new_message_id(),
                correlation_id=correlation_id,
                service_id=service_id,
                message_type=message_type,
                message_date=now(),
                sender=self.sender,
                properties=list(properties),
                session_id=session_id,
            ),
            message_data=MessageData.of(data),
        )
        with span(
            f"ШЭП sendMessage {service_id} {message_type.value}",
            kind=SpanKind.CLIENT,
            attributes={"shep.service_id": service_id, "shep.message_id": request.message_info.message_id},
        ):
            opened = await self.exchange(ASYNC_PATH, request)
        return _expect(opened, AsyncSendMessageResponse)

    async def get_message_status(self, message_id: str) -> AsyncGetMessageStatusResponse:
        request = AsyncGetMessageStatusRequest(message_id=message_id, request_date=now(), sender=self.sender)
        return _expect(await self.exchange(ASYNC_PATH, request), AsyncGetMessageStatusResponse)

    async def get_messages(self, service_id: str, *, amount: int | None = None) -> AsyncGetMessagesResponse:
        request = AsyncGetMessagesRequest(
            service_id=service_id, request_date=now(), sender=self.sender, amount=amount
        )
        return _expect(await self.exchange(ASYNC_PATH, request), AsyncGetMessagesResponse)

    async def send_delivery_notification(
        self, message_id: str, service_id: str, *, accepted: bool = True, error: ErrorInfo | None = None
    ) -> AsyncSendDeliveryNotificationResponse:
        request = AsyncSendDeliveryNotificationRequest(
            notification=DeliveryNotification(
                message_id=message_id,
                service_id=service_id,
                notification_date=now(),
                delivery_status=DeliveryStatusInfo(
                    receive_status=ReceiveStatus.MESSAGE_ACCEPTED
                    if accepted
                    else ReceiveStatus.MESSAGE_NOT_ACCEPTED,
                    status_date=now(),
                    resend_message=ResendMessage.NOT_RESEND if accepted else ResendMessage.RESEND,
                    error=error,
                ),
            ),
            request_date=now(),
            sender=self.sender,
        )
        return _expect(await self.exchange(ASYNC_PATH, request), AsyncSendDeliveryNotificationResponse)

    # --- transport -------------------------------------------------------------------------------

    async def exchange(self, path: str, body: ShepBody) -> OpenedEnvelope:
        """Seal ``body``, post it, and open the gateway's signed answer (fault → :class:`ShepFault`)."""
        response = await self.post_raw(path, seal(body, self.keypair))
        opened = await self.open_answer(response)
        if isinstance(opened.model, ErrorInfo):
            raise ShepFault(opened.model)
        return opened

    async def post_raw(self, path: str, raw: bytes) -> httpx.Response:
        """Post exact bytes (tests send tampered ones through here)."""
        headers = inject({"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'})
        try:
            return await self._http.post(path, content=raw, headers=headers)
        except httpx.HTTPError as exc:
            raise KitError(f"the gateway is unreachable: {exc}", code="GATEWAY_UNREACHABLE") from exc

    async def open_answer(self, response: httpx.Response) -> OpenedEnvelope:
        if not response.content:
            raise KitError(
                f"the gateway answered HTTP {response.status_code} with no body", code="GATEWAY_ERROR"
            )
        return await open_signed(response.content, self.validator, expected_signer=self.gateway_system_id)


def _expect(opened: OpenedEnvelope, kind: type[_T]) -> _T:
    model = opened.model
    if not isinstance(model, kind):
        raise KitError(
            f"the gateway answered {opened.operation}, expected {kind.__name__}",
            code=ShepCode.PROVIDER_REPLY_INVALID,
        )
    return model
