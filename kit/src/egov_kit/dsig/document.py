"""Enveloped XML-DSig signatures of business documents (applications, results, certificates…).

A document signature must verify end to end whatever hops the document took: embedded in a SOAP
envelope's ``requestData/data``, re-serialised, moved under ancestors with other namespace
declarations. Hence: the Reference is ``URI=""`` (the whole document) with the enveloped-signature
transform and *exclusive* c14n, which renders only the namespaces the document itself uses; and the
element is always signed and verified as a document of its own (a private copy), never as a subtree
of whatever tree it sits in.

The signer's certificate, then any chain certificates, are carried in
``ds:KeyInfo/ds:X509Data/ds:X509Certificate``. KeyInfo is not covered by the signature: the chain is
only a hint for :mod:`egov_kit.pki`, which validates the returned certificate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from lxml import etree

from egov_kit.dsig._signature import (
    build_signature,
    certificate_base64,
    children_named,
    decode_certificate,
    ds,
    elements,
    parse_signature,
    private_copy,
    sign_in_copy,
    verify_in_copy,
)
from egov_kit.dsig.constants import C14N_TRANSFORMS, ENVELOPED_SIGNATURE, EXC_C14N, SHA256
from egov_kit.dsig.errors import SignatureInvalid, SignatureMissing
from egov_kit.dsig.keys import PrivateKey, signature_method_for

_DOCUMENT_TRANSFORMS = frozenset({*C14N_TRANSFORMS, ENVELOPED_SIGNATURE})


@dataclass(frozen=True)
class VerifiedDocument:
    """A document signature that checked out.

    ``certificate`` is the signer's (the first ``ds:X509Certificate``), ``chain`` the other carried
    certificates in document order (unsigned hints, not validated). ``signed_at`` is ``None``: our
    signatures carry no signed signing time (no XAdES). ``signature_algorithm`` is the
    SignatureMethod URI.
    """

    certificate: x509.Certificate
    chain: list[x509.Certificate] = field(default_factory=list)
    signed_at: datetime | None = None
    signature_algorithm: str = ""


def sign_document(
    root: etree._Element,
    private_key: PrivateKey,
    certificate: x509.Certificate,
    *,
    chain: Iterable[x509.Certificate] = (),
) -> etree._Element:
    """Append an enveloped ``ds:Signature`` over the whole of ``root`` as its last child; returns ``root``.

    ``root`` may sit inside a larger tree: only ``root`` and its descendants are signed.
    """
    if not isinstance(root.tag, str):
        raise ValueError("only an element can be signed")
    if children_named(root, ds("Signature")):
        raise ValueError("the document already carries a ds:Signature; sign an unsigned document")
    signature, key_info = build_signature(
        signature_method=signature_method_for(private_key),
        reference_uri="",
        transforms=(ENVELOPED_SIGNATURE, EXC_C14N),
        digest_method=SHA256,
    )
    x509_data = etree.SubElement(key_info, ds("X509Data"))
    for cert in (certificate, *chain):
        etree.SubElement(x509_data, ds("X509Certificate")).text = certificate_base64(cert)
    root.append(signature)
    sign_in_copy(root, signature, private_key)
    return root


def verify_document(root: etree._Element) -> VerifiedDocument:
    """Verify the enveloped signature that is a direct child of ``root``; raise a named error.

    ``root`` is verified as a document of its own (a private copy), so it may be a subtree of any
    tree, e.g. the element extracted from an envelope's ``requestData/data``. The caller's tree is
    not modified.
    """
    if not isinstance(root.tag, str):
        raise SignatureInvalid("only an element can be verified")
    work = private_copy(root)
    signatures = children_named(work, ds("Signature"))
    if not signatures:
        raise SignatureMissing("the document carries no ds:Signature")
    if len(signatures) > 1:
        raise SignatureInvalid("the document carries more than one ds:Signature")

    parsed = parse_signature(signatures[0], allowed_transforms=_DOCUMENT_TRANSFORMS)
    if len(parsed.references) != 1:
        raise SignatureInvalid("a document signature must have exactly one ds:Reference")
    reference = parsed.references[0]
    if reference.uri != "":
        raise SignatureInvalid('a document signature must reference the whole document (URI="")')
    if ENVELOPED_SIGNATURE not in reference.transforms:
        raise SignatureInvalid("a document signature must use the enveloped-signature transform")
    if len(reference.transforms) > 2:
        raise SignatureInvalid("a document signature takes the enveloped transform and one c14n at most")

    certificates = _carried_certificates(parsed.key_info)
    verify_in_copy(parsed, certificates[0])
    return VerifiedDocument(
        certificate=certificates[0],
        chain=certificates[1:],
        signed_at=None,
        signature_algorithm=parsed.signature_method,
    )


def _carried_certificates(key_info: etree._Element | None) -> list[x509.Certificate]:
    if key_info is None:
        raise SignatureInvalid("the signature has no ds:KeyInfo")
    texts = [
        cert.text
        for data in elements(key_info)
        if data.tag == ds("X509Data")
        for cert in elements(data)
        if cert.tag == ds("X509Certificate")
    ]
    if not texts:
        raise SignatureInvalid("ds:KeyInfo carries no ds:X509Data/ds:X509Certificate")
    return [decode_certificate(text) for text in texts]
