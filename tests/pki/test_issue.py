"""Certificate builders: CA hierarchy, end-entity extensions, subject validation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID
from egov_kit.clock import now
from egov_kit.identifiers import InvalidIdentifier
from egov_kit.pki import (
    InvalidSubject,
    SubjectSpec,
    build_issuing_ca,
    build_ocsp_responder,
    build_root_ca,
    issue_certificate,
    new_private_key,
    profile,
)
from egov_kit.pki.issue import ROOT_CA_NAME, issue_key_pair
from egov_kit.pki.keys import as_public_key

from tests.pki.support import BAD_IIN, BIN, IIN

ROOT = build_root_ca()
ISSUING = build_issuing_ca(ROOT.private_key, ROOT.certificate, ca_issuers_url="http://nuc.test/ca/root.cer")


def ext(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.Extension[x509.ExtensionType]:
    return cert.extensions.get_extension_for_class(kind)


def test_new_private_key_kinds() -> None:
    rsa_key = new_private_key()
    assert isinstance(rsa_key, rsa.RSAPrivateKey) and rsa_key.key_size == 2048
    ec_key = new_private_key("ec")
    assert isinstance(ec_key, ec.EllipticCurvePrivateKey) and ec_key.curve.name == "secp256r1"
    with pytest.raises(ValueError):
        new_private_key("dsa")  # type: ignore[arg-type]


def test_root_and_issuing_ca() -> None:
    root = ROOT.certificate
    assert root.subject == root.issuer
    assert root.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == ROOT_CA_NAME
    root_bc = ext(root, x509.BasicConstraints)
    assert root_bc.critical and root_bc.value.ca and root_bc.value.path_length == 1
    root.verify_directly_issued_by(root)
    issuing = ISSUING.certificate
    issuing.verify_directly_issued_by(root)
    bc = ext(issuing, x509.BasicConstraints).value
    assert bc.ca and bc.path_length == 0
    usage = ext(issuing, x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign
    assert ISSUING.chain == [root]
    assert root.not_valid_before_utc < now() - timedelta(days=300)  # backdated for fixtures
    assert root.not_valid_after_utc > now() + timedelta(days=365 * 20)


def test_end_entity_extensions() -> None:
    spec = SubjectSpec("individual", iin=IIN, surname="Testov", given_name="Test")
    key = new_private_key("ec")
    cert = issue_certificate(
        ISSUING.private_key,
        ISSUING.certificate,
        spec,
        as_public_key(key.public_key()),
        crl_url="http://nuc.test/crl/issuing.crl",
        ocsp_url="http://nuc.test/ocsp",
        serial=0x1234ABCD,
        ca_issuers_url="http://nuc.test/ca/issuing.cer",
    )
    cert.verify_directly_issued_by(ISSUING.certificate)
    assert cert.serial_number == 0x1234ABCD
    assert ext(cert, x509.BasicConstraints).value.ca is False
    usage = ext(cert, x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    eku = ext(cert, x509.ExtendedKeyUsage).value
    assert list(eku) == [profile.OID_ROLE_INDIVIDUAL]
    points = ext(cert, x509.CRLDistributionPoints).value
    assert [n.value for p in points for n in p.full_name or []] == ["http://nuc.test/crl/issuing.crl"]
    aia = {
        (d.access_method, d.access_location.value) for d in ext(cert, x509.AuthorityInformationAccess).value
    }
    assert aia == {
        (AuthorityInformationAccessOID.OCSP, "http://nuc.test/ocsp"),
        (AuthorityInformationAccessOID.CA_ISSUERS, "http://nuc.test/ca/issuing.cer"),
    }
    assert ext(cert, x509.AuthorityKeyIdentifier).value.key_identifier == (
        ext(ISSUING.certificate, x509.SubjectKeyIdentifier).value.digest
    )


def test_without_urls_there_is_no_crl_dp_nor_aia() -> None:
    cert = issue_key_pair(
        ISSUING, SubjectSpec("individual", iin=IIN, surname="A", given_name="B")
    ).certificate
    with pytest.raises(x509.ExtensionNotFound):
        ext(cert, x509.CRLDistributionPoints)
    with pytest.raises(x509.ExtensionNotFound):
        ext(cert, x509.AuthorityInformationAccess)


def test_system_certificate_has_client_auth() -> None:
    pair = issue_key_pair(ISSUING, SubjectSpec("system", bin=BIN, organisation="Org", system_id="SHEP"))
    eku = list(ext(pair.certificate, x509.ExtendedKeyUsage).value)
    assert eku == [profile.OID_ROLE_LEGAL_ENTITY, ExtendedKeyUsageOID.CLIENT_AUTH]
    assert pair.chain == [ISSUING.certificate, ROOT.certificate]


def test_explicit_validity_window() -> None:
    start = now() - timedelta(days=400)
    end = now() - timedelta(days=1)
    cert = issue_key_pair(
        ISSUING,
        SubjectSpec("individual", iin=IIN, surname="A", given_name="B"),
        not_before=start,
        not_after=end,
    ).certificate
    assert cert.not_valid_before_utc == start.replace(microsecond=0)
    assert cert.not_valid_after_utc == end.replace(microsecond=0)
    with pytest.raises(InvalidSubject):
        issue_key_pair(
            ISSUING,
            SubjectSpec("individual", iin=IIN, surname="A", given_name="B"),
            not_before=end,
            not_after=start,
        )


def test_ocsp_responder_certificate() -> None:
    responder = build_ocsp_responder(ISSUING.private_key, ISSUING.certificate)
    cert = responder.certificate
    cert.verify_directly_issued_by(ISSUING.certificate)
    assert list(ext(cert, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.OCSP_SIGNING]
    assert isinstance(ext(cert, x509.OCSPNoCheck).value, x509.OCSPNoCheck)
    assert ext(cert, x509.BasicConstraints).value.ca is False


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        (SubjectSpec("individual", surname="A", given_name="B"), "iin"),
        (SubjectSpec("individual", iin=IIN, surname="A"), "given_name"),
        (SubjectSpec("employee", iin=IIN, surname="A", given_name="B", organisation="O"), "bin"),
        (SubjectSpec("employee", iin=IIN, bin=BIN, surname="A", given_name="B"), "organisation"),
        (SubjectSpec("system", bin=BIN, organisation="O"), "system_id"),
        (SubjectSpec("individual", iin="12345", surname="A", given_name="B"), "12 digits"),
        (SubjectSpec("individual", iin=IIN, surname="A", given_name="B", roles=frozenset({"hr"})), "roles"),
        (
            SubjectSpec(
                "employee",
                iin=IIN,
                bin=BIN,
                surname="A",
                given_name="B",
                organisation="O",
                roles=frozenset({"boss"}),
            ),
            "unknown roles",
        ),
        (SubjectSpec("robot"), "kind"),  # type: ignore[arg-type]
    ],
)
def test_incomplete_subjects_are_named_errors(spec: SubjectSpec, fragment: str) -> None:
    with pytest.raises(InvalidSubject) as caught:
        spec.validate(check_digits=False)
    assert caught.value.code == "CERT_SUBJECT_INVALID"
    assert fragment in caught.value.message


def test_check_digits_are_verified_on_request() -> None:
    spec = SubjectSpec("individual", iin=BAD_IIN, surname="A", given_name="B")
    spec.validate(check_digits=False)
    with pytest.raises(InvalidIdentifier) as caught:
        spec.validate(check_digits=True)
    assert caught.value.code == "INVALID_IIN_BIN"
    with pytest.raises(InvalidIdentifier):
        SubjectSpec("system", bin="100150000012", organisation="O", system_id="X").validate()
