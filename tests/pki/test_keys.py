"""KeyPair: PEM files and PKCS#12 round trips."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from egov_kit.pki import KeyPair, KeyStoreError, SubjectSpec, build_issuing_ca, build_root_ca
from egov_kit.pki.issue import issue_key_pair
from egov_kit.pki.keys import load_certificate_file

from tests.pki.support import IIN

ROOT = build_root_ca()
ISSUING = build_issuing_ca(ROOT.private_key, ROOT.certificate)
SPEC = SubjectSpec("individual", iin=IIN, surname="Testov", given_name="Test")


@pytest.fixture(scope="module", params=["rsa", "ec"])
def pair(request: pytest.FixtureRequest) -> KeyPair:
    return issue_key_pair(ISSUING, SPEC, key_kind=request.param)


def same(a: KeyPair, b: KeyPair) -> None:
    assert a.key_pem() == b.key_pem()
    assert a.certificate == b.certificate
    assert a.chain == b.chain


def test_pem_round_trip(pair: KeyPair) -> None:
    assert pair.key_pem().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert pair.cert_pem().startswith(b"-----BEGIN CERTIFICATE-----")
    assert pair.chain_pem().count(b"BEGIN CERTIFICATE") == 2
    same(KeyPair.from_pem(pair.key_pem(), pair.cert_pem(), pair.chain_pem()), pair)


def test_save_and_load(pair: KeyPair, tmp_path: Path) -> None:
    directory = pair.save(tmp_path / "store", password=b"secret")
    names = sorted(p.name for p in directory.iterdir())
    assert names == ["cert.pem", "chain.pem", "key.pem", "keystore.p12"]
    assert stat.S_IMODE((directory / "key.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE((directory / "keystore.p12").stat().st_mode) == 0o600
    same(KeyPair.load(directory), pair)
    same(KeyPair.from_pkcs12((directory / "keystore.p12").read_bytes(), b"secret"), pair)
    assert KeyPair.exists(directory)


def test_save_without_password_writes_no_pkcs12(pair: KeyPair, tmp_path: Path) -> None:
    pair.save(tmp_path)
    assert not (tmp_path / "keystore.p12").exists()


def test_pkcs12_round_trip(pair: KeyPair) -> None:
    data = pair.to_pkcs12(b"\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c")
    same(KeyPair.from_pkcs12(data, "пароль".encode()), pair)


def test_pkcs12_wrong_password(pair: KeyPair) -> None:
    with pytest.raises(KeyStoreError) as caught:
        KeyPair.from_pkcs12(pair.to_pkcs12(b"right"), b"wrong")
    assert caught.value.code == "PKI_KEYSTORE_INVALID"


def test_key_must_match_certificate(pair: KeyPair) -> None:
    other = issue_key_pair(ISSUING, SPEC)
    with pytest.raises(KeyStoreError):
        KeyPair(other.private_key, pair.certificate, pair.chain)


def test_missing_or_broken_store(tmp_path: Path) -> None:
    with pytest.raises(KeyStoreError):
        KeyPair.load(tmp_path / "nothing")
    (tmp_path / "key.pem").write_bytes(b"not a key")
    (tmp_path / "cert.pem").write_bytes(b"not a cert")
    with pytest.raises(KeyStoreError):
        KeyPair.load(tmp_path)


def test_load_certificate_file_pem_and_der(pair: KeyPair, tmp_path: Path) -> None:
    (tmp_path / "c.pem").write_bytes(pair.cert_pem())
    (tmp_path / "c.cer").write_bytes(pair.certificate.public_bytes(serialization.Encoding.DER))
    assert load_certificate_file(tmp_path / "c.pem") == pair.certificate
    assert load_certificate_file(tmp_path / "c.cer") == pair.certificate
    (tmp_path / "junk").write_bytes(b"junk")
    with pytest.raises(KeyStoreError):
        load_certificate_file(tmp_path / "junk")
