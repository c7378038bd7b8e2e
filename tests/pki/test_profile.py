"""The НУЦ РК profile: ИИН/БИН in the subject, role OIDs, identity parsing."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from egov_kit.pki import (
    CertificateProfileError,
    SubjectSpec,
    build_issuing_ca,
    build_root_ca,
    identity_from_certificate,
    profile,
)
from egov_kit.pki.issue import issue_key_pair, new_private_key
from egov_kit.pki.keys import KeyPair

from tests.pki.support import BIN, IIN

ROOT = build_root_ca()
ISSUING = build_issuing_ca(ROOT.private_key, ROOT.certificate)


def test_role_oids_are_the_nuc_ones() -> None:
    assert profile.OID_ROLE_INDIVIDUAL.dotted_string == "1.2.398.3.3.4.1.1"
    assert profile.OID_ROLE_LEGAL_ENTITY.dotted_string == "1.2.398.3.3.4.1.2"
    assert profile.OID_ROLE_FIRST_HEAD.dotted_string == "1.2.398.3.3.4.1.2.1"
    assert profile.OID_ROLE_RIGHT_OF_SIGNATURE.dotted_string == "1.2.398.3.3.4.1.2.2"
    assert profile.OID_ROLE_FINANCIAL_SIGNATURE.dotted_string == "1.2.398.3.3.4.1.2.3"
    assert profile.OID_ROLE_HR.dotted_string == "1.2.398.3.3.4.1.2.4"
    assert profile.OID_ROLE_EMPLOYEE.dotted_string == "1.2.398.3.3.4.1.2.5"
    assert set(profile.OID_ROLES.values()) == set(profile.ROLE_OIDS)


def test_individual_identity() -> None:
    pair = issue_key_pair(ISSUING, SubjectSpec("individual", iin=IIN, surname="Иванов", given_name="Иван"))
    identity = identity_from_certificate(pair.certificate)
    assert identity.kind == "individual"
    assert identity.iin == IIN
    assert identity.bin is None
    assert identity.common_name == "ИВАНОВ ИВАН"
    assert (identity.surname, identity.given_name) == ("Иванов", "Иван")
    assert identity.organisation is None
    assert identity.roles == frozenset({profile.ROLE_INDIVIDUAL})
    assert identity.serial_number == pair.certificate.serial_number
    assert identity.fingerprint_sha256 == pair.certificate.fingerprint(hashes.SHA256()).hex()
    assert identity.not_before == pair.certificate.not_valid_before_utc
    assert identity.system_id is None
    subject = pair.certificate.subject
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == f"IIN{IIN}"
    assert subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "KZ"
    assert profile.format_name(subject) == (
        f"CN=ИВАНОВ ИВАН, SN=Иванов, SERIALNUMBER=IIN{IIN}, C=KZ, GN=Иван"
    )


def test_employee_identity_with_roles() -> None:
    spec = SubjectSpec(
        "employee",
        iin=IIN,
        bin=BIN,
        surname="Testova",
        given_name="Aigerim",
        organisation="ТОО «Тест»",
        roles=frozenset({profile.ROLE_FIRST_HEAD, profile.ROLE_FINANCIAL_SIGNATURE}),
    )
    identity = issue_key_pair(ISSUING, spec).identity()
    assert identity.kind == "employee"
    assert (identity.iin, identity.bin, identity.organisation) == (IIN, BIN, "ТОО «Тест»")
    assert identity.roles == {
        profile.ROLE_LEGAL_ENTITY,
        profile.ROLE_FIRST_HEAD,
        profile.ROLE_FINANCIAL_SIGNATURE,
    }
    assert identity.has_role(profile.ROLE_FIRST_HEAD)
    assert not identity.has_role(profile.ROLE_HR)


def test_employee_without_roles_gets_the_employee_role() -> None:
    spec = SubjectSpec("employee", iin=IIN, bin=BIN, surname="A", given_name="B", organisation="Org")
    assert issue_key_pair(ISSUING, spec).identity().roles == {
        profile.ROLE_LEGAL_ENTITY,
        profile.ROLE_EMPLOYEE,
    }


def test_system_identity() -> None:
    spec = SubjectSpec("system", bin=BIN, organisation="АО «НИТ»", system_id="GBDFL")
    pair = issue_key_pair(ISSUING, spec)
    identity = pair.identity()
    assert identity.kind == "system"
    assert identity.system_id == "GBDFL" == identity.common_name
    assert (identity.iin, identity.bin) == (None, BIN)
    assert identity.roles == {profile.ROLE_LEGAL_ENTITY}
    eku = pair.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in eku
    assert profile.format_name(pair.certificate.subject) == f"CN=GBDFL, C=KZ, O=АО «НИТ», OU=BIN{BIN}"


def _self_signed(name: x509.Name) -> x509.Certificate:
    key = new_private_key("ec")
    return KeyPair(
        key,
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(ROOT.certificate.not_valid_before_utc)
        .not_valid_after(ROOT.certificate.not_valid_after_utc)
        .sign(key, hashes.SHA256()),
    ).certificate


def test_subject_without_iin_or_bin_is_rejected() -> None:
    cert = _self_signed(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "somebody")]))
    with pytest.raises(CertificateProfileError) as caught:
        identity_from_certificate(cert)
    assert caught.value.code == "CERT_PROFILE_INVALID"


@pytest.mark.parametrize("value", ["IIN12345", "IIN80010130001X", "IIN8001013000160"])
def test_malformed_iin_in_subject_is_rejected(value: str) -> None:
    cert = _self_signed(
        x509.Name(
            [x509.NameAttribute(NameOID.COMMON_NAME, "X Y"), x509.NameAttribute(NameOID.SERIAL_NUMBER, value)]
        )
    )
    with pytest.raises(CertificateProfileError):
        identity_from_certificate(cert)


def test_ou_that_is_not_a_bin_is_ignored() -> None:
    cert = _self_signed(
        x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, "X Y"),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{IIN}"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Отдел кадров"),
            ]
        )
    )
    identity = identity_from_certificate(cert)
    assert (identity.kind, identity.bin, identity.roles) == ("individual", None, frozenset())
