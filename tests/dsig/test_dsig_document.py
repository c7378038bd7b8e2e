"""Enveloped document signatures: round trips, surviving envelopes and re-serialisation, tampering."""

from __future__ import annotations

import base64
import copy

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from egov_kit.dsig import (
    ECDSA_SHA256,
    RSA_SHA256,
    SignatureError,
    VerifiedDocument,
    sign_document,
    sign_envelope,
    verify_document,
    verify_envelope,
)
from egov_kit.dsig.constants import DS_NS, ENVELOPED_SIGNATURE, EXC_C14N, SHA256
from egov_kit.xml import parse_xml
from lxml import etree

from tests.dsig.support import (
    APP,
    SYNC,
    data_element,
    make_application,
    make_envelope,
    q,
    reserialise,
    self_signed,
)

Signer = tuple[rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, x509.Certificate]
DS = f"{{{DS_NS}}}"


def signed_application(signer: Signer, **kwargs: object) -> etree._Element:
    key, cert = signer
    return sign_document(make_application(), key, cert, **kwargs)  # type: ignore[arg-type]


def expect(code: str, root: etree._Element) -> SignatureError:
    with pytest.raises(SignatureError) as caught:
        verify_document(root)
    assert caught.value.code == code, str(caught.value)
    return caught.value


def extract_application(envelope: etree._Element) -> etree._Element:
    found = envelope.find(f".//{{{APP}}}application")
    assert found is not None
    return found


# ------------------------------------------------------------------------------------ round trips


def test_round_trip(signer: Signer) -> None:
    key, cert = signer
    document = signed_application(signer)
    result = verify_document(reserialise(document))
    assert isinstance(result, VerifiedDocument)
    assert result.certificate == cert
    assert result.chain == []
    assert result.signed_at is None
    expected = RSA_SHA256 if isinstance(key, rsa.RSAPrivateKey) else ECDSA_SHA256
    assert result.signature_algorithm == expected


def test_structure(rsa_key: rsa.RSAPrivateKey, rsa_cert: x509.Certificate) -> None:
    document = signed_application((rsa_key, rsa_cert))
    signature = document[-1]
    assert signature.tag == f"{DS}Signature"
    reference = signature.find(f"{DS}SignedInfo/{DS}Reference")
    assert reference.get("URI") == ""
    assert [t.get("Algorithm") for t in reference.iter(f"{DS}Transform")] == [ENVELOPED_SIGNATURE, EXC_C14N]
    assert reference.find(f"{DS}DigestMethod").get("Algorithm") == SHA256
    certs = signature.findall(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate")
    assert [x509.load_der_x509_certificate(base64.b64decode(c.text)) for c in certs] == [rsa_cert]


def test_chain_is_carried_after_the_signer(
    rsa_key: rsa.RSAPrivateKey, rsa_cert: x509.Certificate, ec_key: ec.EllipticCurvePrivateKey
) -> None:
    issuing = self_signed(ec_key, "issuing CA")
    root_ca = self_signed(ec_key, "root CA")
    document = signed_application((rsa_key, rsa_cert), chain=[issuing, root_ca])
    result = verify_document(reserialise(document))
    assert result.certificate == rsa_cert
    assert result.chain == [issuing, root_ca]


def test_verification_leaves_the_tree_alone(signer: Signer) -> None:
    document = signed_application(signer)
    before = etree.tostring(document)
    verify_document(document)
    verify_document(document)
    assert etree.tostring(document) == before


def test_subtree_is_signed_and_verified_on_its_own(signer: Signer) -> None:
    """A document inside a larger tree: the signature covers it alone, wherever it sits."""
    key, cert = signer
    outer = etree.fromstring(
        b'<outer xmlns="urn:outer" xmlns:x="urn:x"><x:holder/><sibling>s</sibling></outer>'
    )
    application = make_application()
    outer[0].append(application)
    sign_document(application, key, cert)
    assert verify_document(application).certificate == cert
    outer.find("{urn:outer}sibling").text = "changing the rest of the tree does not matter"
    assert verify_document(application).certificate == cert
    standalone = parse_xml(etree.tostring(application))
    assert verify_document(standalone).certificate == cert


# ---------------------------------------------------------------------------- hops through envelopes


def test_survives_embedding_in_an_envelope(signer: Signer) -> None:
    _key, cert = signer
    document = signed_application(signer)
    envelope = make_envelope()
    data_element(envelope).append(copy.deepcopy(document))
    received = parse_xml(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))
    application = extract_application(received)
    assert application.getparent().tag == "data"
    assert verify_document(application).certificate == cert


def test_survives_a_signed_envelope_and_both_verify(
    signer: Signer, other_rsa_key: rsa.RSAPrivateKey, other_rsa_cert: x509.Certificate
) -> None:
    """Citizen signs the application; the portal's system signs the envelope carrying it."""
    key, cert = signer
    document = signed_application(signer)
    envelope = make_envelope()
    data_element(envelope).append(document)
    sign_envelope(envelope, other_rsa_key, other_rsa_cert)

    received = parse_xml(etree.tostring(envelope))
    transport = verify_envelope(received)
    assert transport.certificate == other_rsa_cert
    application = extract_application(transport.body)
    assert verify_document(application).certificate == cert

    # the gateway re-signs the envelope as itself and forwards it; the document still verifies
    sign_envelope(received, key, cert)
    forwarded = parse_xml(etree.tostring(received))
    assert verify_envelope(forwarded).certificate == cert
    assert verify_document(extract_application(forwarded)).certificate == cert


def test_survives_moves_between_different_namespace_contexts(signer: Signer) -> None:
    """Ancestors that bind the same prefixes to other namespaces, a default namespace, and back."""
    _key, cert = signer
    document = signed_application(signer)
    hostile = etree.fromstring(
        b'<h:host xmlns:h="urn:host" xmlns="urn:default" xmlns:app="urn:not-the-app" '
        b'xmlns:ds="urn:not-dsig"><h:slot><inner/></h:slot></h:host>'
    )
    hostile.find("{urn:host}slot/{urn:default}inner").append(document)
    hop1 = parse_xml(etree.tostring(hostile))
    moved = hop1.find(f".//{{{APP}}}application")
    assert verify_document(moved).certificate == cert

    envelope = make_envelope()
    data_element(envelope).append(moved)  # moved out of hop1, into another document
    hop2 = reserialise(envelope)
    final = extract_application(hop2)
    assert verify_document(final).certificate == cert
    assert verify_document(parse_xml(etree.tostring(final))).certificate == cert


def test_document_carried_as_escaped_text(signer: Signer) -> None:
    """The real gateway's examples carry the business XML as text in <data>; that works too."""
    _key, cert = signer
    document = signed_application(signer)
    envelope = make_envelope()
    data_element(envelope).text = etree.tostring(document, encoding="unicode")
    received = reserialise(envelope)
    inner = parse_xml(data_element(received).text.encode())
    assert verify_document(inner).certificate == cert


# --------------------------------------------------------------------------------------- failures


def test_tampered_text(signer: Signer) -> None:
    document = signed_application(signer)
    document.find(f"{{{APP}}}iin").text = "900101300124"
    expect("SIGNATURE_INVALID", document)


def test_tampered_after_embedding(signer: Signer) -> None:
    document = signed_application(signer)
    envelope = make_envelope()
    data_element(envelope).append(document)
    received = reserialise(envelope)
    application = extract_application(received)
    application.set("version", "2")
    expect("SIGNATURE_INVALID", application)


def test_added_element(signer: Signer) -> None:
    document = signed_application(signer)
    document.insert(0, etree.Element(q(APP, "extra")))
    expect("SIGNATURE_INVALID", document)


def test_certificate_replaced(signer: Signer, other_rsa_cert: x509.Certificate) -> None:
    document = signed_application(signer)
    node = document.find(f"{DS}Signature/{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate")
    node.text = base64.b64encode(other_rsa_cert.public_bytes(serialization.Encoding.DER)).decode()
    expect("SIGNATURE_INVALID", document)


def test_certificate_garbage(signer: Signer) -> None:
    document = signed_application(signer)
    document.find(f".//{DS}X509Certificate").text = "%%%"
    expect("SIGNATURE_INVALID", document)


def test_no_certificate(signer: Signer) -> None:
    document = signed_application(signer)
    key_info = document.find(f"{DS}Signature/{DS}KeyInfo")
    key_info.getparent().remove(key_info)
    expect("SIGNATURE_INVALID", document)


def test_missing_signature() -> None:
    expect("SIGNATURE_MISSING", make_application())


def test_nested_signature_is_not_the_documents(signer: Signer) -> None:
    """A signed sub-document does not count as the outer document's signature."""
    key, cert = signer
    outer = etree.Element(q(APP, "bundle"))
    outer.append(sign_document(make_application(), key, cert))
    expect("SIGNATURE_MISSING", outer)


def test_two_signatures(signer: Signer) -> None:
    document = signed_application(signer)
    document.append(copy.deepcopy(document[-1]))
    expect("SIGNATURE_INVALID", document)


@pytest.mark.parametrize("uri", ["#application", "#xpointer(/)", None])
def test_only_the_whole_document_reference(signer: Signer, uri: str | None) -> None:
    document = signed_application(signer)
    reference = document.find(f".//{DS}Reference")
    if uri is None:
        del reference.attrib["URI"]
    else:
        reference.set("URI", uri)
    expect("SIGNATURE_INVALID", document)


def test_enveloped_transform_is_required(signer: Signer) -> None:
    document = signed_application(signer)
    transforms = document.find(f".//{DS}Transforms")
    transforms.remove(transforms[0])
    expect("SIGNATURE_INVALID", document)


@pytest.mark.parametrize(
    ("local", "algorithm"),
    [
        ("SignatureMethod", "http://www.w3.org/2001/04/xmldsig-more#gost34310-gost34311"),
        ("DigestMethod", "http://www.w3.org/2001/04/xmldsig-more#gost34311"),
        ("Transform", "http://www.w3.org/TR/1999/REC-xpath-19991116"),
    ],
)
def test_unsupported_algorithms(signer: Signer, local: str, algorithm: str) -> None:
    document = signed_application(signer)
    document.find(f".//{DS}{local}").set("Algorithm", algorithm)
    expect("UNSUPPORTED_SIGNATURE_ALGORITHM", document)


def test_resigning_a_signed_document_is_refused(signer: Signer) -> None:
    key, cert = signer
    document = signed_application(signer)
    with pytest.raises(ValueError, match="already"):
        sign_document(document, key, cert)


def test_envelope_verification_ignores_a_document_signature_in_the_body(
    rsa_key: rsa.RSAPrivateKey, rsa_cert: x509.Certificate
) -> None:
    envelope = make_envelope()
    data_element(envelope).append(signed_application((rsa_key, rsa_cert)))
    sign_envelope(envelope, rsa_key, rsa_cert)
    body = verify_envelope(reserialise(envelope)).body
    assert body.find(f"{{{SYNC}}}SendMessage") is not None
