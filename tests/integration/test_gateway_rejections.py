"""One test per rejection code of the gateway's table: a clear named ErrorInfo, signed by the gateway,
journaled as rejected, and the message never reaches a provider."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from egov_cli.identity import TEST_INTEGRATOR_BIN
from egov_kit.clock import now
from egov_kit.pki import KeyPair, SubjectSpec, build_root_ca, issue_certificate, new_private_key
from egov_kit.shep import ShepCode
from egov_kit.shep.client import ASYNC_PATH, SYNC_PATH, ShepClient
from egov_kit.shep.sealed import seal
from egov_kit.shep.soap import build_envelope, envelope_bytes
from egov_kit.xml import parse_xml
from lxml import etree

from tests.integration.conftest import Nuc, in_days
from tests.integration.shep_messages import fault_of, journal_directions, ping, sync_request
from tests.support.reference import shep_example

pytestmark = pytest.mark.integration


async def expect_rejection(
    client: ShepClient, raw: bytes, code: str, *, path: str = SYNC_PATH, message_id: str | None = None
) -> None:
    response = await client.post_raw(path, raw)
    fault = await fault_of(client, response)
    assert fault.error_code == code, fault.error_message
    assert fault.error_message
    if message_id is not None:
        assert journal_directions(client, message_id) == ["rejected"], (
            "a rejected message must not be forwarded"
        )


async def test_malformed_xml(integrator: ShepClient) -> None:
    await expect_rejection(integrator, b"<soap:Envelope><unclosed>", ShepCode.MALFORMED_XML)


async def test_forbidden_dtd(integrator: ShepClient) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxx"><!ENTITY y "&x;&x;&x;&x;">]><a>&y;</a>'
    await expect_rejection(integrator, bomb, ShepCode.FORBIDDEN_DTD)


async def test_too_large(integrator: ShepClient) -> None:
    await expect_rejection(
        integrator, b"<a>" + b"x" * (5 * 1024 * 1024 + 10) + b"</a>", ShepCode.XML_TOO_LARGE
    )


async def test_not_soap(integrator: ShepClient) -> None:
    await expect_rejection(integrator, b"<request><iin>880412390017</iin></request>", ShepCode.NOT_SOAP)


async def test_unknown_operation(integrator: ShepClient) -> None:
    raw = (
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        b'<x:DropTables xmlns:x="urn:nothing"/></soap:Body></soap:Envelope>'
    )
    await expect_rejection(integrator, raw, ShepCode.UNKNOWN_OPERATION)


async def test_async_operation_on_sync_endpoint(integrator: ShepClient) -> None:
    from egov_kit.shep import AsyncGetMessageStatusRequest

    request = AsyncGetMessageStatusRequest(message_id="x", request_date=now(), sender=integrator.sender)
    await expect_rejection(integrator, seal(request, integrator.keypair), ShepCode.UNKNOWN_OPERATION)


async def test_schema_violation(integrator: ShepClient) -> None:
    request = sync_request()
    envelope = build_envelope(request)
    service = next(
        e for e in envelope.iter() if isinstance(e.tag, str) and etree.QName(e).localname == "serviceId"
    )
    service.getparent().remove(service)
    await expect_rejection(integrator, seal(envelope, integrator.keypair), ShepCode.SCHEMA_VIOLATION)


async def test_signature_missing(integrator: ShepClient) -> None:
    request = sync_request()
    raw = envelope_bytes(build_envelope(request))
    await expect_rejection(
        integrator, raw, ShepCode.SIGNATURE_MISSING, message_id=request.request_info.message_id
    )


async def test_signature_invalid_when_body_tampered(integrator: ShepClient) -> None:
    request = sync_request(data=ping("original"))
    raw = seal(request, integrator.keypair).replace(b">original<", b">tampered<")
    await expect_rejection(
        integrator, raw, ShepCode.SIGNATURE_INVALID, message_id=request.request_info.message_id
    )


async def test_signature_wrapping(integrator: ShepClient) -> None:
    """The signed Body is moved into the Header and a forged Body (another service) takes its place."""
    honest = sync_request(service_id="TEST_EchoSync")
    envelope = parse_xml(seal(honest, integrator.keypair))
    body = envelope[1]
    forged = copy.deepcopy(body)
    for node in forged.iter():
        if isinstance(node.tag, str) and etree.QName(node).localname == "serviceId":
            node.text = "GBDFL_UniversalServiceSync"
    envelope[0].append(body)
    envelope.append(forged)
    await expect_rejection(integrator, etree.tostring(envelope), ShepCode.SIGNATURE_WRAPPING)


async def test_unsupported_algorithm_real_gost_example(integrator: ShepClient) -> None:
    """The real gateway's GOST-signed example, sent as the test integrator: a named error, never a crash."""
    raw = shep_example("sync-request-signed-gost.xml")
    raw = raw.replace(
        b"<senderId>senderId</senderId><password>senderPass</password>",
        b"<senderId>TEST_INTEGRATOR</senderId><password>test-integrator-secret</password>",
    )
    await expect_rejection(integrator, raw, ShepCode.UNSUPPORTED_SIGNATURE_ALGORITHM)


async def test_real_example_as_is_is_refused_by_name(integrator: ShepClient) -> None:
    raw = shep_example("sync-request-signed-gost.xml")
    await expect_rejection(integrator, raw, ShepCode.SENDER_UNKNOWN)


async def test_certificate_expired(integrator: ShepClient, nuc: Nuc) -> None:
    keypair = nuc.integrator(not_before=in_days(-30), not_after=in_days(-1))
    await expect_rejection(integrator, seal(sync_request(), keypair), ShepCode.CERT_EXPIRED)


async def test_certificate_not_yet_valid(integrator: ShepClient, nuc: Nuc) -> None:
    keypair = nuc.integrator(not_before=in_days(2), not_after=in_days(30))
    await expect_rejection(integrator, seal(sync_request(), keypair), ShepCode.CERT_NOT_YET_VALID)


async def test_certificate_revoked(integrator: ShepClient, nuc: Nuc) -> None:
    keypair, serial = nuc.system("TEST_INTEGRATOR", TEST_INTEGRATOR_BIN)
    nuc.revoke(serial)
    await expect_rejection(integrator, seal(sync_request(), keypair), ShepCode.CERT_REVOKED)


def _foreign_keypair() -> KeyPair:
    root = build_root_ca("Somebody else's CA")
    key = new_private_key()
    spec = SubjectSpec(
        kind="system", system_id="TEST_INTEGRATOR", bin=TEST_INTEGRATOR_BIN, organisation="Impostor"
    )
    cert = issue_certificate(
        root.private_key,
        root.certificate,
        spec,
        key.public_key(),
        not_before=now() - timedelta(days=1),
        not_after=now() + timedelta(days=30),
        crl_url="http://127.0.0.1:9/crl",
        ocsp_url="http://127.0.0.1:9/ocsp",
    )
    return KeyPair(key, cert, [root.certificate])


async def test_certificate_untrusted(integrator: ShepClient) -> None:
    await expect_rejection(integrator, seal(sync_request(), _foreign_keypair()), ShepCode.CERT_UNTRUSTED)


async def test_certificate_status_unknown(integrator: ShepClient, landscape) -> None:  # type: ignore[no-untyped-def]
    """Issued by the real issuing CA, but its OCSP and CRL addresses answer nothing."""
    issuing_ca = KeyPair.load(landscape.var_dir / "pki" / "ca" / "issuing")
    issuing_key, issuing = issuing_ca.private_key, issuing_ca.certificate
    key = new_private_key()
    spec = SubjectSpec(
        kind="system", system_id="TEST_INTEGRATOR", bin=TEST_INTEGRATOR_BIN, organisation="Lost CA links"
    )
    cert = issue_certificate(
        issuing_key,
        issuing,
        spec,
        key.public_key(),
        not_before=now() - timedelta(days=1),
        not_after=now() + timedelta(days=30),
        crl_url="http://127.0.0.1:9/nowhere.crl",
        ocsp_url="http://127.0.0.1:9/ocsp",
    )
    await expect_rejection(
        integrator, seal(sync_request(), KeyPair(key, cert, [issuing])), ShepCode.CERT_STATUS_UNKNOWN
    )


async def test_sender_unknown(integrator: ShepClient) -> None:
    raw = seal(sync_request(sender_id="NOBODY"), integrator.keypair)
    await expect_rejection(integrator, raw, ShepCode.SENDER_UNKNOWN)


async def test_sender_wrong_password(integrator: ShepClient) -> None:
    raw = seal(sync_request(password="guess"), integrator.keypair)
    await expect_rejection(integrator, raw, ShepCode.SENDER_AUTH_FAILED)


async def test_sender_certificate_of_another_system(integrator: ShepClient, nuc: Nuc) -> None:
    portal_keypair, _ = nuc.system("EGOV_PORTAL", "091240007895")
    await expect_rejection(integrator, seal(sync_request(), portal_keypair), ShepCode.SENDER_CERT_MISMATCH)


async def test_access_denied(integrator: ShepClient, nuc: Nuc) -> None:
    """The portal may ask ГБД ФЛ but not ЕНИС (the access list of the registry)."""
    portal_keypair, _ = nuc.system("EGOV_PORTAL", "091240007895")
    request = sync_request(
        "ENIS_PowerOfAttorneySync", sender_id="EGOV_PORTAL", password="egov_portal-dev-secret"
    )
    await expect_rejection(integrator, seal(request, portal_keypair), ShepCode.ACCESS_DENIED)


async def test_service_unknown(integrator: ShepClient) -> None:
    await expect_rejection(
        integrator, seal(sync_request("NO_SUCH_SERVICE"), integrator.keypair), ShepCode.SERVICE_UNKNOWN
    )


async def test_duplicate_message_id(integrator: ShepClient, echo_provider: object) -> None:
    request = sync_request()
    first = await integrator.post_raw(SYNC_PATH, seal(request, integrator.keypair))
    assert first.status_code == 200
    await expect_rejection(integrator, seal(request, integrator.keypair), ShepCode.DUPLICATE_MESSAGE_ID)


@pytest.mark.parametrize("shift", [timedelta(hours=-1), timedelta(hours=1)], ids=["too-old", "in-the-future"])
async def test_message_date_out_of_window(integrator: ShepClient, shift: timedelta) -> None:
    request = sync_request(message_date=now() + shift)
    await expect_rejection(
        integrator,
        seal(request, integrator.keypair),
        ShepCode.MESSAGE_DATE_OUT_OF_WINDOW,
        message_id=request.request_info.message_id,
    )


async def test_provider_timeout(integrator: ShepClient, echo_provider: object) -> None:
    request = sync_request("TEST_SlowSync")
    await expect_rejection(integrator, seal(request, integrator.keypair), ShepCode.PROVIDER_TIMEOUT)


async def test_message_not_found(integrator: ShepClient) -> None:
    from egov_kit.shep import AsyncGetMessageStatusRequest

    request = AsyncGetMessageStatusRequest(
        message_id="no-such-message", request_date=now(), sender=integrator.sender
    )
    await expect_rejection(
        integrator, seal(request, integrator.keypair), ShepCode.MESSAGE_NOT_FOUND, path=ASYNC_PATH
    )
