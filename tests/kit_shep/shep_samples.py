"""Sample ШЭП bodies (every operation, fully populated and minimal) shared by the kit_shep tests.

A module with a unique name (not conftest) so test modules can import it without clashing with
other test folders' conftest modules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from egov_kit.clock import KZ_TZ
from egov_kit.shep import (
    AsyncGetMessagesRequest,
    AsyncGetMessagesResponse,
    AsyncGetMessageStatusRequest,
    AsyncGetMessageStatusResponse,
    AsyncMessage,
    AsyncMessageInfo,
    AsyncSendDeliveryNotificationRequest,
    AsyncSendDeliveryNotificationResponse,
    AsyncSendMessageRequest,
    AsyncSendMessageResponse,
    DeliveryNotification,
    DeliveryStatusInfo,
    ErrorInfo,
    MessageData,
    MessageState,
    MessageStatusInfo,
    MessageType,
    Property,
    ReceiveStatus,
    ResendMessage,
    SenderInfo,
    ShepBody,
    StatusInfo,
    SyncMessageInfo,
    SyncMessageInfoResponse,
    SyncSendMessageRequest,
    SyncSendMessageResponse,
)
from lxml import etree

MOMENT = datetime(2024, 5, 1, 10, 15, 30, 123000, tzinfo=KZ_TZ)
SESSION = "{0f8fad5b-d9cb-469f-a165-70867728950e}"
SENDER = SenderInfo(sender_id="portal", password="s3cret")

BUSINESS_XML = (
    b'<gbd:PersonRequest xmlns:gbd="urn:example:gbdfl" xmlns:unused="urn:example:unused" Id="doc-1">'
    b"\n  <gbd:iin>900101300123</gbd:iin>\n  <!-- kept -->\n"
    + "  <gbd:note>Ақмола</gbd:note>".encode()
    + b'\n  <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignatureValue>AAAA</ds:SignatureValue>'
    b"</ds:Signature>\n</gbd:PersonRequest>"
)
ESCAPED_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<ns2:request xmlns:ns2="http://shep.nitec.kz/"><uin>999999999999</uin></ns2:request>'
)


def business_element() -> etree._Element:
    return etree.fromstring(BUSINESS_XML)


def make_error(code: str = "ACCESS_DENIED", nested: bool = True) -> ErrorInfo:
    return ErrorInfo(
        error_code=code,
        error_message="Доступ запрещён / access denied",
        error_data="service RPN_Attachment",
        error_date=MOMENT,
        sub_error=ErrorInfo(error_code="INNER", error_message="inner", error_date=MOMENT) if nested else None,
        session_id=SESSION,
    )


def _async_info(message_type: MessageType = MessageType.REQUEST, full: bool = True) -> AsyncMessageInfo:
    if not full:
        return AsyncMessageInfo(
            service_id="RPN_Attachment", message_type=message_type, message_date=MOMENT, sender=SENDER
        )
    return AsyncMessageInfo(
        message_id="m-1",
        correlation_id="c-1",
        service_id="RPN_Attachment",
        message_type=message_type,
        route_id="route-7",
        message_date=MOMENT,
        sender=SENDER,
        properties=[Property(key="channel", value="portal"), Property(key="lang", value="kk")],
        session_id=SESSION,
    )


def sample_bodies() -> list[tuple[str, ShepBody]]:
    """(id, body) for every operation: fully populated and minimal, element and text data."""
    utc_moment = datetime(2024, 5, 1, 5, 15, 30, tzinfo=UTC)
    odd_offset = datetime(2019, 9, 24, 12, 20, 34, 539123, tzinfo=timezone(timedelta(hours=6)))
    return [
        (
            "sync-request-full",
            SyncSendMessageRequest(
                request_info=SyncMessageInfo(
                    message_id="7ea6369f-18c5-4633-ad73-19de35883e0b",
                    correlation_id="chain-1",
                    service_id="GBDFL_UniversalServiceSync",
                    message_date=odd_offset,
                    route_id="r1",
                    sender=SENDER,
                    properties=[Property(key="k", value="v")],
                    session_id=SESSION,
                ),
                request_data=MessageData.of(business_element()),
            ),
        ),
        (
            "sync-request-text",
            SyncSendMessageRequest(
                request_info=SyncMessageInfo(
                    message_id="m",
                    service_id="GBDFL_UniversalServiceSync",
                    message_date=utc_moment,
                    sender=SenderInfo(sender_id="iis-gk"),
                ),
                request_data=MessageData.of_text(ESCAPED_XML),
            ),
        ),
        (
            "sync-request-no-data",
            SyncSendMessageRequest(
                request_info=SyncMessageInfo(
                    message_id="m", service_id="S", message_date=MOMENT, sender=SenderInfo(sender_id="x")
                ),
            ),
        ),
        (
            "sync-response-full",
            SyncSendMessageResponse(
                response_info=SyncMessageInfoResponse(
                    message_id="r-1",
                    correlation_id="chain-1",
                    response_date=MOMENT,
                    status=StatusInfo.success("ОК"),
                    session_id=SESSION,
                ),
                response_data=MessageData.of(business_element()),
            ),
        ),
        (
            "sync-response-empty-data",
            SyncSendMessageResponse(
                response_info=SyncMessageInfoResponse(
                    message_id="r-2", response_date=MOMENT, status=StatusInfo(code="SCSS001", message="")
                ),
                response_data=MessageData(),
            ),
        ),
        (
            "async-send-full",
            AsyncSendMessageRequest(
                message_info=_async_info(MessageType.RESPONSE),
                message_data=MessageData.of(business_element()),
            ),
        ),
        (
            "async-send-minimal-text",
            AsyncSendMessageRequest(
                message_info=_async_info(MessageType.REQUEST, full=False),
                message_data=MessageData.of_text(ESCAPED_XML),
            ),
        ),
        (
            "async-send-response-full",
            AsyncSendMessageResponse(
                message_id="m-1", correlation_id="c-1", response_date=MOMENT, session_id=SESSION
            ),
        ),
        (
            "async-send-response-minimal",
            AsyncSendMessageResponse(message_id="m-1", correlation_id="c-1", response_date=MOMENT),
        ),
        (
            "async-status-request",
            AsyncGetMessageStatusRequest(
                message_id="m-1", request_date=MOMENT, sender=SENDER, properties=[Property(key="a", value="")]
            ),
        ),
        (
            "async-status-response",
            AsyncGetMessageStatusResponse(
                message_state=MessageState.DELIVERY_STOPPED,
                status=MessageStatusInfo(
                    status_code="NOT_ACCEPTED", status_message="refused", status_date=MOMENT
                ),
                response_date=MOMENT,
                session_id="not-a-guid-here-by-design",
            ),
        ),
        (
            "async-get-messages-full",
            AsyncGetMessagesRequest(
                message_id="m-1",
                correlation_id="c-1",
                request_date=MOMENT,
                service_id="RPN_Attachment",
                sender=SENDER,
                amount=50,
                properties=[Property(key="k", value="v")],
            ),
        ),
        ("async-get-messages-minimal", AsyncGetMessagesRequest(service_id="RPN_Attachment")),
        (
            "async-get-messages-response",
            AsyncGetMessagesResponse(
                response_date=MOMENT,
                session_id=SESSION,
                messages=[
                    AsyncMessage(message_info=_async_info(), message_data=MessageData.of(business_element())),
                    AsyncMessage(
                        message_info=_async_info(MessageType.UPDATE),
                        message_data=MessageData.of_text("status"),
                    ),
                    AsyncMessage(
                        message_info=_async_info(MessageType.NOTIFICATION), message_data=MessageData()
                    ),
                ],
            ),
        ),
        (
            "async-get-messages-response-empty",
            AsyncGetMessagesResponse(response_date=MOMENT, session_id=SESSION),
        ),
        (
            "async-delivery-accepted",
            AsyncSendDeliveryNotificationRequest(
                notification=DeliveryNotification(
                    message_id="m-1",
                    service_id="RPN_Attachment",
                    notification_date=MOMENT,
                    delivery_status=DeliveryStatusInfo(
                        receive_status=ReceiveStatus.MESSAGE_ACCEPTED,
                        status_date=MOMENT,
                        resend_message=ResendMessage.NOT_RESEND,
                    ),
                ),
                request_date=MOMENT,
                sender=SENDER,
            ),
        ),
        (
            "async-delivery-refused",
            AsyncSendDeliveryNotificationRequest(
                notification=DeliveryNotification(
                    message_id="m-1",
                    service_id="RPN_Attachment",
                    notification_date=MOMENT,
                    delivery_status=DeliveryStatusInfo(
                        receive_status=ReceiveStatus.MESSAGE_NOT_ACCEPTED,
                        status_date=MOMENT,
                        resend_message=ResendMessage.RESEND,
                        error=make_error("SCHEMA_VIOLATION"),
                    ),
                ),
                request_date=MOMENT,
            ),
        ),
        (
            "async-delivery-response",
            AsyncSendDeliveryNotificationResponse(
                notification_id="n-1", response_date=MOMENT, session_id=SESSION
            ),
        ),
    ]


SAMPLES = sample_bodies()
