"""nuc-mock's CRL and OCSP responder at the protocol level (DER in, DER out)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID
from egov_kit.clock import get_clock, now

from tests.pki.support import Nuc, local_leaf, ocsp_get_path, rogue_ca


def ocsp_request(cert: x509.Certificate, issuer: x509.Certificate, *, nonce: bytes | None = None) -> bytes:
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1())  # noqa: S303 - RFC 6960 certID
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


async def ask(nuc: Nuc, body: bytes) -> ocsp.OCSPResponse:
    async with nuc.client() as client:
        response = await client.post(
            "/ocsp", content=body, headers={"Content-Type": "application/ocsp-request"}
        )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ocsp-response"
    return ocsp.load_der_ocsp_response(response.content)


async def get_crl(nuc: Nuc) -> x509.CertificateRevocationList:
    async with nuc.client() as client:
        response = await client.get("/crl/issuing.crl")
    assert response.headers["content-type"] == "application/pkix-crl"
    return x509.load_der_x509_crl(response.content)


def crl_number(crl: x509.CertificateRevocationList) -> int:
    return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number


async def test_revocation_reaches_crl_and_ocsp(nuc: Nuc) -> None:
    issued = await nuc.issue()
    before = await get_crl(nuc)
    assert before.is_signature_valid(nuc.issuing.certificate.public_key())  # type: ignore[arg-type]
    assert before.get_revoked_certificate_by_serial_number(issued.cert.serial_number) is None
    assert before.next_update_utc is not None
    assert timedelta(minutes=59) < before.next_update_utc - before.last_update_utc <= timedelta(hours=1)
    good = await ask(nuc, ocsp_request(issued.cert, nuc.issuing.certificate))
    assert good.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert good.certificate_status == ocsp.OCSPCertStatus.GOOD

    await nuc.revoke(issued.serial, "superseded")
    after = await get_crl(nuc)
    entry = after.get_revoked_certificate_by_serial_number(issued.cert.serial_number)
    assert entry is not None
    assert (
        entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == x509.ReasonFlags.superseded
    )
    assert crl_number(after) > crl_number(before)
    revoked = await ask(nuc, ocsp_request(issued.cert, nuc.issuing.certificate))
    assert revoked.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert revoked.revocation_reason == x509.ReasonFlags.superseded
    assert revoked.revocation_time_utc == entry.revocation_date_utc


async def test_ocsp_response_is_signed_by_the_delegated_responder(nuc: Nuc) -> None:
    issued = await nuc.issue()
    response = await ask(nuc, ocsp_request(issued.cert, nuc.issuing.certificate, nonce=b"n" * 16))
    [responder] = response.certificates
    responder.verify_directly_issued_by(nuc.issuing.certificate)
    eku = responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.OCSP_SIGNING in eku
    assert (
        response.responder_key_hash
        == x509.SubjectKeyIdentifier.from_public_key(responder.public_key()).digest
    )
    responder.public_key().verify(  # type: ignore[call-arg, union-attr]
        response.signature, response.tbs_response_bytes, padding.PKCS1v15(), response.signature_hash_algorithm
    )
    assert response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == b"n" * 16
    assert response.serial_number == issued.cert.serial_number
    assert response.next_update_utc is not None and response.next_update_utc > now()


async def test_ocsp_unknown_serial_and_foreign_issuer(nuc: Nuc) -> None:
    stranger = local_leaf(nuc.issuing)  # signed by the CA key, never recorded
    unknown = await ask(nuc, ocsp_request(stranger.certificate, nuc.issuing.certificate))
    assert unknown.certificate_status == ocsp.OCSPCertStatus.UNKNOWN
    rogue = rogue_ca()
    foreign = local_leaf(rogue.issuing)
    answer = await ask(nuc, ocsp_request(foreign.certificate, rogue.issuing.certificate))
    assert answer.response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED


async def test_malformed_ocsp_requests_get_malformed_request(nuc: Nuc) -> None:
    for body in (b"", b"garbage", b"\x30\x82\xff\xff", b"\x30" * 70_000):
        answer = await ask(nuc, body)
        assert answer.response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST


async def test_ocsp_over_get(nuc: Nuc) -> None:
    issued = await nuc.issue()
    async with nuc.client() as client:
        response = await client.get(ocsp_get_path(ocsp_request(issued.cert, nuc.issuing.certificate)))
        broken = await client.get("/ocsp/%%%not-base64")
    assert ocsp.load_der_ocsp_response(response.content).certificate_status == ocsp.OCSPCertStatus.GOOD
    assert (
        ocsp.load_der_ocsp_response(broken.content).response_status
        == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    )


async def test_stale_crl_is_regenerated(nuc: Nuc) -> None:
    first = await get_crl(nuc)
    assert crl_number(await get_crl(nuc)) == crl_number(first)  # served as is while fresh
    get_clock().shift(timedelta(hours=1))
    second = await get_crl(nuc)
    assert crl_number(second) == crl_number(first) + 1
    assert second.next_update_utc is not None and second.next_update_utc > now()


async def test_issuer_signed_ocsp_when_configured(tmp_path: Path) -> None:
    nuc = Nuc.start(tmp_path, ocsp_signer="issuer")
    issued = await nuc.issue()
    response = await ask(nuc, ocsp_request(issued.cert, nuc.issuing.certificate))
    assert response.certificates == []
    issuer_key_id = x509.SubjectKeyIdentifier.from_public_key(nuc.issuing.certificate.public_key()).digest
    assert response.responder_key_hash == issuer_key_id


async def test_concurrent_revocations_keep_crl_numbers_growing(nuc: Nuc) -> None:
    issued = [await nuc.issue() for _ in range(5)]
    assert crl_number(await get_crl(nuc)) == 1
    await asyncio.gather(*(nuc.revoke(i.serial) for i in issued))
    crl = await get_crl(nuc)
    assert all(crl.get_revoked_certificate_by_serial_number(i.cert.serial_number) for i in issued)
    assert crl_number(crl) == 6
