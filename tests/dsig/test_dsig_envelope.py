"""WS-Security transport signature: round trips, tampering, XSW attacks, the real GOST examples."""

from __future__ import annotations

import base64
import copy
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from egov_kit.dsig import (
    ECDSA_SHA256,
    RSA_SHA256,
    SignatureError,
    SignatureInvalid,
    SignatureMissing,
    UnsupportedSignatureAlgorithm,
    VerifiedEnvelope,
    sign_envelope,
    verify_envelope,
)
from egov_kit.dsig.constants import (
    BASE64_ENCODING_TYPE,
    DS_NS,
    EXC_C14N,
    SHA256,
    WSSE_NS,
    WSU_NS,
    X509V3_VALUE_TYPE,
)
from egov_kit.xml import parse_xml
from lxml import etree

from tests.dsig.support import (
    SOAP,
    SYNC,
    body,
    make_envelope,
    q,
    reserialise,
    security,
    sign_custom,
    signature,
)
from tests.support.reference import shep_example

Signer = tuple[rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, x509.Certificate]
WSU_ID = q(WSU_NS, "Id")


def signed(signer: Signer, **kwargs: object) -> etree._Element:
    key, cert = signer
    return reserialise(sign_envelope(make_envelope(**kwargs), key, cert))  # type: ignore[arg-type]


def expect(code: str, envelope: etree._Element) -> SignatureError:
    with pytest.raises(SignatureError) as caught:
        verify_envelope(envelope)
    assert caught.value.code == code, str(caught.value)
    return caught.value


# ------------------------------------------------------------------------------------ round trips


def test_round_trip(signer: Signer) -> None:
    key, cert = signer
    envelope = signed(signer)
    result = verify_envelope(envelope)
    assert isinstance(result, VerifiedEnvelope)
    assert result.body is body(envelope)
    assert result.certificate == cert
    expected = RSA_SHA256 if isinstance(key, rsa.RSAPrivateKey) else ECDSA_SHA256
    assert result.signature_algorithm == expected
    assert result.body.find(f"{{{SYNC}}}SendMessage/request/requestInfo/serviceId").text == "GBD_FL_PERSON"


def test_structure_follows_the_real_gateway(rsa_key: rsa.RSAPrivateKey, rsa_cert: x509.Certificate) -> None:
    envelope = sign_envelope(make_envelope(), rsa_key, rsa_cert)
    sec = security(envelope)
    assert sec.get(q(SOAP, "mustUnderstand")) == "1"
    sig = signature(envelope)
    ds = f"{{{DS_NS}}}"
    signed_info = sig.find(f"{ds}SignedInfo")
    assert signed_info is not None
    assert signed_info.find(f"{ds}CanonicalizationMethod").get("Algorithm") == EXC_C14N
    assert signed_info.find(f"{ds}SignatureMethod").get("Algorithm") == RSA_SHA256
    references = signed_info.findall(f"{ds}Reference")
    assert len(references) == 1
    assert references[0].get("URI") == "#id-body-1"
    assert [t.get("Algorithm") for t in references[0].iter(f"{ds}Transform")] == [EXC_C14N]
    assert references[0].find(f"{ds}DigestMethod").get("Algorithm") == SHA256
    key_id = sig.find(f"{ds}KeyInfo/{{{WSSE_NS}}}SecurityTokenReference/{{{WSSE_NS}}}KeyIdentifier")
    assert key_id is not None
    assert key_id.get("ValueType") == X509V3_VALUE_TYPE
    assert key_id.get("EncodingType") == BASE64_ENCODING_TYPE
    assert x509.load_der_x509_certificate(base64.b64decode(key_id.text)) == rsa_cert


def test_header_and_body_id_are_created(rsa_key: rsa.RSAPrivateKey, rsa_cert: x509.Certificate) -> None:
    envelope = make_envelope(with_header=False, body_id=None)
    assert sign_envelope(envelope, rsa_key, rsa_cert) is envelope
    assert [etree.QName(child).localname for child in envelope] == ["Header", "Body"]
    body_id = body(envelope).get(WSU_ID)
    assert body_id is not None and body_id.startswith("id-")
    assert b"xmlns:wsu=" in etree.tostring(envelope)
    assert signature(envelope).find(f".//{{{DS_NS}}}Reference").get("URI") == f"#{body_id}"
    assert verify_envelope(reserialise(envelope)).certificate == rsa_cert


def test_resigning_replaces_the_security_header(
    rsa_key: rsa.RSAPrivateKey,
    rsa_cert: x509.Certificate,
    ec_key: ec.EllipticCurvePrivateKey,
    ec_cert: x509.Certificate,
) -> None:
    """The gateway verifies the client's signature, then re-signs as itself."""
    envelope = signed((rsa_key, rsa_cert))
    assert verify_envelope(envelope).certificate == rsa_cert
    sign_envelope(envelope, ec_key, ec_cert)
    assert len(envelope.findall(f"{{{SOAP}}}Header/{{{WSSE_NS}}}Security")) == 1
    again = reserialise(envelope)
    assert verify_envelope(again).certificate == ec_cert
    assert verify_envelope(again).signature_algorithm == ECDSA_SHA256


def test_real_example_resigned_with_rsa(rsa_key: rsa.RSAPrivateKey, rsa_cert: x509.Certificate) -> None:
    """The real message shape (S: and SOAP-ENV: prefixes, wsu on the Body) signs and verifies."""
    envelope = parse_xml(shep_example("sync-request-signed-gost.xml"))
    original_body = etree.tostring(body(envelope), method="c14n", exclusive=True)
    sign_envelope(envelope, rsa_key, rsa_cert)
    result = verify_envelope(reserialise(envelope))
    assert etree.tostring(result.body, method="c14n", exclusive=True) == original_body
    assert result.body.get(WSU_ID) == "id-9cccd1d1-1a58-4304-a029-d168188f76bb"


def test_verification_leaves_the_tree_alone(rsa_key: rsa.RSAPrivateKey, rsa_cert: x509.Certificate) -> None:
    envelope = signed((rsa_key, rsa_cert))
    before = etree.tostring(envelope)
    for _ in range(3):
        verify_envelope(envelope)
    assert etree.tostring(envelope) == before
    # and the tree can still be changed and re-signed afterwards
    body(envelope).find(f".//{{{SYNC}}}SendMessage/request/requestData/data").text = "changed"
    sign_envelope(envelope, rsa_key, rsa_cert)
    verify_envelope(envelope)
    verify_envelope(reserialise(envelope))


def test_signing_does_not_need_a_serialisation_round_trip(signer: Signer) -> None:
    key, cert = signer
    envelope = sign_envelope(make_envelope(), key, cert)
    assert verify_envelope(envelope).certificate == cert


def test_binary_security_token_reference_is_accepted(
    rsa_key: rsa.RSAPrivateKey, rsa_cert: x509.Certificate
) -> None:
    envelope = signed((rsa_key, rsa_cert))
    sec = security(envelope)
    token = etree.Element(
        q(WSSE_NS, "BinarySecurityToken"), ValueType=X509V3_VALUE_TYPE, EncodingType=BASE64_ENCODING_TYPE
    )
    token.set(WSU_ID, "X509-token-1")
    token.text = base64.b64encode(rsa_cert.public_bytes(serialization.Encoding.DER)).decode()
    sec.insert(0, token)
    str_node = signature(envelope).find(f"{{{DS_NS}}}KeyInfo/{{{WSSE_NS}}}SecurityTokenReference")
    str_node.clear()
    etree.SubElement(str_node, q(WSSE_NS, "Reference"), URI="#X509-token-1", ValueType=X509V3_VALUE_TYPE)
    assert verify_envelope(reserialise(envelope)).certificate == rsa_cert

    dangling = copy.deepcopy(envelope)
    dangling.find(f".//{{{WSSE_NS}}}Reference").set("URI", "#nowhere")
    expect("SIGNATURE_INVALID", dangling)


def test_concurrent_sign_and_verify(signer: Signer) -> None:
    key, cert = signer
    failures: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                verify_envelope(reserialise(sign_envelope(make_envelope(), key, cert)))
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


# ------------------------------------------------------------------------------ missing / invalid


def test_no_header_means_missing() -> None:
    expect("SIGNATURE_MISSING", make_envelope(with_header=False))


def test_no_security_means_missing() -> None:
    expect("SIGNATURE_MISSING", make_envelope())


def test_security_without_signature_means_missing(signer: Signer) -> None:
    envelope = signed(signer)
    sec = security(envelope)
    sec.remove(signature(envelope))
    error = expect("SIGNATURE_MISSING", envelope)
    assert isinstance(error, SignatureMissing)


def test_tampered_body_text(signer: Signer) -> None:
    envelope = signed(signer)
    envelope.find(f".//{{{SYNC}}}SendMessage/request/requestInfo/serviceId").text = "ENIS_TAX"
    error = expect("SIGNATURE_INVALID", envelope)
    assert isinstance(error, SignatureInvalid)


def test_tampered_body_attribute(signer: Signer) -> None:
    envelope = signed(signer)
    body(envelope).find(f"{{{SYNC}}}SendMessage").set("extra", "1")
    expect("SIGNATURE_INVALID", envelope)


def test_tampered_signed_info_attribute(signer: Signer) -> None:
    envelope = signed(signer)
    signature(envelope).find(f".//{{{DS_NS}}}Reference").set("Type", "urn:forged")
    expect("SIGNATURE_INVALID", envelope)


def test_tampered_digest_value(signer: Signer) -> None:
    envelope = signed(signer)
    digest = signature(envelope).find(f".//{{{DS_NS}}}DigestValue")
    digest.text = base64.b64encode(b"\0" * 32).decode()
    expect("SIGNATURE_INVALID", envelope)


def test_changed_signature_method(rsa_key: rsa.RSAPrivateKey, rsa_cert: x509.Certificate) -> None:
    envelope = signed((rsa_key, rsa_cert))
    method = signature(envelope).find(f".//{{{DS_NS}}}SignatureMethod")
    method.set("Algorithm", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512")
    expect("SIGNATURE_INVALID", envelope)


def test_garbage_signature_value(signer: Signer) -> None:
    envelope = signed(signer)
    signature(envelope).find(f"{{{DS_NS}}}SignatureValue").text = "not base64 at all!"
    expect("SIGNATURE_INVALID", envelope)


def test_certificate_of_someone_else(signer: Signer, other_rsa_cert: x509.Certificate) -> None:
    envelope = signed(signer)
    key_id = signature(envelope).find(f".//{{{WSSE_NS}}}KeyIdentifier")
    key_id.text = base64.b64encode(other_rsa_cert.public_bytes(serialization.Encoding.DER)).decode()
    expect("SIGNATURE_INVALID", envelope)


@pytest.mark.parametrize("text", ["", "!!!!", base64.b64encode(b"not a certificate").decode()])
def test_bad_certificate_encoding(signer: Signer, text: str) -> None:
    envelope = signed(signer)
    signature(envelope).find(f".//{{{WSSE_NS}}}KeyIdentifier").text = text
    expect("SIGNATURE_INVALID", envelope)


def test_missing_key_info(signer: Signer) -> None:
    envelope = signed(signer)
    sig = signature(envelope)
    sig.remove(sig.find(f"{{{DS_NS}}}KeyInfo"))
    expect("SIGNATURE_INVALID", envelope)


def test_not_an_envelope() -> None:
    expect("SIGNATURE_INVALID", etree.fromstring(b"<Envelope/>"))


# ------------------------------------------------------------------------------------- algorithms


@pytest.mark.parametrize("name", ["sync-request-signed-gost.xml", "sync-response-signed-gost.xml"])
def test_real_gost_examples_are_unsupported(name: str) -> None:
    raw = shep_example(name)
    assert raw.startswith(b"\xef\xbb\xbf")
    envelope = parse_xml(raw)
    error = expect("UNSUPPORTED_SIGNATURE_ALGORITHM", envelope)
    assert isinstance(error, UnsupportedSignatureAlgorithm)
    assert "gost34310" in error.message


@pytest.mark.parametrize(
    ("xpath", "algorithm"),
    [
        ("SignatureMethod", "http://www.w3.org/2000/09/xmldsig#rsa-sha1"),
        ("SignatureMethod", "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"),
        ("DigestMethod", "http://www.w3.org/2000/09/xmldsig#sha1"),
        ("DigestMethod", "http://www.w3.org/2001/04/xmldsig-more#gost34311"),
        ("CanonicalizationMethod", "http://www.w3.org/2006/12/xml-c14n11"),
        ("Transform", "http://www.w3.org/TR/1999/REC-xpath-19991116"),
        ("Transform", "http://www.w3.org/TR/1999/REC-xslt-19991116"),
        ("Transform", "http://www.w3.org/2000/09/xmldsig#enveloped-signature"),
    ],
)
def test_other_algorithms_are_unsupported(
    rsa_key: rsa.RSAPrivateKey, rsa_cert: x509.Certificate, xpath: str, algorithm: str
) -> None:
    envelope = signed((rsa_key, rsa_cert))
    signature(envelope).find(f".//{{{DS_NS}}}{xpath}").set("Algorithm", algorithm)
    expect("UNSUPPORTED_SIGNATURE_ALGORITHM", envelope)


def test_inclusive_c14n_is_accepted(rsa_key: rsa.RSAPrivateKey, rsa_cert: x509.Certificate) -> None:
    """Allowed algorithms other than ours verify (here inclusive c14n, re-signed by xmlsec)."""
    import xmlsec

    envelope = make_envelope()
    sign_envelope(envelope, rsa_key, rsa_cert)
    sig = signature(envelope)
    for node in sig.iter(f"{{{DS_NS}}}CanonicalizationMethod", f"{{{DS_NS}}}Transform"):
        node.set("Algorithm", "http://www.w3.org/TR/2001/REC-xml-c14n-20010315")
    ctx = xmlsec.SignatureContext()
    ctx.register_id(body(envelope), "Id", WSU_NS)
    pem = rsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    ctx.key = xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatPem)
    ctx.sign(sig)
    assert verify_envelope(reserialise(envelope)).certificate == rsa_cert


def test_key_type_must_match_the_method(rsa_key: rsa.RSAPrivateKey, ec_cert: x509.Certificate) -> None:
    envelope = signed((rsa_key, ec_cert))  # RSA signature, EC certificate
    expect("SIGNATURE_INVALID", envelope)


# ---------------------------------------------------------------------- signature wrapping (XSW)


def _forge(envelope: etree._Element) -> None:
    envelope.find(f".//{{{SYNC}}}SendMessage/request/requestInfo/serviceId").text = "FORGED"


def test_xsw_signed_body_moved_to_header_forged_body_in_place(signer: Signer) -> None:
    """Classic XSW: the signed Body goes into a header block, a forged Body (no Id) takes its place."""
    envelope = signed(signer)
    original = body(envelope)
    forged = copy.deepcopy(original)
    del forged.attrib[WSU_ID]
    wrapper = etree.SubElement(envelope.find(q(SOAP, "Header")), q("urn:attacker", "Wrapper"))
    envelope.replace(original, forged)
    wrapper.append(original)
    _forge(envelope)
    expect("SIGNATURE_WRAPPING", reserialise(envelope))


def test_xsw_forged_body_reuses_the_id(signer: Signer) -> None:
    envelope = signed(signer)
    original = body(envelope)
    forged = copy.deepcopy(original)
    wrapper = etree.SubElement(security(envelope), q("urn:attacker", "Wrapper"))
    envelope.replace(original, forged)
    wrapper.append(original)
    _forge(envelope)
    expect("SIGNATURE_WRAPPING", reserialise(envelope))


def test_xsw_signed_content_renamed_in_header(signer: Signer) -> None:
    """The signed Body is kept under another name (one soap:Body in the document), Id and all."""
    envelope = signed(signer)
    original = body(envelope)
    decoy = copy.deepcopy(original)
    decoy.tag = q("urn:attacker", "Body")
    envelope.find(q(SOAP, "Header")).append(decoy)
    del original.attrib[WSU_ID]
    _forge(envelope)
    expect("SIGNATURE_WRAPPING", reserialise(envelope))


def test_xsw_original_body_nested_inside_forged_body(signer: Signer) -> None:
    envelope = signed(signer)
    original = body(envelope)
    forged = copy.deepcopy(original)
    forged.set(WSU_ID, "id-forged")
    envelope.replace(original, forged)
    etree.SubElement(forged, q("urn:attacker", "Carrier")).append(original)
    expect("SIGNATURE_WRAPPING", reserialise(envelope))


def test_xsw_duplicate_id_via_xml_id(signer: Signer) -> None:
    envelope = signed(signer)
    decoy = etree.SubElement(envelope.find(q(SOAP, "Header")), q("urn:attacker", "Note"))
    decoy.set("{http://www.w3.org/XML/1998/namespace}id", "id-body-1")
    expect("SIGNATURE_WRAPPING", reserialise(envelope))


def test_xsw_second_header(signer: Signer) -> None:
    envelope = signed(signer)
    envelope.insert(0, etree.Element(q(SOAP, "Header")))
    expect("SIGNATURE_WRAPPING", reserialise(envelope))


def test_xsw_second_security_header(signer: Signer) -> None:
    envelope = signed(signer)
    envelope.find(q(SOAP, "Header")).append(copy.deepcopy(security(envelope)))
    expect("SIGNATURE_WRAPPING", reserialise(envelope))


def test_xsw_second_signature(signer: Signer) -> None:
    envelope = signed(signer)
    security(envelope).append(copy.deepcopy(signature(envelope)))
    expect("SIGNATURE_WRAPPING", reserialise(envelope))


def test_reference_to_the_header(rsa_key: rsa.RSAPrivateKey, rsa_cert: x509.Certificate) -> None:
    """A crypto-valid signature over a header block, not the Body: the Body is unsigned."""
    envelope = make_envelope()
    header = envelope.find(q(SOAP, "Header"))
    header.set(WSU_ID, "id-header")
    sign_custom(envelope, rsa_key, rsa_cert, [header])
    expect("SIGNATURE_WRAPPING", reserialise(envelope))


def test_reference_to_a_header_block(rsa_key: rsa.RSAPrivateKey, rsa_cert: x509.Certificate) -> None:
    envelope = make_envelope()
    block = etree.SubElement(envelope.find(q(SOAP, "Header")), q(WSU_NS, "Timestamp"))
    block.set(WSU_ID, "TS-1")
    etree.SubElement(block, q(WSU_NS, "Created")).text = "2026-01-15T06:20:34Z"
    sign_custom(envelope, rsa_key, rsa_cert, [block])
    expect("SIGNATURE_WRAPPING", reserialise(envelope))


def test_two_references(rsa_key: rsa.RSAPrivateKey, rsa_cert: x509.Certificate) -> None:
    envelope = make_envelope()
    block = etree.SubElement(envelope.find(q(SOAP, "Header")), q(WSU_NS, "Timestamp"))
    block.set(WSU_ID, "TS-1")
    sign_custom(envelope, rsa_key, rsa_cert, [body(envelope), block])
    expect("SIGNATURE_WRAPPING", reserialise(envelope))


def test_custom_signer_with_one_body_reference_verifies(
    rsa_key: rsa.RSAPrivateKey, rsa_cert: x509.Certificate
) -> None:
    """Control for the three tests above: the same helper with the Body alone is accepted."""
    envelope = make_envelope()
    sign_custom(envelope, rsa_key, rsa_cert, [body(envelope)])
    assert verify_envelope(reserialise(envelope)).certificate == rsa_cert


@pytest.mark.parametrize(
    "uri", ["", "#xpointer(/)", "#xpointer(id('id-body-1'))", "id-body-1", "http://evil/#id-body-1"]
)
def test_reference_uri_must_be_a_bare_id(signer: Signer, uri: str) -> None:
    envelope = signed(signer)
    signature(envelope).find(f".//{{{DS_NS}}}Reference").set("URI", uri)
    expect("SIGNATURE_WRAPPING", envelope)


def test_forged_body_is_never_returned(signer: Signer) -> None:
    """Whatever the outcome, a verified body is always the signed one."""
    envelope = signed(signer)
    original = body(envelope)
    forged = copy.deepcopy(original)
    del forged.attrib[WSU_ID]
    envelope.replace(original, forged)
    etree.SubElement(envelope.find(q(SOAP, "Header")), q("urn:attacker", "Wrapper")).append(original)
    _forge(envelope)
    with pytest.raises(SignatureError):
        verify_envelope(envelope)
