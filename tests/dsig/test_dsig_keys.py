"""Key conversion, algorithm choice, and the cost of signing and verifying."""

from __future__ import annotations

import base64

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from egov_kit.dsig import (
    ECDSA_SHA256,
    ECDSA_SHA384,
    RSA_SHA256,
    SignatureError,
    UnsupportedSignatureAlgorithm,
    clear_key_caches,
    private_xmlsec_key,
    public_xmlsec_key,
    sign_document,
    sign_envelope,
    signature_method_for,
    verify_document,
    verify_envelope,
)
from egov_kit.dsig.constants import WSSE_NS
from egov_kit.dsig.keys import certificate_public_key
from egov_kit.xml import parse_xml
from lxml import etree

from tests.dsig.support import make_application, make_envelope, reserialise, self_signed
from tests.support.reference import shep_example

Signer = tuple[rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, x509.Certificate]


def _gost_certificate() -> x509.Certificate:
    envelope = parse_xml(shep_example("sync-request-signed-gost.xml"))
    key_id = envelope.find(f".//{{{WSSE_NS}}}KeyIdentifier")
    return x509.load_der_x509_certificate(base64.b64decode(key_id.text))


def test_signature_method_for(rsa_key: rsa.RSAPrivateKey, ec_key: ec.EllipticCurvePrivateKey) -> None:
    assert signature_method_for(rsa_key) == RSA_SHA256
    assert signature_method_for(ec_key) == ECDSA_SHA256
    assert signature_method_for(ec.generate_private_key(ec.SECP384R1())) == ECDSA_SHA384
    with pytest.raises(UnsupportedSignatureAlgorithm):
        signature_method_for(ec.generate_private_key(ec.SECP521R1()))
    with pytest.raises(TypeError):
        signature_method_for(dsa.generate_private_key(2048))  # type: ignore[arg-type]


def test_p384_round_trip() -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    cert = self_signed(key, "P-384")
    result = verify_envelope(reserialise(sign_envelope(make_envelope(), key, cert)))
    assert result.signature_algorithm == ECDSA_SHA384
    assert verify_document(reserialise(sign_document(make_application(), key, cert))).certificate == cert


def test_keys_are_cached_but_never_shared(rsa_key: rsa.RSAPrivateKey, rsa_cert: x509.Certificate) -> None:
    clear_key_caches()
    first = private_xmlsec_key(rsa_key)
    second = private_xmlsec_key(rsa_key)
    assert first is not second
    assert public_xmlsec_key(rsa_cert) is not public_xmlsec_key(rsa_cert)
    clear_key_caches()
    verify_envelope(sign_envelope(make_envelope(), rsa_key, rsa_cert))


def test_gost_certificate_key_is_unsupported(rsa_key: rsa.RSAPrivateKey, rsa_cert: x509.Certificate) -> None:
    """The Kalkan GOST certificate parses, but its key cannot check an RSA signature."""
    gost = _gost_certificate()
    with pytest.raises(UnsupportedSignatureAlgorithm):
        certificate_public_key(gost)
    envelope = sign_envelope(make_envelope(), rsa_key, rsa_cert)
    envelope.find(f".//{{{WSSE_NS}}}KeyIdentifier").text = base64.b64encode(
        gost.public_bytes(serialization.Encoding.DER)
    ).decode()
    with pytest.raises(SignatureError) as caught:
        verify_envelope(envelope)
    assert caught.value.code == "UNSUPPORTED_SIGNATURE_ALGORITHM"


def _two_kb_envelope() -> etree._Element:
    envelope = make_envelope(filler=1)
    size = len(etree.tostring(envelope))
    return make_envelope(filler=max(1, 2048 - size))
