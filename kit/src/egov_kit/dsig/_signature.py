"""What transport and document signatures share: templates, the algorithm policy, xmlsec calls.

Both kinds are produced and checked on a private copy of the caller's tree (``copy.deepcopy`` puts
the copy in a new libxml2 document): xmlsec needs IDs registered in the document's ID table, and we
never leave such registrations, or anything else, behind in the caller's document.
"""

from __future__ import annotations

import base64
import binascii
import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree

from egov_kit.dsig.constants import (
    C14N_TRANSFORMS,
    DIGEST_METHODS,
    DS_NS,
    EC_SIGNATURE_METHODS,
    ENVELOPED_SIGNATURE,
    EXC_C14N,
    EXC_C14N_WITH_COMMENTS,
    RSA_SIGNATURE_METHODS,
    SIGNATURE_METHODS,
)
from egov_kit.dsig.errors import SignatureInvalid, UnsupportedSignatureAlgorithm
from egov_kit.dsig.keys import PrivateKey, certificate_public_key, private_xmlsec_key, public_xmlsec_key

if TYPE_CHECKING:
    from xmlsec.constants import __Transform as XmlsecTransform

EXC_C14N_NS = "http://www.w3.org/2001/10/xml-exc-c14n#"


def ds(local: str) -> str:
    return f"{{{DS_NS}}}{local}"


def elements(node: etree._Element) -> list[etree._Element]:
    """Element children only (comments and processing instructions skipped)."""
    return [child for child in node if isinstance(child.tag, str)]


def children_named(node: etree._Element, tag: str) -> list[etree._Element]:
    return [child for child in node if child.tag == tag]


# --------------------------------------------------------------------------------------- templates


def build_signature(
    *,
    signature_method: str,
    reference_uri: str,
    transforms: tuple[str, ...],
    digest_method: str,
) -> tuple[etree._Element, etree._Element]:
    """A ``ds:Signature`` template (empty DigestValue and SignatureValue) and its empty ``ds:KeyInfo``."""
    signature = etree.Element(ds("Signature"), nsmap={"ds": DS_NS})
    signed_info = etree.SubElement(signature, ds("SignedInfo"))
    etree.SubElement(signed_info, ds("CanonicalizationMethod"), Algorithm=EXC_C14N)
    etree.SubElement(signed_info, ds("SignatureMethod"), Algorithm=signature_method)
    reference = etree.SubElement(signed_info, ds("Reference"), URI=reference_uri)
    transforms_node = etree.SubElement(reference, ds("Transforms"))
    for algorithm in transforms:
        etree.SubElement(transforms_node, ds("Transform"), Algorithm=algorithm)
    etree.SubElement(reference, ds("DigestMethod"), Algorithm=digest_method)
    etree.SubElement(reference, ds("DigestValue"))
    etree.SubElement(signature, ds("SignatureValue"))
    key_info = etree.SubElement(signature, ds("KeyInfo"))
    return signature, key_info


def node_path(ancestor: etree._Element, node: etree._Element) -> list[int]:
    """Child indexes leading from ``ancestor`` down to ``node``."""
    path: list[int] = []
    current = node
    while current is not ancestor:
        parent = current.getparent()
        if parent is None:
            raise ValueError("node is not inside the given ancestor")
        path.append(parent.index(current))
        current = parent
    path.reverse()
    return path


def follow_path(root: etree._Element, path: list[int]) -> etree._Element:
    node = root
    for index in path:
        node = node[index]
    return node


def private_copy(root: etree._Element) -> etree._Element:
    """``root`` deep-copied into a new document of its own (fresh ID table, no shared state)."""
    return copy.deepcopy(root)


def sign_in_copy(
    root: etree._Element,
    signature: etree._Element,
    private_key: PrivateKey,
    *,
    id_node: etree._Element | None = None,
    id_attribute: tuple[str, str] | None = None,
) -> None:
    """Compute the template's DigestValue and SignatureValue on a private copy of ``root``.

    ``signature`` (inside ``root``) is filled in place with the values computed on the copy; the
    caller's document gets no ID registration. ``id_node``/``id_attribute`` (local name, namespace)
    name the attribute that the Reference's ``#id`` points at, if any.
    """
    work = private_copy(root)
    work_signature = follow_path(work, node_path(root, signature))
    if id_node is not None and id_attribute is not None:
        work_id_node = follow_path(work, node_path(root, id_node))
        _register_id(work_id_node, *id_attribute)
    context = xmlsec.SignatureContext()
    context.key = private_xmlsec_key(private_key)
    context.sign(work_signature)
    for source, target in zip(
        work_signature.iter(ds("DigestValue"), ds("SignatureValue")),
        signature.iter(ds("DigestValue"), ds("SignatureValue")),
        strict=True,
    ):
        target.text = source.text


# --------------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class ParsedReference:
    element: etree._Element
    uri: str | None
    transforms: tuple[str, ...]
    digest_method: str


@dataclass(frozen=True)
class ParsedSignature:
    element: etree._Element
    c14n_method: str
    signature_method: str
    references: tuple[ParsedReference, ...]
    key_info: etree._Element | None


def parse_signature(signature: etree._Element, *, allowed_transforms: frozenset[str]) -> ParsedSignature:
    """Read a ``ds:Signature``, enforcing the algorithm allow-list and the XML-DSig structure.

    Algorithms are checked before anything else, so a GOST (or SHA-1, HMAC, XSLT…) signature always
    ends in :class:`UnsupportedSignatureAlgorithm`, whatever else is wrong with it.
    """
    signed_info_list = children_named(signature, ds("SignedInfo"))
    if len(signed_info_list) != 1:
        raise SignatureInvalid("ds:Signature must hold exactly one ds:SignedInfo")
    signed_info = signed_info_list[0]

    # 1. every algorithm named anywhere in SignedInfo must be on the allow-list
    for node in signed_info.iter(
        ds("CanonicalizationMethod"), ds("SignatureMethod"), ds("Transform"), ds("DigestMethod")
    ):
        algorithm = node.get("Algorithm")
        local = etree.QName(node).localname
        if algorithm is None:
            raise SignatureInvalid(f"ds:{local} has no Algorithm")
        allowed: frozenset[str] | dict[str, XmlsecTransform]
        if local == "CanonicalizationMethod":
            allowed = C14N_TRANSFORMS
        elif local == "SignatureMethod":
            allowed = SIGNATURE_METHODS
        elif local == "DigestMethod":
            allowed = DIGEST_METHODS
        else:
            allowed = allowed_transforms
        if algorithm not in allowed:
            raise UnsupportedSignatureAlgorithm(f"{local} algorithm {algorithm!r} is not supported")

    # 2. structure: SignedInfo = CanonicalizationMethod, SignatureMethod, Reference+
    parts = elements(signed_info)
    if (
        len(parts) < 3
        or parts[0].tag != ds("CanonicalizationMethod")
        or parts[1].tag != ds("SignatureMethod")
        or any(part.tag != ds("Reference") for part in parts[2:])
    ):
        raise SignatureInvalid("ds:SignedInfo must be CanonicalizationMethod, SignatureMethod, Reference+")
    c14n_method = str(parts[0].get("Algorithm"))
    _check_c14n_parameters(parts[0], c14n_method)
    signature_method = str(parts[1].get("Algorithm"))
    if elements(parts[1]):
        raise SignatureInvalid("ds:SignatureMethod must not have parameters")
    references = tuple(_parse_reference(node) for node in parts[2:])

    # Signature = SignedInfo, SignatureValue, KeyInfo?, Object*
    top = elements(signature)
    if len(top) < 2 or top[0] is not signed_info or top[1].tag != ds("SignatureValue"):
        raise SignatureInvalid("ds:Signature must start with ds:SignedInfo and ds:SignatureValue")
    if not (top[1].text or "").strip():
        raise SignatureInvalid("ds:SignatureValue is empty")
    key_info: etree._Element | None = None
    rest = top[2:]
    if rest and rest[0].tag == ds("KeyInfo"):
        key_info = rest[0]
        rest = rest[1:]
    if any(node.tag != ds("Object") for node in rest):
        raise SignatureInvalid("unexpected element in ds:Signature")
    return ParsedSignature(signature, c14n_method, signature_method, references, key_info)


def _parse_reference(reference: etree._Element) -> ParsedReference:
    parts = elements(reference)
    transforms: list[str] = []
    if parts and parts[0].tag == ds("Transforms"):
        for transform in elements(parts[0]):
            if transform.tag != ds("Transform"):
                raise SignatureInvalid("ds:Transforms may only hold ds:Transform")
            algorithm = str(transform.get("Algorithm"))
            _check_c14n_parameters(transform, algorithm)
            transforms.append(algorithm)
        parts = parts[1:]
    if len(parts) != 2 or parts[0].tag != ds("DigestMethod") or parts[1].tag != ds("DigestValue"):
        raise SignatureInvalid("ds:Reference must be Transforms?, DigestMethod, DigestValue")
    if not (parts[1].text or "").strip():
        raise SignatureInvalid("ds:DigestValue is empty")
    return ParsedReference(reference, reference.get("URI"), tuple(transforms), str(parts[0].get("Algorithm")))


def _check_c14n_parameters(node: etree._Element, algorithm: str) -> None:
    """Only exclusive c14n takes a parameter (ec:InclusiveNamespaces); nothing else has children."""
    params = elements(node)
    if not params:
        return
    if (
        algorithm in (EXC_C14N, EXC_C14N_WITH_COMMENTS)
        and len(params) == 1
        and params[0].tag == f"{{{EXC_C14N_NS}}}InclusiveNamespaces"
    ):
        return
    raise SignatureInvalid(f"unexpected parameters for algorithm {algorithm}")


def certificate_base64(certificate: x509.Certificate) -> str:
    """Base64 of the certificate's DER, on one line (as the real gateway writes it)."""
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode("ascii")


def decode_certificate(text: str | None) -> x509.Certificate:
    """A base64 DER certificate as carried in KeyIdentifier/BinarySecurityToken/X509Certificate."""
    compact = "".join((text or "").split())
    if not compact:
        raise SignatureInvalid("the carried certificate is empty")
    try:
        der = base64.b64decode(compact, validate=True)
        return x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError) as exc:
        raise SignatureInvalid(f"the carried certificate cannot be decoded: {exc}") from exc


def verify_in_copy(
    parsed: ParsedSignature,
    certificate: x509.Certificate,
    *,
    id_node: etree._Element | None = None,
    id_attribute: tuple[str, str] | None = None,
) -> None:
    """Check the signature cryptographically with the certificate's key.

    ``parsed`` (and ``id_node``) must belong to a private copy (see :func:`private_copy`): the
    referenced ID is registered in that copy's document.
    """
    public_key = certificate_public_key(certificate)
    if parsed.signature_method in RSA_SIGNATURE_METHODS:
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise SignatureInvalid("the signature method is RSA but the certificate's key is not")
    elif parsed.signature_method in EC_SIGNATURE_METHODS and not isinstance(
        public_key, ec.EllipticCurvePublicKey
    ):
        raise SignatureInvalid("the signature method is ECDSA but the certificate's key is not EC")
    try:
        key = public_xmlsec_key(certificate)
    except xmlsec.Error as exc:
        raise SignatureInvalid(f"the certificate's key cannot be used: {exc}") from exc

    context = xmlsec.SignatureContext()
    context.key = key
    # Defence in depth: xmlsec itself refuses anything but the algorithms this signature names,
    # all of which passed the allow-list in parse_signature.
    context.enable_signature_transform(C14N_TRANSFORMS[parsed.c14n_method])
    context.enable_signature_transform(SIGNATURE_METHODS[parsed.signature_method])
    for reference in parsed.references:
        context.enable_reference_transform(DIGEST_METHODS[reference.digest_method])
        for algorithm in reference.transforms:
            context.enable_reference_transform(_TRANSFORMS[algorithm])
    try:
        if id_node is not None and id_attribute is not None:
            _register_id(id_node, *id_attribute)
        context.verify(parsed.element)
    except xmlsec.VerificationError as exc:
        raise SignatureInvalid("signature or digest mismatch") from exc
    except xmlsec.Error as exc:
        raise SignatureInvalid(f"signature cannot be verified: {exc}") from exc


def _register_id(node: etree._Element, local_name: str, namespace: str) -> None:
    """Register exactly this attribute as an ID in the node's document (raises on a duplicate).

    Unlike ``xmlsec.tree.add_ids`` (every attribute of that local name in the subtree, any
    namespace, duplicates only logged), this registers one namespaced attribute; the registration
    belongs to the document, not to the throwaway context.
    """
    context = xmlsec.SignatureContext()
    context.register_id(node, local_name, namespace)


_TRANSFORMS: dict[str, XmlsecTransform] = {
    **C14N_TRANSFORMS,
    ENVELOPED_SIGNATURE: xmlsec.constants.TransformEnveloped,
}
