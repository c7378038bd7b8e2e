"""SOAP 1.1 envelopes: build, serialise, parse back; faults; every rejection has its named code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from egov_kit.errors import KitError
from egov_kit.shep import (
    ASYNC_NS,
    RESULT_CODES,
    SOAP_NS,
    SYNC_NS,
    WSU_NS,
    AsyncSendMessageRequest,
    ErrorInfo,
    MessageData,
    NotSoap,
    SchemaViolation,
    ShepBody,
    ShepMessageBody,
    SyncMessageInfo,
    SyncSendMessageRequest,
    SyncSendMessageResponse,
    UnknownOperation,
    body_element,
    body_model,
    build_envelope,
    envelope_bytes,
    fault_element,
    fault_envelope,
    parse_envelope,
)
from egov_kit.shep.models import FAULT_OPERATIONS
from lxml import etree

from tests.kit_shep.shep_samples import BUSINESS_XML, ESCAPED_XML, MOMENT, SAMPLES, SENDER, business_element

XSI = "http://www.w3.org/2001/XMLSchema-instance"


def _sync_request() -> SyncSendMessageRequest:
    body = dict(SAMPLES)["sync-request-full"]
    assert isinstance(body, SyncSendMessageRequest)
    return body


def _async_request() -> AsyncSendMessageRequest:
    body = dict(SAMPLES)["async-send-full"]
    assert isinstance(body, AsyncSendMessageRequest)
    return body


# --- round trips --------------------------------------------------------------------------------------


def test_every_body_round_trips_through_envelope_bytes(sample_body: ShepBody) -> None:
    raw = envelope_bytes(build_envelope(sample_body))
    parsed = parse_envelope(raw)
    assert type(parsed.model) is type(sample_body)
    assert parsed.model == sample_body
    assert parsed.operation == type(sample_body).xml_operation
    assert parsed.channel == type(sample_body).xml_channel
    assert not parsed.is_fault
    # and the serialisation is stable: parsing and building again gives the same body bytes
    assert isinstance(parsed.model, ShepMessageBody)
    again = etree.tostring(body_element(parsed.model))
    assert again == etree.tostring(body_element(sample_body))


def test_every_body_round_trips_without_envelope(sample_body: ShepBody) -> None:
    element = body_element(sample_body)
    assert body_model(element) == sample_body


def test_round_trip_detects_a_changed_field() -> None:
    body = _sync_request()
    parsed = parse_envelope(envelope_bytes(build_envelope(body)))
    assert isinstance(parsed.model, SyncSendMessageRequest)
    changed = parsed.model.model_copy(
        update={"request_info": parsed.model.request_info.model_copy(update={"service_id": "OTHER"})}
    )
    assert changed != body


def test_envelope_shape() -> None:
    envelope = build_envelope(_sync_request(), body_id="id-fixed")
    assert envelope.tag == f"{{{SOAP_NS}}}Envelope"
    header, body = list(envelope)
    assert header.tag == f"{{{SOAP_NS}}}Header" and len(header) == 0
    assert body.tag == f"{{{SOAP_NS}}}Body"
    assert body.get(f"{{{WSU_NS}}}Id") == "id-fixed"
    (operation,) = list(body)
    assert operation.tag == f"{{{SYNC_NS}}}SendMessage"
    # everything under the operation element down to data is unqualified
    request = operation[0]
    assert request.tag == "request"
    for element in request.iter():
        if element.tag == "data":
            break
        assert isinstance(element.tag, str) and not element.tag.startswith("{"), element.tag


def test_body_ids_are_fresh_and_referenceable() -> None:
    first = build_envelope(_sync_request())
    second = build_envelope(_sync_request())
    ids = [env[1].get(f"{{{WSU_NS}}}Id") for env in (first, second)]
    assert ids[0] != ids[1]
    assert all(re.fullmatch(r"id-[0-9a-f-]{36}", value or "") for value in ids)
    assert parse_envelope(envelope_bytes(first)).body_id == ids[0]


def test_envelope_bytes_are_utf8_with_declaration() -> None:
    raw = envelope_bytes(build_envelope(dict(SAMPLES)["sync-response-full"]))
    assert raw.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "ОК".encode() in raw
    assert b"\n  <soap:" not in raw  # never pretty-printed: the bytes may be signed


def test_text_data_goes_as_xs_string_like_the_real_examples() -> None:
    body = dict(SAMPLES)["sync-request-text"]
    data = body_element(body).find("request/requestData/data")
    assert data is not None
    assert data.get(f"{{{XSI}}}type") == "xs:string"
    assert data.nsmap["xs"] == "http://www.w3.org/2001/XMLSchema"
    assert data.text == ESCAPED_XML
    assert b"&lt;ns2:request" in etree.tostring(data)


def test_absent_and_empty_sync_data_are_distinguished() -> None:
    no_data = body_element(dict(SAMPLES)["sync-request-no-data"])
    container = no_data.find("request/requestData")
    assert container is not None and len(container) == 0
    empty = body_element(dict(SAMPLES)["sync-response-empty-data"])
    data = empty.find("response/responseData/data")
    assert data is not None and len(data) == 0 and not data.text
    assert isinstance(body_model(no_data), SyncSendMessageRequest)
    parsed_empty = body_model(empty)
    assert isinstance(parsed_empty, SyncSendMessageResponse)
    assert parsed_empty.response_data == MessageData()


def test_building_does_not_move_or_change_the_models_element() -> None:
    holder = etree.fromstring(b"<holder/>")
    element = business_element()
    holder.append(element)
    body = SyncSendMessageRequest(
        request_info=_sync_request().request_info, request_data=MessageData.of(element)
    )
    before = etree.tostring(holder)
    build_envelope(body)
    build_envelope(body)
    assert element.getparent() is holder
    assert etree.tostring(holder) == before


def test_an_element_with_a_tail_is_sent_without_it() -> None:
    holder = etree.fromstring(b"<holder><doc>1</doc>trailing text of the holder</holder>")
    body = SyncSendMessageRequest(
        request_info=_sync_request().request_info, request_data=MessageData.of(holder[0])
    )
    parsed = parse_envelope(envelope_bytes(build_envelope(body)))
    assert parsed.model == body
    assert b"trailing" not in etree.tostring(parsed.envelope)


def test_pretty_printed_data_is_read_and_forwarded() -> None:
    raw = (
        _sync_raw()
        .replace("<data><gbd:", "<data>\n    <gbd:")
        .replace("</gbd:PersonRequest></data>", "</gbd:PersonRequest>\n  </data>")
    )
    parsed = parse_envelope(raw.encode())
    assert parsed.model == _sync_request()
    assert isinstance(parsed.model, ShepMessageBody)
    rebuilt = parse_envelope(envelope_bytes(build_envelope(parsed.model)))
    assert rebuilt.model == _sync_request()


def test_parsed_element_is_the_received_node_not_a_rebuild() -> None:
    parsed = parse_envelope(envelope_bytes(build_envelope(_sync_request())))
    assert isinstance(parsed.model, SyncSendMessageRequest)
    assert parsed.model.request_data is not None
    element = parsed.model.request_data.element
    assert element is not None
    assert element.getroottree().getroot() is parsed.envelope
    assert element.getparent() is parsed.payload.find("request/requestData/data")


@pytest.mark.parametrize("exclusive", [False, True], ids=["c14n", "exc-c14n"])
def test_business_document_is_byte_identical_after_two_hops(exclusive: bool) -> None:
    """What an enveloped XML-DSig inside the data digests must survive client → gateway → provider."""
    original = business_element()
    expected = etree.tostring(original, method="c14n", exclusive=exclusive)
    body = SyncSendMessageRequest(
        request_info=_sync_request().request_info, request_data=MessageData.of(original)
    )
    hop1 = parse_envelope(envelope_bytes(build_envelope(body)))  # the gateway reads the client's message
    assert isinstance(hop1.model, ShepMessageBody)
    hop2 = parse_envelope(envelope_bytes(build_envelope(hop1.model)))  # and re-envelopes it for the provider
    assert isinstance(hop2.model, SyncSendMessageRequest) and hop2.model.request_data is not None
    document = hop2.model.request_data.document()
    assert document.getparent() is None
    assert etree.tostring(document, method="c14n", exclusive=exclusive) == expected
    assert b"<!-- kept -->" in etree.tostring(document)


# --- the real examples --------------------------------------------------------------------------------


def test_real_signed_request_parses(reference_shep: Path) -> None:
    raw = (reference_shep / "examples" / "sync-request-signed-gost.xml").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    parsed = parse_envelope(raw)
    assert parsed.operation == "SendMessage" and parsed.channel == "sync"
    model = parsed.model
    assert isinstance(model, SyncSendMessageRequest)
    info = model.request_info
    assert info.message_id == "7ea6369f-18c5-4633-ad73-19de35883e0b"
    assert info.service_id == "TEST_SERVICE_ID"
    assert info.sender.sender_id == "senderId" and info.sender.password == "senderPass"
    assert info.message_date.utcoffset() is not None
    assert info.message_date.isoformat() == "2019-09-24T12:20:34.539000+06:00"
    assert model.request_data is not None and model.request_data.text is not None
    document = model.request_data.document()
    assert document.tag == "{http://shep.nitec.kz/}request"
    assert document.findtext("uin") == "999999999999"
    # the signature in the header references exactly this Body
    reference = parsed.envelope.find(".//{http://www.w3.org/2000/09/xmldsig#}Reference")
    assert parsed.header is not None and reference is not None
    assert reference.get("URI") == f"#{parsed.body_id}"


def test_real_signed_response_parses(reference_shep: Path) -> None:
    raw = (reference_shep / "examples" / "sync-response-signed-gost.xml").read_bytes()
    parsed = parse_envelope(raw)
    model = parsed.model
    assert isinstance(model, SyncSendMessageResponse)
    assert parsed.operation == "SendMessageResponse"
    assert model.response_info.status.code == "Success"
    assert model.response_info.status.message == "ОК"
    assert not model.response_info.status.is_success  # the real example predates our SCSS001
    assert model.response_data is not None
    document = model.response_data.document()
    assert document.findtext("status/code") == "SUCCESS"


# --- faults -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "operation"),
    [(channel, operation) for channel, operations in FAULT_OPERATIONS.items() for operation in operations],
)
def test_faults_round_trip(channel: str, operation: str, sample_error: ErrorInfo) -> None:
    envelope = fault_envelope(sample_error, channel, operation)  # type: ignore[arg-type]
    parsed = parse_envelope(envelope_bytes(envelope))
    assert parsed.is_fault and parsed.fault is not None
    assert parsed.operation == "Fault"
    assert parsed.channel == channel
    assert parsed.model == sample_error
    assert parsed.fault.fault_element == f"{operation}Fault1_{operation}Fault"
    assert parsed.fault.string == sample_error.error_message
    assert parsed.fault.code == "Client"  # ACCESS_DENIED is the sender's to fix
    assert parsed.body_id is not None


def test_fault_envelope_is_shaped_like_jax_ws(sample_error: ErrorInfo) -> None:
    envelope = fault_envelope(sample_error, "sync", "SendMessage")
    fault = envelope.find(f"{{{SOAP_NS}}}Body/{{{SOAP_NS}}}Fault")
    assert fault is not None
    assert [child.tag for child in fault] == ["faultcode", "faultstring", "detail"]
    assert fault.findtext("faultcode") == "soap:Client"
    detail = fault.find("detail")
    assert detail is not None
    assert detail[0].tag == f"{{{SYNC_NS}}}SendMessageFault1_SendMessageFault"
    assert detail[0].findtext("errorCode") == "ACCESS_DENIED"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("PROVIDER_TIMEOUT", "Server"),
        ("INTERNAL_ERROR", "Server"),
        ("SCHEMA_VIOLATION", "Client"),
        ("???", "Server"),
    ],
)
def test_fault_code_follows_the_code_category(code: str, expected: str) -> None:
    error = ErrorInfo(error_code=code, error_message="m", error_date=MOMENT)
    parsed = parse_envelope(envelope_bytes(fault_envelope(error, "async", "getMessages")))
    assert parsed.fault is not None and parsed.fault.code == expected


def test_fault_code_can_be_forced(sample_error: ErrorInfo) -> None:
    parsed = parse_envelope(
        envelope_bytes(fault_envelope(sample_error, "sync", "SendMessage", fault_code="Server"))
    )
    assert parsed.fault is not None and parsed.fault.code == "Server"


def test_fault_for_unknown_operation_is_refused(sample_error: ErrorInfo) -> None:
    with pytest.raises(ValueError, match="SendMessage"):
        fault_envelope(sample_error, "async", "SendMessage")
    with pytest.raises(ValueError):
        fault_element(sample_error, "sync", "getMessages")


def test_fault_element_alone_reads_as_error_info(sample_error: ErrorInfo) -> None:
    assert body_model(fault_element(sample_error, "async", "sendDeliveryNotification")) == sample_error


def test_foreign_fault_without_error_info_is_still_reported() -> None:
    raw = (
        b'<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><S:Fault>'
        b"<faultcode>S:Server</faultcode><faultstring>java.lang.NullPointerException</faultstring>"
        b"</S:Fault></S:Body></S:Envelope>"
    )
    parsed = parse_envelope(raw)
    assert parsed.is_fault and parsed.channel is None
    assert isinstance(parsed.model, ErrorInfo)
    assert parsed.model.error_code == "Server"
    assert parsed.model.error_message == "java.lang.NullPointerException"


def test_fault_with_broken_error_info_is_a_schema_violation(sample_error: ErrorInfo) -> None:
    envelope = fault_envelope(sample_error, "sync", "SendMessage")
    error_code = envelope.find(f".//{{{SYNC_NS}}}SendMessageFault1_SendMessageFault/errorCode")
    assert error_code is not None
    error_code.getparent().remove(error_code)  # type: ignore[union-attr]
    with pytest.raises(SchemaViolation, match="errorCode"):
        parse_envelope(envelope_bytes(envelope))


# --- rejections ---------------------------------------------------------------------------------------


def _sync_raw() -> str:
    return envelope_bytes(build_envelope(_sync_request())).decode()


def _async_raw() -> str:
    return envelope_bytes(build_envelope(_async_request())).decode()


def _envelope(body: str) -> bytes:
    return (
        f'<soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Header/><soap:Body>{body}</soap:Body></soap:Envelope>'
    ).encode()


def _replace(raw: str, old: str, new: str) -> bytes:
    assert old in raw, old
    return raw.replace(old, new, 1).encode()


def _without(raw: str, tag: str) -> bytes:
    return re.sub(rf"<{tag}>.*?</{tag}>", "", raw, count=1, flags=re.S).encode()


SOAP_CASES: list[tuple[str, bytes, str, str]] = [
    ("not-xml", b"this is not <xml", "MALFORMED_XML", ""),
    ("empty", b"", "MALFORMED_XML", ""),
    (
        "dtd",
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        b"<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'><soap:Body>&lol2;</soap:Body>"
        b"</soap:Envelope>",
        "FORBIDDEN_DTD",
        "",
    ),
    ("plain-xml", b"<SendMessage/>", "NOT_SOAP", "not a SOAP 1.1"),
    (
        "soap12",
        b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>',
        "NOT_SOAP",
        "SOAP 1.2",
    ),
    (
        "no-body",
        f'<soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Header/></soap:Envelope>'.encode(),
        "NOT_SOAP",
        "no soap:Body",
    ),
    (
        "header-after-body",
        f'<soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Body/><soap:Header/></soap:Envelope>'.encode(),
        "NOT_SOAP",
        "after soap:Body",
    ),
    (
        "two-bodies",
        f'<soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Body/><soap:Body/></soap:Envelope>'.encode(),
        "NOT_SOAP",
        "",
    ),
    (
        "text-in-envelope",
        f'<soap:Envelope xmlns:soap="{SOAP_NS}">hello<soap:Body/></soap:Envelope>'.encode(),
        "NOT_SOAP",
        "",
    ),
    ("empty-body", _envelope(""), "UNKNOWN_OPERATION", "empty"),
    ("text-body", _envelope("SendMessage"), "UNKNOWN_OPERATION", "text"),
    ("unknown-operation", _envelope('<x:Transfer xmlns:x="urn:bank"/>'), "UNKNOWN_OPERATION", "Transfer"),
    (
        "wrong-namespace",
        _envelope(f'<a:SendMessage xmlns:a="{ASYNC_NS}"><request/></a:SendMessage>'),
        "UNKNOWN_OPERATION",
        SYNC_NS,
    ),
    (
        "two-operations",
        _envelope(f'<s:SendMessage xmlns:s="{SYNC_NS}"/><s:SendMessage xmlns:s="{SYNC_NS}"/>'),
        "UNKNOWN_OPERATION",
        "exactly one",
    ),
]


def _schema_cases() -> list[tuple[str, bytes, str, str]]:
    sync, asyn = _sync_raw(), _async_raw()
    return [
        ("missing-serviceId", _without(sync, "serviceId"), "SCHEMA_VIOLATION", "serviceId"),
        ("missing-sender", _without(sync, "sender"), "SCHEMA_VIOLATION", "sender"),
        ("missing-requestData", _without(sync, "requestData"), "SCHEMA_VIOLATION", "requestData"),
        (
            "bad-messageDate",
            re.sub(
                r"<messageDate>[^<]*</messageDate>", "<messageDate>yesterday</messageDate>", sync
            ).encode(),
            "SCHEMA_VIOLATION",
            "messageDate",
        ),
        (
            "bad-messageType",
            _replace(asyn, "<messageType>RESPONSE</messageType>", "<messageType>REPLY</messageType>"),
            "SCHEMA_VIOLATION",
            "messageType",
        ),
        (
            "bad-sessionId",
            _replace(sync, "{0f8fad5b-d9cb-469f-a165-70867728950e}", "0f8fad5b"),
            "SCHEMA_VIOLATION",
            "sessionId",
        ),
        (
            "qualified-request",
            _replace(_replace(sync, "<request>", "<sync:request>").decode(), "</request>", "</sync:request>"),
            "SCHEMA_VIOLATION",
            "request",
        ),
        (
            "unknown-child",
            _replace(sync, "<serviceId>", "<colour>red</colour><serviceId>"),
            "SCHEMA_VIOLATION",
            "colour",
        ),
        (
            "out-of-order",
            _replace(sync, "<requestInfo><messageId>", "<requestInfo><serviceId>X</serviceId><messageId>"),
            "SCHEMA_VIOLATION",
            "requestInfo/messageId: repeated or out of sequence order",
        ),
        (
            "repeated",
            _replace(sync, "<serviceId>", "<serviceId>A</serviceId><serviceId>"),
            "SCHEMA_VIOLATION",
            "repeated",
        ),
        (
            "text-in-info",
            _replace(sync, "<requestInfo>", "<requestInfo>stray text"),
            "SCHEMA_VIOLATION",
            "text",
        ),
        (
            "two-business-elements",
            _replace(sync, "</data>", "<second/></data>"),
            "SCHEMA_VIOLATION",
            "one business document",
        ),
        (
            "mixed-data",
            _replace(sync, "</data>", "tail text</data>"),
            "SCHEMA_VIOLATION",
            "mixes",
        ),
        (
            "async-no-data",
            re.sub(r"<messageData>.*</messageData>", "<messageData/>", asyn, flags=re.S).encode(),
            "SCHEMA_VIOLATION",
            "data",
        ),
        (
            "nil-request",
            _envelope(
                f'<s:SendMessage xmlns:s="{SYNC_NS}">'
                f'<request xmlns:xsi="{XSI}" xsi:nil="true"/></s:SendMessage>'
            ),
            "SCHEMA_VIOLATION",
            "nil",
        ),
        (
            "property-key-too-long",
            _replace(sync, "<key>k</key>", f"<key>{'k' * 31}</key>"),
            "SCHEMA_VIOLATION",
            "key",
        ),
    ]


@pytest.mark.parametrize(
    ("raw", "code", "needle"),
    [case[1:] for case in SOAP_CASES],
    ids=[case[0] for case in SOAP_CASES],
)
def test_soap_level_rejections_have_named_codes(raw: bytes, code: str, needle: str) -> None:
    with pytest.raises(KitError) as caught:
        parse_envelope(raw)
    assert caught.value.code == code
    assert code in RESULT_CODES  # every rejection is documented
    assert needle in caught.value.message
    if code == "NOT_SOAP":
        assert isinstance(caught.value, NotSoap)
    if code == "UNKNOWN_OPERATION":
        assert isinstance(caught.value, UnknownOperation)


@pytest.mark.parametrize("case", _schema_cases(), ids=lambda case: case[0])
def test_structural_rejections_are_schema_violations(case: tuple[str, bytes, str, str]) -> None:
    _, raw, code, needle = case
    with pytest.raises(SchemaViolation) as caught:
        parse_envelope(raw)
    assert caught.value.code == code
    assert needle in caught.value.message


def test_too_large_is_refused_before_parsing() -> None:
    raw = envelope_bytes(build_envelope(_sync_request()))
    with pytest.raises(KitError) as caught:
        parse_envelope(raw, max_bytes=len(raw) - 1)
    assert caught.value.code == "XML_TOO_LARGE"
    assert parse_envelope(raw, max_bytes=len(raw)).operation == "SendMessage"


def test_schema_violation_message_names_the_path() -> None:
    with pytest.raises(SchemaViolation) as caught:
        parse_envelope(_without(_sync_raw(), "serviceId"))
    assert caught.value.message.startswith("SendMessage/request: requestInfo/serviceId: Field required")


def test_list_errors_point_at_the_item() -> None:
    raw = _replace(_async_raw(), "<key>lang</key>", f"<key>{'x' * 40}</key>")
    with pytest.raises(SchemaViolation, match=r"properties\[2\]/key"):
        parse_envelope(raw)


def test_unwritable_text_is_a_schema_violation() -> None:
    info = SyncMessageInfo(message_id="bad\x00id", service_id="S", message_date=MOMENT, sender=SENDER)
    with pytest.raises(SchemaViolation, match="messageId"):
        build_envelope(SyncSendMessageRequest(request_info=info))


def test_comments_and_whitespace_between_elements_are_fine() -> None:
    raw = _sync_raw().replace("<requestInfo>", "<requestInfo>\n  <!-- note -->\n  ")
    parsed = parse_envelope(raw.encode())
    assert parsed.model == _sync_request()


def test_business_bytes_are_in_the_envelope_verbatim() -> None:
    raw = envelope_bytes(build_envelope(_sync_request()))
    assert BUSINESS_XML in raw  # namespace declarations, comment, whitespace and all
