"""WS-Security transport signature of SOAP envelopes, shaped like the real ШЭП gateway's.

``soap:Header/wsse:Security[@soap:mustUnderstand="1"]/ds:Signature``: exclusive c14n, one
Reference ``#<Body wsu:Id>`` with an exc-c14n transform, SHA-256 digest, RSA-SHA256 or ECDSA, and the
signer's certificate in ``ds:KeyInfo/wsse:SecurityTokenReference/wsse:KeyIdentifier`` (X509v3,
Base64Binary). Verification also accepts a ``wsse:BinarySecurityToken`` in the same Security header
referenced by ``wsse:Reference URI="#…"``.

Verification checks the cryptography and the structure (one Signature, one Reference, to the one
``soap:Body`` directly under the Envelope, whose Id no other element carries). It does not validate
the certificate (chain, dates, revocation, profile): that is :mod:`egov_kit.pki`'s job, with the
certificate returned here.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from cryptography import x509
from lxml import etree

from egov_kit.dsig._signature import (
    ParsedSignature,
    build_signature,
    certificate_base64,
    children_named,
    decode_certificate,
    elements,
    parse_signature,
    private_copy,
    sign_in_copy,
    verify_in_copy,
)
from egov_kit.dsig.constants import (
    BASE64_ENCODING_TYPE,
    C14N_TRANSFORMS,
    DS_NS,
    EXC_C14N,
    SHA256,
    SOAP_NAMESPACES,
    WSSE_NS,
    WSU_NS,
    X509V3_VALUE_TYPE,
)
from egov_kit.dsig.errors import SignatureInvalid, SignatureMissing, SignatureWrapping
from egov_kit.dsig.keys import PrivateKey, signature_method_for

_WSU_ID = f"{{{WSU_NS}}}Id"
_BARE_NAME = re.compile(r"#([A-Za-z_][A-Za-z0-9_.\-]*)")
_TRANSPORT_TRANSFORMS = frozenset(C14N_TRANSFORMS)

# A Body without wsu:Id gets one; with the prefix registered lxml declares it as xmlns:wsu, not ns0.
etree.register_namespace("wsu", WSU_NS)


@dataclass(frozen=True)
class VerifiedEnvelope:
    """A transport signature that checked out.

    ``body`` is the caller's own ``soap:Body`` element (a direct child of the envelope passed in),
    the exact element the signature covers; ``certificate`` is the signer's certificate as carried
    (not yet validated); ``signature_algorithm`` the SignatureMethod URI.
    """

    body: etree._Element
    certificate: x509.Certificate
    signature_algorithm: str


def _wsse(local: str) -> str:
    return f"{{{WSSE_NS}}}{local}"


def _soap_namespace(envelope: etree._Element) -> str:
    if not isinstance(envelope.tag, str):
        raise ValueError("not an element")
    qname = etree.QName(envelope)
    if qname.localname != "Envelope" or qname.namespace not in SOAP_NAMESPACES:
        raise ValueError(f"not a SOAP envelope: {envelope.tag}")
    return str(qname.namespace)


def _id_holders(root: etree._Element, value: str) -> list[tuple[etree._Element, str]]:
    """Every (element, attribute name) whose Id-like attribute (Id, ID, id, xml:id, any namespace)
    has ``value``: xmlsec and libxml2 would resolve ``#value`` to any of them."""
    found: list[tuple[etree._Element, str]] = []
    for node in root.iter("*"):
        for name, attr_value in node.attrib.items():
            if attr_value == value and etree.QName(name).localname.lower() == "id":
                found.append((node, str(name)))
    return found


# ------------------------------------------------------------------------------------------ signing


def sign_envelope(
    envelope: etree._Element, private_key: PrivateKey, certificate: x509.Certificate
) -> etree._Element:
    """Sign the envelope's ``soap:Body`` with WS-Security, in place; returns ``envelope``.

    Any existing ``wsse:Security`` header is replaced (the gateway re-signs what it forwards); the
    Header is created when missing, and the Body gets a ``wsu:Id`` when it has none.
    """
    soap_ns = _soap_namespace(envelope)
    bodies = children_named(envelope, f"{{{soap_ns}}}Body")
    if len(bodies) != 1:
        raise ValueError(f"a SOAP envelope needs exactly one soap:Body, found {len(bodies)}")
    body = bodies[0]
    headers = children_named(envelope, f"{{{soap_ns}}}Header")
    if len(headers) > 1:
        raise ValueError("a SOAP envelope may have only one soap:Header")
    if headers:
        header = headers[0]
    else:
        header = etree.Element(f"{{{soap_ns}}}Header")
        envelope.insert(envelope.index(body), header)

    body_id = body.get(_WSU_ID)
    if body_id is None:
        body_id = f"id-{uuid.uuid4()}"
        body.set(_WSU_ID, body_id)
    holders = _id_holders(envelope, body_id)
    if len(holders) != 1:
        raise ValueError(f"the Body's wsu:Id {body_id!r} is carried by {len(holders)} elements")

    old = children_named(header, _wsse("Security"))
    position = header.index(old[0]) if old else 0
    for node in old:
        header.remove(node)
    security = etree.Element(_wsse("Security"), nsmap={"wsse": WSSE_NS})
    header.insert(position, security)
    security.set(f"{{{soap_ns}}}mustUnderstand", "1")

    signature, key_info = build_signature(
        signature_method=signature_method_for(private_key),
        reference_uri=f"#{body_id}",
        transforms=(EXC_C14N,),
        digest_method=SHA256,
    )
    security.append(signature)
    token_reference = etree.SubElement(key_info, _wsse("SecurityTokenReference"))
    key_identifier = etree.SubElement(
        token_reference,
        _wsse("KeyIdentifier"),
        EncodingType=BASE64_ENCODING_TYPE,
        ValueType=X509V3_VALUE_TYPE,
    )
    key_identifier.text = certificate_base64(certificate)
    sign_in_copy(envelope, signature, private_key, id_node=body, id_attribute=("Id", WSU_NS))
    return envelope


# ------------------------------------------------------------------------------------- verification


def verify_envelope(envelope: etree._Element) -> VerifiedEnvelope:
    """Verify the WS-Security signature of a SOAP envelope; raise a named :class:`SignatureError`.

    The caller's tree is not modified: the checks and xmlsec run on a private copy.
    """
    try:
        soap_ns = _soap_namespace(envelope)
    except ValueError as exc:
        raise SignatureInvalid(str(exc)) from exc
    work = private_copy(envelope)

    headers = children_named(work, f"{{{soap_ns}}}Header")
    if not headers:
        raise SignatureMissing("the envelope has no soap:Header, hence no wsse:Security")
    if len(headers) > 1:
        raise SignatureWrapping("the envelope has more than one soap:Header")
    securities = children_named(headers[0], _wsse("Security"))
    if not securities:
        raise SignatureMissing("no wsse:Security header")
    if len(securities) > 1:
        raise SignatureWrapping("more than one wsse:Security header")
    security = securities[0]
    signatures = children_named(security, f"{{{DS_NS}}}Signature")
    if not signatures:
        raise SignatureMissing("wsse:Security holds no ds:Signature")
    if len(signatures) > 1:
        raise SignatureWrapping("wsse:Security holds more than one ds:Signature")

    parsed = parse_signature(signatures[0], allowed_transforms=_TRANSPORT_TRANSFORMS)
    body = _covered_body(work, soap_ns, parsed)
    certificate = _carried_certificate(work, security, parsed)
    verify_in_copy(parsed, certificate, id_node=body, id_attribute=("Id", WSU_NS))

    # The copy is node-for-node the caller's tree: hand back the caller's Body.
    own_body = envelope[work.index(body)]
    if own_body.tag != body.tag:  # pragma: no cover - the copy is exact
        raise SignatureWrapping("the envelope changed while it was being verified")
    return VerifiedEnvelope(
        body=own_body, certificate=certificate, signature_algorithm=parsed.signature_method
    )


def _covered_body(work: etree._Element, soap_ns: str, parsed: ParsedSignature) -> etree._Element:
    """The one soap:Body directly under the Envelope, provided it is exactly what is referenced."""
    if len(parsed.references) != 1:
        raise SignatureWrapping(
            f"the signature must have exactly one ds:Reference, not {len(parsed.references)}"
        )
    uri = parsed.references[0].uri or ""
    match = _BARE_NAME.fullmatch(uri)
    if match is None:
        raise SignatureWrapping(f"the ds:Reference URI {uri!r} is not a reference to the soap:Body's Id")
    body_id = match.group(1)

    all_bodies = list(work.iter(f"{{{soap_ns}}}Body"))
    direct_bodies = children_named(work, f"{{{soap_ns}}}Body")
    if len(all_bodies) != 1 or len(direct_bodies) != 1:
        raise SignatureWrapping(f"the document holds {len(all_bodies)} soap:Body elements, expected one")
    body = direct_bodies[0]
    holders = _id_holders(work, body_id)
    if len(holders) != 1:
        raise SignatureWrapping(f"the Id {body_id!r} is carried by {len(holders)} elements, expected one")
    holder, attribute = holders[0]
    if holder is not body or attribute != _WSU_ID:
        raise SignatureWrapping(f"the signed element #{body_id} is not the envelope's soap:Body")
    return body


def _carried_certificate(
    work: etree._Element, security: etree._Element, parsed: ParsedSignature
) -> x509.Certificate:
    """The signer's certificate: a KeyIdentifier (X509v3) or a referenced BinarySecurityToken."""
    if parsed.key_info is None:
        raise SignatureInvalid("the signature has no ds:KeyInfo")
    token_references = elements(parsed.key_info)
    if len(token_references) != 1 or token_references[0].tag != _wsse("SecurityTokenReference"):
        raise SignatureInvalid("ds:KeyInfo must hold exactly one wsse:SecurityTokenReference")
    pointers = elements(token_references[0])
    if len(pointers) != 1:
        raise SignatureInvalid("wsse:SecurityTokenReference must hold exactly one key reference")
    pointer = pointers[0]

    if pointer.tag == _wsse("KeyIdentifier"):
        if pointer.get("ValueType") != X509V3_VALUE_TYPE:
            raise SignatureInvalid(f"unsupported wsse:KeyIdentifier ValueType {pointer.get('ValueType')!r}")
        if pointer.get("EncodingType", BASE64_ENCODING_TYPE) != BASE64_ENCODING_TYPE:
            raise SignatureInvalid("wsse:KeyIdentifier must be Base64Binary")
        return decode_certificate(pointer.text)

    if pointer.tag == _wsse("Reference"):
        if pointer.get("ValueType", X509V3_VALUE_TYPE) != X509V3_VALUE_TYPE:
            raise SignatureInvalid(f"unsupported wsse:Reference ValueType {pointer.get('ValueType')!r}")
        match = _BARE_NAME.fullmatch(pointer.get("URI") or "")
        if match is None:
            raise SignatureInvalid("wsse:Reference must point at a token in this message (#id)")
        holders = _id_holders(work, match.group(1))
        if len(holders) != 1:
            raise SignatureInvalid(f"the token #{match.group(1)} is carried by {len(holders)} elements")
        token, attribute = holders[0]
        if (
            token.tag != _wsse("BinarySecurityToken")
            or token.getparent() is not security
            or attribute != _WSU_ID
        ):
            raise SignatureInvalid("wsse:Reference must point at a wsse:BinarySecurityToken of this header")
        if token.get("ValueType") != X509V3_VALUE_TYPE:
            raise SignatureInvalid(
                f"unsupported wsse:BinarySecurityToken ValueType {token.get('ValueType')!r}"
            )
        if token.get("EncodingType", BASE64_ENCODING_TYPE) != BASE64_ENCODING_TYPE:
            raise SignatureInvalid("wsse:BinarySecurityToken must be Base64Binary")
        return decode_certificate(token.text)

    raise SignatureInvalid(f"unsupported key reference {pointer.tag}")
