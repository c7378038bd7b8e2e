"""Keys, self-signed certificates and hand-built SOAP envelopes for the dsig tests."""

from __future__ import annotations

import base64
import datetime as dt

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from egov_kit.dsig.constants import DS_NS, WSSE_NS, WSU_NS, X509V3_VALUE_TYPE
from lxml import etree

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
SYNC = "http://bip.bee.kz/SyncChannel/v10/Types"
APP = "urn:egov:test:application"

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def self_signed(key: PrivateKey, common_name: str) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


def q(ns: str, local: str) -> str:
    return f"{{{ns}}}{local}"


def make_envelope(
    *, with_header: bool = True, body_id: str | None = "id-body-1", filler: int = 0
) -> etree._Element:
    """A SyncChannel SendMessage request envelope, built by hand like the real one."""
    envelope = etree.Element(q(SOAP, "Envelope"), nsmap={"soap": SOAP})
    if with_header:
        etree.SubElement(envelope, q(SOAP, "Header"))
    body = etree.SubElement(envelope, q(SOAP, "Body"), nsmap={"wsu": WSU_NS})
    if body_id is not None:
        body.set(q(WSU_NS, "Id"), body_id)
    send = etree.SubElement(body, q(SYNC, "SendMessage"), nsmap={"ns2": SYNC})
    request = etree.SubElement(send, "request")
    info = etree.SubElement(request, "requestInfo")
    etree.SubElement(info, "messageId").text = "7ea6369f-18c5-4633-ad73-19de35883e0b"
    etree.SubElement(info, "serviceId").text = "GBD_FL_PERSON"
    etree.SubElement(info, "messageDate").text = "2026-01-15T12:20:34.539+06:00"
    sender = etree.SubElement(info, "sender")
    etree.SubElement(sender, "senderId").text = "portal"
    etree.SubElement(sender, "password").text = "secret"
    data = etree.SubElement(etree.SubElement(request, "requestData"), "data")
    data.text = "Алматы " + "x" * filler if filler else None
    return envelope


def data_element(envelope: etree._Element) -> etree._Element:
    found = envelope.find(f"{{{SOAP}}}Body/{{{SYNC}}}SendMessage/request/requestData/data")
    assert found is not None
    return found


def make_application(iin: str = "900101300123") -> etree._Element:
    """A namespaced business document, as a service's application form would be."""
    root = etree.Element(q(APP, "application"), nsmap={"app": APP})
    root.set("version", "1")
    etree.SubElement(root, q(APP, "iin")).text = iin
    etree.SubElement(root, q(APP, "purpose")).text = "Справка о месте жительства"
    etree.SubElement(root, q(APP, "note")).text = "  spaces & <chars>  "
    return root


def security(envelope: etree._Element) -> etree._Element:
    found = envelope.find(f"{{{SOAP}}}Header/{{{WSSE_NS}}}Security")
    assert found is not None
    return found


def signature(envelope: etree._Element) -> etree._Element:
    found = security(envelope).find(f"{{{DS_NS}}}Signature")
    assert found is not None
    return found


def body(envelope: etree._Element) -> etree._Element:
    found = envelope.find(f"{{{SOAP}}}Body")
    assert found is not None
    return found


def reserialise(element: etree._Element) -> etree._Element:
    from egov_kit.xml import parse_xml

    return parse_xml(etree.tostring(element))


def sign_custom(
    envelope: etree._Element,
    key: PrivateKey,
    certificate: x509.Certificate,
    targets: list[etree._Element],
) -> etree._Element:
    """A crypto-valid transport signature with one Reference per target (by its wsu:Id), built with
    xmlsec directly: the structure rules, not the cryptography, must reject the odd ones."""
    header = envelope.find(q(SOAP, "Header"))
    assert header is not None
    sec = etree.SubElement(header, q(WSSE_NS, "Security"), nsmap={"wsse": WSSE_NS})
    sig = xmlsec.template.create(
        envelope, xmlsec.constants.TransformExclC14N, xmlsec.constants.TransformRsaSha256, ns="ds"
    )
    sec.append(sig)
    for target in targets:
        ref = xmlsec.template.add_reference(
            sig, xmlsec.constants.TransformSha256, uri="#" + str(target.get(q(WSU_NS, "Id")))
        )
        xmlsec.template.add_transform(ref, xmlsec.constants.TransformExclC14N)
    key_info = xmlsec.template.ensure_key_info(sig)
    str_node = etree.SubElement(key_info, q(WSSE_NS, "SecurityTokenReference"))
    etree.SubElement(
        str_node, q(WSSE_NS, "KeyIdentifier"), ValueType=X509V3_VALUE_TYPE
    ).text = base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()
    ctx = xmlsec.SignatureContext()
    for target in targets:
        ctx.register_id(target, "Id", WSU_NS)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    ctx.key = xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatPem)
    ctx.sign(sig)
    return envelope
