"""XSD validation: every body we build is valid against the real schemas AND our own contracts, and
both reject the same broken bodies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from egov_kit.shep import (
    ErrorInfo,
    SchemaUnavailable,
    SchemaViolation,
    ShepBody,
    body_element,
    build_envelope,
    envelope_bytes,
    fault_envelope,
    load_schema,
    parse_envelope,
    schema_for,
    validate_body,
)
from egov_kit.shep.models import FAULT_OPERATIONS
from egov_kit.shep.schemas import CONTRACTS_ENV, REFERENCE_ENV, contracts_dir, schema_path
from lxml import etree

from tests.kit_shep.shep_samples import SAMPLES

SOURCES = ["reference", "contracts"]


@pytest.fixture(params=SOURCES)
def source(request: pytest.FixtureRequest, reference_shep: Path) -> str:
    value: str = request.param
    return value


def test_every_built_body_validates(sample_body: ShepBody, source: str) -> None:
    channel = type(sample_body).xml_channel
    # standalone element, and the same element in a parsed envelope (as the gateway sees it)
    validate_body(body_element(sample_body), channel, source=source)  # type: ignore[arg-type]
    parsed = parse_envelope(envelope_bytes(build_envelope(sample_body)))
    validate_body(parsed.payload, source=source)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("channel", "operation"),
    [(channel, operation) for channel, operations in FAULT_OPERATIONS.items() for operation in operations],
)
def test_every_fault_validates(channel: str, operation: str, sample_error: ErrorInfo, source: str) -> None:
    parsed = parse_envelope(envelope_bytes(fault_envelope(sample_error, channel, operation)))  # type: ignore[arg-type]
    validate_body(parsed.payload, source=source)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["sync-request-signed-gost.xml", "sync-response-signed-gost.xml"])
def test_real_examples_validate_against_both(name: str, reference_shep: Path, source: str) -> None:
    parsed = parse_envelope((reference_shep / "examples" / name).read_bytes())
    validate_body(parsed.payload, "sync", source=source)  # type: ignore[arg-type]


# --- broken bodies: both schema sets must refuse each one ------------------------------------------------


def _body(name: str) -> etree._Element:
    return body_element(dict(SAMPLES)[name])


def _remove(element: etree._Element, path: str) -> etree._Element:
    target = element.find(path)
    assert target is not None, path
    target.getparent().remove(target)  # type: ignore[union-attr]
    return element


def _set(element: etree._Element, path: str, text: str) -> etree._Element:
    target = element.find(path)
    assert target is not None, path
    target.text = text
    return element


def _add_after(element: etree._Element, path: str, tag: str, text: str = "x") -> etree._Element:
    target = element.find(path)
    assert target is not None, path
    extra = etree.Element(tag)
    extra.text = text
    target.addnext(extra)
    return element


BROKEN: dict[str, Callable[[], etree._Element]] = {
    "sync-no-serviceId": lambda: _remove(_body("sync-request-full"), "request/requestInfo/serviceId"),
    "sync-no-requestData": lambda: _remove(_body("sync-request-full"), "request/requestData"),
    "sync-bad-date": lambda: _set(_body("sync-request-full"), "request/requestInfo/messageDate", "today"),
    "sync-bad-guid": lambda: _set(_body("sync-request-full"), "request/requestInfo/sessionId", "abc"),
    "sync-key-31": lambda: _set(_body("sync-request-full"), "request/requestInfo/properties/key", "k" * 31),
    "sync-value-501": lambda: _set(
        _body("sync-request-full"), "request/requestInfo/properties/value", "v" * 501
    ),
    "sync-status-251": lambda: _set(
        _body("sync-response-full"), "response/responseInfo/status/message", "m" * 251
    ),
    "sync-extra": lambda: _add_after(_body("sync-request-full"), "request/requestInfo/serviceId", "colour"),
    "sync-no-status": lambda: _remove(_body("sync-response-full"), "response/responseInfo/status"),
    "async-bad-type": lambda: _set(_body("async-send-full"), "request/messageInfo/messageType", "REPLY"),
    "async-no-data": lambda: _remove(_body("async-send-full"), "request/messageData/data"),
    "async-no-correlation": lambda: _remove(_body("async-send-response-full"), "response/correlationId"),
    "async-amount-text": lambda: _set(_body("async-get-messages-full"), "request/amount", "many"),
    "async-amount-overflow": lambda: _set(_body("async-get-messages-full"), "request/amount", "2147483648"),
    "async-bad-state": lambda: _set(_body("async-status-response"), "response/messageState", "LOST"),
    "async-no-session": lambda: _remove(_body("async-get-messages-response"), "response/sessionId"),
    "async-bad-receive": lambda: _set(
        _body("async-delivery-accepted"),
        "request/notification/deliveryStatus/receiveStatus",
        "MESSAGE_NOT_ACCEPTED",
    ),
    "async-bad-resend": lambda: _set(
        _body("async-delivery-accepted"), "request/notification/deliveryStatus/resendMessage", "MAYBE"
    ),
    "async-no-notification-date": lambda: _remove(
        _body("async-delivery-accepted"), "request/notification/notificationDate"
    ),
    "async-delivery-response-guid": lambda: _set(
        _body("async-delivery-response"), "response/sessionId", "s-1"
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_both_schema_sets_refuse_broken_bodies(case: str, source: str) -> None:
    element = BROKEN[case]()
    channel = "sync" if case.startswith("sync") else "async"
    with pytest.raises(SchemaViolation) as caught:
        validate_body(element, channel, source=source)  # type: ignore[arg-type]
    assert caught.value.code == "SCHEMA_VIOLATION"
    assert "line" in caught.value.message


def test_message_names_the_offending_element(source: str) -> None:
    with pytest.raises(SchemaViolation, match="messageType"):
        validate_body(BROKEN["async-bad-type"](), "async", source=source)  # type: ignore[arg-type]


def test_a_body_of_the_other_channel_is_refused(source: str) -> None:
    with pytest.raises(SchemaViolation):
        validate_body(_body("sync-request-full"), "async", source=source)  # type: ignore[arg-type]


def test_fault_without_error_info_is_refused() -> None:
    parsed = parse_envelope(
        b'<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><S:Fault>'
        b"<faultcode>S:Server</faultcode><faultstring>x</faultstring></S:Fault></S:Body></S:Envelope>"
    )
    with pytest.raises(SchemaViolation, match="ErrorInfo"):
        validate_body(parsed.payload, "sync")


# --- where the schemas come from ----------------------------------------------------------------------


def test_schemas_are_compiled_once(reference_shep: Path) -> None:
    assert schema_for("sync") is schema_for("sync")
    assert schema_for("async", "contracts") is load_schema("async", "contracts")
    assert schema_for("sync") is load_schema("sync", "reference")  # auto prefers the real schemas


def test_missing_reference_is_a_clear_error_and_contracts_take_over(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh_schema_cache: None
) -> None:
    missing = tmp_path / "nowhere"
    monkeypatch.setenv(REFERENCE_ENV, str(missing))
    with pytest.raises(SchemaUnavailable) as caught:
        load_schema("sync", "reference")
    assert str(missing) in caught.value.message and REFERENCE_ENV in caught.value.message
    assert schema_for("sync") is load_schema("sync", "contracts")
    validate_body(_body("sync-request-full"))
    with pytest.raises(SchemaViolation):
        validate_body(BROKEN["sync-no-serviceId"]())


def test_no_schema_at_all_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh_schema_cache: None
) -> None:
    monkeypatch.setenv(REFERENCE_ENV, str(tmp_path / "a"))
    monkeypatch.setenv(CONTRACTS_ENV, str(tmp_path / "b"))
    with pytest.raises(SchemaUnavailable, match="no ШЭП schema available"):
        validate_body(_body("sync-request-full"))


def test_contracts_are_our_own_documents(reference_shep: Path) -> None:
    ours = contracts_dir()
    assert {path.name for path in ours.glob("*.xsd")} >= {"sync.xsd", "async.xsd", "common.xsd"}
    reference_texts = {path.read_bytes() for path in reference_shep.rglob("*.xsd")}
    for path in ours.glob("*.xsd"):
        assert path.read_bytes() not in reference_texts, f"{path.name} is a copy of a reference file"
    assert schema_path("sync", "contracts") == ours / "sync.xsd"
