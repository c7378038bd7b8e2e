"""The pydantic models: xs:dateTime handling, field constraints, the business payload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from egov_kit.clock import KZ_TZ
from egov_kit.errors import KitError
from egov_kit.shep import (
    AsyncMessageInfo,
    ErrorInfo,
    MessageData,
    MessageType,
    Property,
    ReceiveStatus,
    SchemaViolation,
    SenderInfo,
    StatusInfo,
    SyncSendMessageRequest,
    format_xs_datetime,
    new_message_id,
    new_session_id,
    parse_xs_datetime,
)
from lxml import etree
from pydantic import ValidationError

from tests.kit_shep.shep_samples import BUSINESS_XML, MOMENT, SAMPLES, business_element

# --- xs:dateTime --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "2019-09-24T12:20:34.539+06:00",
            datetime(2019, 9, 24, 12, 20, 34, 539000, timezone(timedelta(hours=6))),
        ),
        ("2024-05-01T05:15:30Z", datetime(2024, 5, 1, 5, 15, 30, tzinfo=UTC)),
        ("2024-05-01T10:15:30", datetime(2024, 5, 1, 10, 15, 30, tzinfo=KZ_TZ)),
        (
            "2024-05-01T10:15:30.1234567-03:30",
            datetime(2024, 5, 1, 10, 15, 30, 123456, timezone(timedelta(hours=-3, minutes=-30))),
        ),
        (" 2024-05-01T10:15:30+05:00\n", datetime(2024, 5, 1, 10, 15, 30, tzinfo=KZ_TZ)),
        ("2024-12-31T24:00:00Z", datetime(2025, 1, 1, tzinfo=UTC)),
    ],
)
def test_xs_datetime_is_read_with_its_offset(text: str, expected: datetime) -> None:
    parsed = parse_xs_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2024-05-01",
        "2024-05-01 10:15:30",
        "1714550000",
        "2024-13-01T10:15:30",
        "2024-02-30T10:15:30",
        "2024-05-01T10:15:30+15:00",
        "2024-05-01T24:00:01",
        "2024-05-01T10:15:30+0500",
    ],
)
def test_invalid_xs_datetime_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_xs_datetime(text)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2024, 5, 1, 10, 15, 30, tzinfo=KZ_TZ), "2024-05-01T10:15:30+05:00"),
        (datetime(2024, 5, 1, 10, 15, 30, 123000, tzinfo=KZ_TZ), "2024-05-01T10:15:30.123+05:00"),
        (datetime(2024, 5, 1, 10, 15, 30, 123456, tzinfo=UTC), "2024-05-01T10:15:30.123456+00:00"),
        (datetime(2024, 5, 1, 10, 15, 30), "2024-05-01T10:15:30+05:00"),
    ],
)
def test_xs_datetime_is_written_with_an_offset(moment: datetime, text: str) -> None:
    assert format_xs_datetime(moment) == text
    assert parse_xs_datetime(text) == (moment if moment.tzinfo else moment.replace(tzinfo=KZ_TZ))


def test_naive_datetimes_in_models_are_kazakhstan_time() -> None:
    error = ErrorInfo(error_code="X", error_message="m", error_date=datetime(2024, 5, 1, 12, 0))
    assert error.error_date.utcoffset() == timedelta(hours=5)
    from_text = ErrorInfo(error_code="X", error_message="m", error_date="2024-05-01T12:00:00")  # type: ignore[arg-type]
    assert from_text.error_date == error.error_date


def test_models_refuse_non_xs_datetime_strings() -> None:
    with pytest.raises(ValidationError, match="xs:dateTime"):
        ErrorInfo(error_code="X", error_message="m", error_date="2024-05-01 12:00")  # type: ignore[arg-type]


# --- constraints that the schemas have ----------------------------------------------------------------


def test_session_id_must_be_a_braced_guid() -> None:
    ErrorInfo(error_code="X", error_message="m", error_date=MOMENT, session_id=new_session_id())
    with pytest.raises(ValidationError, match=r"sessionId|session_id"):
        ErrorInfo(error_code="X", error_message="m", error_date=MOMENT, session_id=new_message_id())


def test_property_lengths() -> None:
    Property(key="k" * 30, value="v" * 500)
    with pytest.raises(ValidationError):
        Property(key="k" * 31, value="v")
    with pytest.raises(ValidationError):
        Property(key="k", value="v" * 501)


def test_status_message_length_and_success() -> None:
    assert StatusInfo.success().code == "SCSS001" and StatusInfo.success().is_success
    with pytest.raises(ValidationError):
        StatusInfo(code="SCSS001", message="m" * 251)


def test_message_type_is_an_enumeration() -> None:
    info = AsyncMessageInfo.model_validate(
        {
            "serviceId": "S",
            "messageType": "UPDATE",
            "messageDate": "2024-05-01T10:00:00Z",
            "sender": {"senderId": "x"},
        }
    )
    assert info.message_type is MessageType.UPDATE
    with pytest.raises(ValidationError, match="messageType"):
        AsyncMessageInfo.model_validate(
            {
                "serviceId": "S",
                "messageType": "REPLY",
                "messageDate": "2024-05-01T10:00:00Z",
                "sender": {"senderId": "x"},
            }
        )


def test_refused_delivery_keeps_the_real_wire_spelling() -> None:
    assert ReceiveStatus.MESSAGE_NOT_ACCEPTED.value == "MESSAGE_NOT_ACCTEPTED"


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        SenderInfo(sender_id="x", pasword="typo")  # type: ignore[call-arg]


def test_fields_accept_snake_and_xml_names() -> None:
    assert SenderInfo(sender_id="x") == SenderInfo.model_validate({"senderId": "x"})
    assert SenderInfo(sender_id="x").model_dump(by_alias=True) == {"senderId": "x", "password": None}


# --- the business payload -----------------------------------------------------------------------------


def test_message_data_holds_one_form_only() -> None:
    with pytest.raises(ValidationError, match="not both"):
        MessageData(element=business_element(), text="<a/>")
    assert MessageData(text="").text is None
    assert MessageData().is_empty


def test_message_data_accepts_bytes_and_text_as_elements() -> None:
    from_bytes = MessageData(element=BUSINESS_XML)  # type: ignore[arg-type]
    from_text = MessageData(element=BUSINESS_XML.decode())  # type: ignore[arg-type]
    assert from_bytes == from_text == MessageData.of(business_element())


def test_message_data_refuses_comments_and_hostile_xml() -> None:
    with pytest.raises(ValidationError):
        MessageData(element=etree.Comment("no"))
    with pytest.raises(KitError) as caught:
        MessageData(element=b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>')  # type: ignore[arg-type]
    assert caught.value.code == "FORBIDDEN_DTD"


def test_message_data_equality_compares_content() -> None:
    assert MessageData.of(business_element()) == MessageData.of(business_element())
    assert MessageData.of(etree.fromstring(b"<a>1</a>")) != MessageData.of(etree.fromstring(b"<a>2</a>"))
    assert MessageData.of_text("<a/>") != MessageData.of(etree.fromstring(b"<a/>"))
    assert MessageData.of_text("x") == MessageData.of_text("x")


def test_document_is_a_standalone_copy() -> None:
    holder = etree.fromstring(
        b'<holder xmlns:h="urn:h"><x:doc xmlns:x="urn:x"><x:v>1</x:v></x:doc>tail</holder>'
    )
    data = MessageData.of(holder[0])
    document = data.document()
    assert document.getparent() is None and document.tail is None
    assert "h" not in document.nsmap  # the holder's unused namespace does not leak in
    document.find("{urn:x}v").text = "2"  # type: ignore[union-attr]
    assert holder[0][0].text == "1"


def test_document_from_escaped_text() -> None:
    text = '<?xml version="1.0" encoding="windows-1251"?><заявка><фио>Әлия Нұрланқызы</фио></заявка>'
    document = MessageData.of_text(text).document()
    assert document.tag == "заявка"
    assert document.findtext("фио") == "Әлия Нұрланқызы"


def test_document_of_nothing_or_garbage_has_named_errors() -> None:
    with pytest.raises(SchemaViolation):
        MessageData().document()
    with pytest.raises(KitError) as caught:
        MessageData.of_text("not xml <").document()
    assert caught.value.code == "MALFORMED_XML"


def test_models_with_elements_survive_json() -> None:
    body = dict(SAMPLES)["sync-request-full"]
    assert isinstance(body, SyncSendMessageRequest)
    restored = SyncSendMessageRequest.model_validate_json(body.model_dump_json())
    assert restored == body
    assert restored.request_data is not None and restored.request_data.element is not None
