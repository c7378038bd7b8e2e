"""Typed models of the ШЭП SyncChannel and AsyncChannel bodies.

Field for field the reference XSDs (``reference/shep/``): attribute names are the snake_case form of
the XML element names (``messageId`` → ``message_id``), fields are declared in the XSD's sequence
order (the XML mapping in :mod:`egov_kit.shep.soap` relies on that), lists are ``maxOccurs=
"unbounded"`` elements and ``X | None`` fields are ``minOccurs="0"``.

Times are timezone-aware ``datetime`` objects; a naive one (in Python or as ``xs:dateTime`` without an
offset on the wire) is taken as Kazakhstan time (UTC+5).

The business payload (``data``, ``xsd:anyType``) is a :class:`MessageData`: either the lxml element
exactly as received, so that an enveloped XML-DSig inside it still verifies, or the text the sender
put there as an escaped XML string (``xsi:type="xs:string"``, as the real examples do).
"""

from __future__ import annotations

import copy
import re
import uuid
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Annotated, ClassVar, Literal, TypeAlias

from lxml import etree
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from egov_kit.clock import KZ_TZ
from egov_kit.shep.codes import SUCCESS_CODE, SchemaViolation
from egov_kit.xml import parse_xml

COMMON_NS = "http://bip.bee.kz/common/v10/Types"
SYNC_NS = "http://bip.bee.kz/SyncChannel/v10/Types"
SYNC_REQUEST_NS = "http://bip.bee.kz/SyncChannel/v10/Types/Request"
SYNC_RESPONSE_NS = "http://bip.bee.kz/SyncChannel/v10/Types/Response"
ASYNC_NS = "http://bip.bee.kz/AsyncChannel/v10/Types"
ASYNC_ITYPES_NS = "http://bip.bee.kz/AsyncChannel/v10/ITypes"

Channel: TypeAlias = Literal["sync", "async"]

#: Operations that have a fault element, per channel; the element is ``<op>Fault1_<op>Fault``.
FAULT_OPERATIONS: dict[Channel, tuple[str, ...]] = {
    "sync": ("SendMessage",),
    "async": ("sendMessage", "sendDeliveryNotification", "getMessageStatus", "getMessages"),
}

CHANNEL_NAMESPACES: dict[Channel, str] = {"sync": SYNC_NS, "async": ASYNC_NS}


def fault_element_name(channel: Channel, operation: str) -> str:
    """Local name of the fault element of ``operation`` (``SendMessageFault1_SendMessageFault``)."""
    if operation not in FAULT_OPERATIONS.get(channel, ()):
        known = ", ".join(FAULT_OPERATIONS.get(channel, ()))
        raise ValueError(f"{channel} channel has no operation {operation!r} with a fault (known: {known})")
    return f"{operation}Fault1_{operation}Fault"


# --- xs:dateTime ------------------------------------------------------------------------------------

_XS_DATETIME = re.compile(
    r"(?P<year>-?\d{4,})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"T(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})(?:\.(?P<fraction>\d+))?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?"
)


def parse_xs_datetime(text: str) -> datetime:
    """Parse an ``xs:dateTime`` lexical value into an aware datetime (no offset → UTC+5).

    Fractions beyond microseconds are truncated. Raises ``ValueError`` for anything else.
    """
    value = text.strip()
    match = _XS_DATETIME.fullmatch(value)
    if match is None:
        raise ValueError(f"{text!r} is not an xs:dateTime (expected e.g. 2024-05-01T10:15:30.123+05:00)")
    tz_text = match["tz"]
    if tz_text is None:
        tzinfo: timezone = KZ_TZ
    elif tz_text == "Z":
        tzinfo = UTC
    else:
        sign = -1 if tz_text[0] == "-" else 1
        hours, minutes = int(tz_text[1:3]), int(tz_text[4:6])
        if hours > 14 or minutes > 59 or (hours == 14 and minutes):
            raise ValueError(f"{text!r}: time zone offset out of range")
        tzinfo = timezone(sign * timedelta(hours=hours, minutes=minutes))
    fraction = match["fraction"] or ""
    microsecond = int((fraction + "000000")[:6])
    hour = int(match["hour"])
    extra_day = False
    if hour == 24:
        if int(match["minute"]) or int(match["second"]) or microsecond:
            raise ValueError(f"{text!r}: 24:00:00 is the only valid time with hour 24")
        hour, extra_day = 0, True
    try:
        moment = datetime(
            int(match["year"]),
            int(match["month"]),
            int(match["day"]),
            hour,
            int(match["minute"]),
            int(match["second"]),
            microsecond,
            tzinfo=tzinfo,
        )
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date and time: {exc}") from exc
    return moment + timedelta(days=1) if extra_day else moment


def format_xs_datetime(moment: datetime) -> str:
    """Format as ``xs:dateTime`` with its offset; milliseconds when they are enough, as Java does."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=KZ_TZ)
    offset = moment.utcoffset()
    if offset is not None and offset.seconds % 60:
        moment = moment.astimezone(UTC)  # xs:dateTime offsets have minute precision
    if moment.microsecond == 0:
        timespec = "seconds"
    elif moment.microsecond % 1000 == 0:
        timespec = "milliseconds"
    else:
        timespec = "microseconds"
    return moment.isoformat(timespec=timespec)


def _datetime_before(value: object) -> object:
    if isinstance(value, str):
        return parse_xs_datetime(value)
    return value


def _datetime_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=KZ_TZ)
    return value


XsDateTime = Annotated[datetime, BeforeValidator(_datetime_before), AfterValidator(_datetime_aware)]
"""``xs:dateTime``: aware datetime; strings are read as xs:dateTime; naive values get UTC+5."""

GUID_PATTERN = r"^\{[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}\}$"
Guid = Annotated[str, StringConstraints(pattern=GUID_PATTERN)]
"""The common ``guid`` type: a UUID in braces, ``{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}``."""

XsInt = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]


def new_message_id() -> str:
    """A fresh message id (UUID4 text, as the real senders use)."""
    return str(uuid.uuid4())


def new_session_id() -> str:
    """A fresh ШЭП session id in the ``guid`` form (braces)."""
    return "{" + str(uuid.uuid4()) + "}"


# --- the business payload ---------------------------------------------------------------------------

_XML_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml\s[^>]*\?>")


def parse_business_text(text: str) -> etree._Element:
    """Parse escaped business XML carried as text (hardened parser; its own XML declaration, which may
    name an encoding the already-decoded text no longer has, is dropped first)."""
    return parse_xml(_XML_DECLARATION.sub("", text, count=1).encode("utf-8"))


def _canonical(element: etree._Element | None) -> bytes | None:
    if element is None:
        return None
    standalone = copy.deepcopy(element)
    standalone.tail = None
    return etree.tostring(standalone, method="c14n", exclusive=True, with_comments=True)


class MessageData(BaseModel):
    """Content of a ``data`` element: a business element, escaped XML text, or nothing.

    ``element`` is kept as received (never rebuilt): when an envelope is built, a deep copy of it is
    placed under ``data``; :meth:`document` gives a standalone copy, the form in which an enveloped
    signature inside it is verified. Equality compares exclusive C14N of the elements.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid")

    element: etree._Element | None = None
    text: str | None = None

    @field_validator("element", mode="before")
    @classmethod
    def _parse_element(cls, value: object) -> object:
        if isinstance(value, bytes):
            return parse_xml(value)
        if isinstance(value, str):
            return parse_business_text(value)
        return value

    @field_validator("element")
    @classmethod
    def _real_element(cls, value: etree._Element | None) -> etree._Element | None:
        if value is not None and not isinstance(value.tag, str):
            raise ValueError("data must hold an XML element, not a comment or processing instruction")
        return value

    @field_validator("text")
    @classmethod
    def _empty_text(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _one_of(self) -> MessageData:
        if self.element is not None and self.text is not None:
            raise ValueError("data holds either a business element or escaped XML text, not both")
        return self

    @field_serializer("element")
    def _serialize_element(self, value: etree._Element | None) -> str | None:
        if value is None:
            return None
        return etree.tostring(value, encoding="unicode", with_tail=False)

    @classmethod
    def of(cls, element: etree._Element) -> MessageData:
        return cls(element=element)

    @classmethod
    def of_text(cls, text: str) -> MessageData:
        """Escaped XML (or any string), sent as ``xsi:type="xs:string"`` like the real examples."""
        return cls(text=text)

    @property
    def is_empty(self) -> bool:
        return self.element is None and self.text is None

    def document(self) -> etree._Element:
        """The business document as a standalone element (a copy; text is parsed with parse_xml).

        Raises :class:`SchemaViolation` when there is no data, and the parser's named errors
        (``MALFORMED_XML``, ``FORBIDDEN_DTD``, ``XML_TOO_LARGE``) when the text is not acceptable XML.
        """
        if self.element is not None:
            standalone = copy.deepcopy(self.element)
            standalone.tail = None
            return standalone
        if self.text is not None:
            return parse_business_text(self.text)
        raise SchemaViolation("the message carries no business data")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MessageData):
            return NotImplemented
        return self.text == other.text and _canonical(self.element) == _canonical(other.element)


# --- common types -----------------------------------------------------------------------------------


class ShepModel(BaseModel):
    """Base of every mapped type: XML names are the camelCase aliases of the fields."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="forbid",
    )


class MessageType(StrEnum):
    REQUEST = "REQUEST"
    NOTIFICATION = "NOTIFICATION"
    UPDATE = "UPDATE"
    RESPONSE = "RESPONSE"


class MessageState(StrEnum):
    ON_DELIVERY = "ON_DELIVERY"
    DELIVERED = "DELIVERED"
    NOT_DELIVERED = "NOT_DELIVERED"
    DELIVERY_STOPPED = "DELIVERY_STOPPED"


class ReceiveStatus(StrEnum):
    MESSAGE_ACCEPTED = "MESSAGE_ACCEPTED"
    # The real schema spells the wire value this way; keep it.
    MESSAGE_NOT_ACCEPTED = "MESSAGE_NOT_ACCTEPTED"


class ResendMessage(StrEnum):
    RESEND = "RESEND"
    NOT_RESEND = "NOT_RESEND"


class SenderInfo(ShepModel):
    """The sending information system and its ШЭП password."""

    sender_id: str
    password: str | None = None


class Property(ShepModel):
    key: Annotated[str, StringConstraints(max_length=30)]
    value: Annotated[str, StringConstraints(max_length=500)]


class StatusInfo(ShepModel):
    code: str
    message: Annotated[str, StringConstraints(max_length=250)]

    @classmethod
    def success(cls, message: str = "OK") -> StatusInfo:
        return cls(code=SUCCESS_CODE.value, message=message)

    @property
    def is_success(self) -> bool:
        return self.code == SUCCESS_CODE.value


class ErrorInfo(ShepModel):
    """A rejection: the body of every ШЭП fault."""

    error_code: str
    error_message: str
    error_data: str | None = None
    error_date: XsDateTime
    sub_error: ErrorInfo | None = None
    session_id: Guid | None = None


class MessageStatusInfo(ShepModel):
    status_code: str
    status_message: str
    status_date: XsDateTime


class DeliveryStatusInfo(ShepModel):
    receive_status: ReceiveStatus
    status_date: XsDateTime
    resend_message: ResendMessage
    error: ErrorInfo | None = None


class DeliveryNotification(ShepModel):
    """The recipient's acknowledgement that it accepted (or did not accept) a delivered message."""

    message_id: str
    service_id: str
    notification_date: XsDateTime
    delivery_status: DeliveryStatusInfo


# --- bodies -----------------------------------------------------------------------------------------


class ShepMessageBody(ShepModel):
    """A body of one operation: the content of its ``request``/``response`` child.

    ``xml_*`` class attributes say where it goes: ``<xml_namespace:xml_operation><xml_wrapper>…``.
    """

    xml_channel: ClassVar[Channel]
    xml_namespace: ClassVar[str]
    xml_operation: ClassVar[str]
    xml_wrapper: ClassVar[Literal["request", "response"]]


class SyncMessageInfo(ShepModel):
    message_id: str
    correlation_id: str | None = None
    service_id: str
    message_date: XsDateTime
    route_id: str | None = None
    sender: SenderInfo
    properties: list[Property] = Field(default_factory=list)
    session_id: Guid | None = None


class SyncMessageInfoResponse(ShepModel):
    message_id: str
    correlation_id: str | None = None
    response_date: XsDateTime
    status: StatusInfo
    session_id: Guid | None = None


class SyncSendMessageRequest(ShepMessageBody):
    """SyncChannel ``SendMessage``: ``request_data`` None is an empty ``<requestData/>``."""

    xml_channel: ClassVar[Channel] = "sync"
    xml_namespace: ClassVar[str] = SYNC_NS
    xml_operation: ClassVar[str] = "SendMessage"
    xml_wrapper: ClassVar[Literal["request", "response"]] = "request"

    request_info: SyncMessageInfo
    request_data: MessageData | None = None


class SyncSendMessageResponse(ShepMessageBody):
    """SyncChannel ``SendMessageResponse``: ``response_data`` None is an empty ``<responseData/>``."""

    xml_channel: ClassVar[Channel] = "sync"
    xml_namespace: ClassVar[str] = SYNC_NS
    xml_operation: ClassVar[str] = "SendMessageResponse"
    xml_wrapper: ClassVar[Literal["request", "response"]] = "response"

    response_info: SyncMessageInfoResponse
    response_data: MessageData | None = None


class AsyncMessageInfo(ShepModel):
    message_id: str | None = None
    correlation_id: str | None = None
    service_id: str
    message_type: MessageType
    route_id: str | None = None
    message_date: XsDateTime
    sender: SenderInfo
    properties: list[Property] = Field(default_factory=list)
    session_id: Guid | None = None


class AsyncMessage(ShepModel):
    message_info: AsyncMessageInfo
    message_data: MessageData


class AsyncSendMessageRequest(ShepMessageBody):
    xml_channel: ClassVar[Channel] = "async"
    xml_namespace: ClassVar[str] = ASYNC_NS
    xml_operation: ClassVar[str] = "sendMessage"
    xml_wrapper: ClassVar[Literal["request", "response"]] = "request"

    message_info: AsyncMessageInfo
    message_data: MessageData


class AsyncSendMessageResponse(ShepMessageBody):
    xml_channel: ClassVar[Channel] = "async"
    xml_namespace: ClassVar[str] = ASYNC_NS
    xml_operation: ClassVar[str] = "sendMessageResponse"
    xml_wrapper: ClassVar[Literal["request", "response"]] = "response"

    message_id: str
    correlation_id: str
    response_date: XsDateTime
    session_id: Guid | None = None


class AsyncGetMessageStatusRequest(ShepMessageBody):
    xml_channel: ClassVar[Channel] = "async"
    xml_namespace: ClassVar[str] = ASYNC_NS
    xml_operation: ClassVar[str] = "getMessageStatus"
    xml_wrapper: ClassVar[Literal["request", "response"]] = "request"

    message_id: str
    request_date: XsDateTime
    sender: SenderInfo
    properties: list[Property] = Field(default_factory=list)


class AsyncGetMessageStatusResponse(ShepMessageBody):
    xml_channel: ClassVar[Channel] = "async"
    xml_namespace: ClassVar[str] = ASYNC_NS
    xml_operation: ClassVar[str] = "getMessageStatusResponse"
    xml_wrapper: ClassVar[Literal["request", "response"]] = "response"

    message_state: MessageState
    status: MessageStatusInfo
    response_date: XsDateTime
    session_id: str | None = None  # plain xsd:string here in the reference, not guid


class AsyncGetMessagesRequest(ShepMessageBody):
    xml_channel: ClassVar[Channel] = "async"
    xml_namespace: ClassVar[str] = ASYNC_NS
    xml_operation: ClassVar[str] = "getMessages"
    xml_wrapper: ClassVar[Literal["request", "response"]] = "request"

    message_id: str | None = None
    correlation_id: str | None = None
    request_date: XsDateTime | None = None
    service_id: str
    sender: SenderInfo | None = None
    amount: XsInt | None = None
    properties: list[Property] = Field(default_factory=list)


class AsyncGetMessagesResponse(ShepMessageBody):
    xml_channel: ClassVar[Channel] = "async"
    xml_namespace: ClassVar[str] = ASYNC_NS
    xml_operation: ClassVar[str] = "getMessagesResponse"
    xml_wrapper: ClassVar[Literal["request", "response"]] = "response"

    response_date: XsDateTime
    session_id: Guid
    messages: list[AsyncMessage] = Field(default_factory=list)


class AsyncSendDeliveryNotificationRequest(ShepMessageBody):
    xml_channel: ClassVar[Channel] = "async"
    xml_namespace: ClassVar[str] = ASYNC_NS
    xml_operation: ClassVar[str] = "sendDeliveryNotification"
    xml_wrapper: ClassVar[Literal["request", "response"]] = "request"

    notification: DeliveryNotification
    request_date: XsDateTime
    sender: SenderInfo | None = None


class AsyncSendDeliveryNotificationResponse(ShepMessageBody):
    xml_channel: ClassVar[Channel] = "async"
    xml_namespace: ClassVar[str] = ASYNC_NS
    xml_operation: ClassVar[str] = "sendDeliveryNotificationResponse"
    xml_wrapper: ClassVar[Literal["request", "response"]] = "response"

    notification_id: str
    response_date: XsDateTime
    session_id: Guid


ShepBody: TypeAlias = (
    SyncSendMessageRequest
    | SyncSendMessageResponse
    | AsyncSendMessageRequest
    | AsyncSendMessageResponse
    | AsyncGetMessageStatusRequest
    | AsyncGetMessageStatusResponse
    | AsyncGetMessagesRequest
    | AsyncGetMessagesResponse
    | AsyncSendDeliveryNotificationRequest
    | AsyncSendDeliveryNotificationResponse
)
"""Every operation body the gateway sends or receives (faults are :class:`ErrorInfo`)."""

BODY_TYPES: tuple[type[ShepMessageBody], ...] = (
    SyncSendMessageRequest,
    SyncSendMessageResponse,
    AsyncSendMessageRequest,
    AsyncSendMessageResponse,
    AsyncGetMessageStatusRequest,
    AsyncGetMessageStatusResponse,
    AsyncGetMessagesRequest,
    AsyncGetMessagesResponse,
    AsyncSendDeliveryNotificationRequest,
    AsyncSendDeliveryNotificationResponse,
)
