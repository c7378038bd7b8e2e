"""nuc-mock's HTTP API end to end, in-process through httpx.ASGITransport."""

from __future__ import annotations

import base64
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from egov_kit.clock import get_clock, now
from egov_kit.pki import KeyPair, new_private_key
from egov_kit.pki.keys import as_public_key, public_key_pem

from tests.pki.support import BAD_IIN, BIN, IIN, IIN_3, NUC_URL, Nuc


async def test_healthz(nuc: Nuc) -> None:
    async with nuc.client() as client:
        response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "service": "nuc-mock",
        "status": "ok",
        "checks": {"database": True, "ca": True},
    }


async def test_healthz_is_503_when_the_ca_is_not_valid(nuc: Nuc) -> None:
    get_clock().shift(timedelta(days=365 * 30))
    async with nuc.client() as client:
        response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["ca"] is False


async def test_ca_certificates(nuc: Nuc) -> None:
    async with nuc.client() as client:
        root_pem = await client.get("/ca/root.pem")
        issuing_pem = await client.get("/ca/issuing.pem")
        issuing_der = await client.get("/ca/issuing.cer")
        responder = await client.get("/ca/ocsp.pem")
    root = x509.load_pem_x509_certificate(root_pem.content)
    issuing = x509.load_pem_x509_certificate(issuing_pem.content)
    assert root.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "НУЦ РК TEST ROOT"
    issuing.verify_directly_issued_by(root)
    assert x509.load_der_x509_certificate(issuing_der.content) == issuing
    assert issuing_der.headers["content-type"] == "application/pkix-cert"
    x509.load_pem_x509_certificate(responder.content).verify_directly_issued_by(issuing)


async def test_issue_an_individual_certificate(nuc: Nuc) -> None:
    async with nuc.client() as client:
        response = await client.post(
            "/api/certificates",
            json={"kind": "individual", "iin": IIN, "surname": "Иванов", "given_name": "Иван"},
        )
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {
        "serial",
        "subject",
        "cert_pem",
        "key_pem",
        "chain_pem",
        "pkcs12_base64",
        "pkcs12_password",
    }
    assert body["subject"] == f"CN=ИВАНОВ ИВАН, SN=Иванов, SERIALNUMBER=IIN{IIN}, C=KZ, GN=Иван"
    pair = KeyPair.from_pem(body["key_pem"].encode(), body["cert_pem"].encode(), body["chain_pem"].encode())
    assert format(pair.certificate.serial_number, "x") == body["serial"]
    assert pair.chain == [nuc.issuing.certificate, nuc.root.certificate]
    from_p12 = KeyPair.from_pkcs12(base64.b64decode(body["pkcs12_base64"]), body["pkcs12_password"].encode())
    assert from_p12.certificate == pair.certificate
    assert from_p12.chain == pair.chain
    points = pair.certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert points[0].full_name[0].value == f"{NUC_URL}/crl/issuing.crl"  # type: ignore[index]


async def test_issue_employee_and_system_and_look_them_up(nuc: Nuc) -> None:
    employee = await nuc.issue(
        kind="employee", iin=IIN_3, bin=BIN, organisation="ТОО «Тест»", roles=["hr", "right_of_signature"]
    )
    system = await nuc.issue(kind="system", iin=None, bin=BIN, organisation="АО «НИТ»", system_id="SHEP")
    assert employee.pair.identity().roles == {"legal_entity", "hr", "right_of_signature"}
    assert system.pair.identity().system_id == "SHEP"
    async with nuc.client() as client:
        one = (await client.get(f"/api/certificates/{employee.serial}")).json()
        by_bin = (await client.get("/api/certificates", params={"bin": BIN})).json()
        by_system = (await client.get("/api/certificates", params={"system_id": "SHEP"})).json()
        upper = await client.get(f"/api/certificates/0x{employee.serial.upper()}")
    assert one["status"] == "good"
    assert one["kind"] == "employee" and one["iin"] == IIN_3 and one["bin"] == BIN
    assert {c["serial"] for c in by_bin} == {employee.serial, system.serial}
    assert [c["serial"] for c in by_system] == [system.serial]
    assert upper.status_code == 200


async def test_issue_for_a_given_public_key(nuc: Nuc) -> None:
    key = new_private_key("ec")
    async with nuc.client() as client:
        response = await client.post(
            "/api/certificates",
            json={
                "kind": "individual",
                "iin": IIN,
                "surname": "A",
                "given_name": "B",
                "public_key_pem": public_key_pem(as_public_key(key.public_key())).decode(),
            },
        )
    body = response.json()
    assert body["key_pem"] is None and body["pkcs12_base64"] is None
    KeyPair(key, x509.load_pem_x509_certificate(body["cert_pem"].encode()))


async def test_fixture_validity_window(nuc: Nuc) -> None:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    end = datetime(2021, 1, 1, tzinfo=UTC)
    issued = await nuc.issue(not_before=start, not_after=end)
    assert issued.cert.not_valid_before_utc == start
    assert issued.cert.not_valid_after_utc == end


async def test_bad_requests_are_named_errors(nuc: Nuc) -> None:
    cases = [
        ({"kind": "individual", "iin": BAD_IIN, "surname": "A", "given_name": "B"}, "INVALID_IIN_BIN"),
        (
            {
                "kind": "employee",
                "iin": IIN,
                "bin": "100140000014",
                "surname": "A",
                "given_name": "B",
                "organisation": "O",
            },
            "INVALID_IIN_BIN",
        ),
        ({"kind": "individual", "iin": IIN, "surname": "A"}, "CERT_SUBJECT_INVALID"),
        (
            {"kind": "individual", "iin": IIN, "surname": "A", "given_name": "B", "roles": ["hr"]},
            "CERT_SUBJECT_INVALID",
        ),
        (
            {
                "kind": "individual",
                "iin": IIN,
                "surname": "A",
                "given_name": "B",
                "not_before": "2030-01-01T00:00:00Z",
                "not_after": "2029-01-01T00:00:00Z",
            },
            "CERT_SUBJECT_INVALID",
        ),
        (
            {"kind": "individual", "iin": IIN, "surname": "A", "given_name": "B", "public_key_pem": "junk"},
            "CERT_SUBJECT_INVALID",
        ),
    ]
    async with nuc.client() as client:
        for payload, code in cases:
            response = await client.post("/api/certificates", json=payload)
            assert response.status_code == 400, payload
            assert response.json()["error"] == code, payload
        naive = await client.post(
            "/api/certificates",
            json={
                "kind": "individual",
                "iin": IIN,
                "surname": "A",
                "given_name": "B",
                "not_after": "2030-01-01T00:00",
            },
        )
        assert naive.status_code == 422
        assert (await client.get("/api/certificates/zz-not-hex")).json()["error"] == "NUC_INVALID_SERIAL"
        missing = await client.get("/api/certificates/abcdef")
        assert missing.status_code == 404 and missing.json()["error"] == "NUC_CERT_NOT_FOUND"


async def test_revoke(nuc: Nuc) -> None:
    issued = await nuc.issue()
    record = await nuc.revoke(issued.serial, "keyCompromise")
    assert record["status"] == "revoked"
    assert record["revocation_reason"] == "keyCompromise"
    assert datetime.fromisoformat(record["revoked_at"]) <= now()
    async with nuc.client() as client:
        again = await client.post(f"/api/certificates/{issued.serial}/revoke", json={})
        assert again.status_code == 409
        assert again.json()["error"] == "NUC_CERT_ALREADY_REVOKED"
        other = await nuc.issue()
        bad_reason = await client.post(f"/api/certificates/{other.serial}/revoke", json={"reason": "boredom"})
        assert bad_reason.json()["error"] == "NUC_INVALID_REVOCATION_REASON"
        no_body = await client.post(f"/api/certificates/{other.serial}/revoke")
        assert no_body.json()["revocation_reason"] == "unspecified"
        unknown = await client.post("/api/certificates/abcdef/revoke", json={})
        assert unknown.status_code == 404


async def test_openapi_has_tags(nuc: Nuc) -> None:
    async with nuc.client() as client:
        schema = (await client.get("/openapi.json")).json()
    tags = {tag for path in schema["paths"].values() for op in path.values() for tag in op.get("tags", [])}
    assert tags == {"ca", "crl", "ocsp", "certificates", "health"}


async def test_ca_is_kept_across_restarts(tmp_path: Path) -> None:
    first = Nuc.start(tmp_path)
    issued = await first.issue()
    await first.revoke(issued.serial)
    ca_dir = tmp_path / "pki" / "ca"
    for name in ("root", "issuing", "ocsp"):
        mode = stat.S_IMODE(os.stat(ca_dir / name / "key.pem").st_mode)
        assert mode == 0o600, name
    second = Nuc.start(tmp_path)
    assert second.root.certificate == first.root.certificate
    assert second.issuing.certificate == first.issuing.certificate
    assert second.root.key_pem() == first.root.key_pem()
    async with second.client() as client:
        record = (await client.get(f"/api/certificates/{issued.serial}")).json()
        crl = x509.load_der_x509_crl((await client.get("/crl/issuing.crl")).content)
    assert record["status"] == "revoked"
    assert crl.get_revoked_certificate_by_serial_number(issued.cert.serial_number) is not None
    # The issued certificate still validates against the restarted CA's OCSP.
    good = await first.issue(iin=IIN_3)
    async with second.validator() as validator:
        await validator.validate(good.cert)


def test_ca_private_keys_are_pkcs8_pem(tmp_path: Path) -> None:
    Nuc.start(tmp_path)
    key = (tmp_path / "pki" / "ca" / "root" / "key.pem").read_bytes()
    serialization.load_pem_private_key(key, password=None)
