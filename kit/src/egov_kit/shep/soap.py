"""SOAP 1.1 envelopes of ШЭП: body models to XML and back.

Outgoing::

    <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsu="…utility-1.0.xsd">
      <soap:Header/>
      <soap:Body wsu:Id="id-<uuid>">
        <sync:SendMessage xmlns:sync="http://bip.bee.kz/SyncChannel/v10/Types">
          <request><requestInfo>…</requestInfo><requestData><data>…</data></requestData></request>
        </sync:SendMessage>
      </soap:Body>
    </soap:Envelope>

The Body carries ``wsu:Id`` because the WS-Security signature (``egov_kit.dsig``) references it. The
operation element is namespace-qualified; everything under it is unqualified, as the reference
schemas (no ``elementFormDefault``) and the real examples have it.

Incoming: :func:`parse_envelope` reads bytes with the hardened parser and gives the envelope's parts
and the typed model; everything that is not a SOAP 1.1 envelope with exactly one known operation
raises :class:`NotSoap` / :class:`UnknownOperation`, and structurally wrong content
:class:`SchemaViolation` (full XSD validation is :func:`egov_kit.shep.schemas.validate_body`).
"""

from __future__ import annotations

import copy
import functools
import types
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Literal, Union, cast, get_args, get_origin

from lxml import etree
from pydantic import ValidationError

from egov_kit.clock import now
from egov_kit.shep.codes import (
    RESULT_CODES,
    Category,
    NotSoap,
    SchemaViolation,
    UnknownOperation,
)
from egov_kit.shep.models import (
    BODY_TYPES,
    CHANNEL_NAMESPACES,
    FAULT_OPERATIONS,
    Channel,
    ErrorInfo,
    MessageData,
    ShepBody,
    ShepMessageBody,
    ShepModel,
    fault_element_name,
    format_xs_datetime,
)
from egov_kit.xml import DEFAULT_MAX_BYTES, parse_xml

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XS_NS = "http://www.w3.org/2001/XMLSchema"

SOAP_PREFIX = "soap"
CHANNEL_PREFIXES: dict[Channel, str] = {"sync": "sync", "async": "async"}

_ENVELOPE = f"{{{SOAP_NS}}}Envelope"
_HEADER = f"{{{SOAP_NS}}}Header"
_BODY = f"{{{SOAP_NS}}}Body"
_FAULT = f"{{{SOAP_NS}}}Fault"
_WSU_ID = f"{{{WSU_NS}}}Id"
_XSI_NIL = f"{{{XSI_NS}}}nil"
_XSI_TYPE = f"{{{XSI_NS}}}type"

_BODY_BY_TAG: dict[str, type[ShepMessageBody]] = {
    f"{{{cls.xml_namespace}}}{cls.xml_operation}": cls for cls in BODY_TYPES
}
_FAULT_BY_TAG: dict[str, tuple[Channel, str]] = {
    f"{{{CHANNEL_NAMESPACES[channel]}}}{fault_element_name(channel, operation)}": (channel, operation)
    for channel, operations in FAULT_OPERATIONS.items()
    for operation in operations
}


@dataclass(frozen=True)
class SoapFault:
    """A received ``soap:Fault``: ``code`` is the faultcode's local name (``Client``/``Server``)."""

    code: str
    string: str
    actor: str | None
    detail: etree._Element | None
    fault_element: str | None  # local name of the ШЭП fault element in detail, if there is one


@dataclass(frozen=True)
class ParsedEnvelope:
    """An inbound envelope taken apart.

    ``payload`` is the first (only) element child of ``body`` — the operation element, or
    ``soap:Fault`` for a fault, then ``operation`` is ``"Fault"`` and ``model`` the ``ErrorInfo``.
    ``channel`` is None only for a fault without a ШЭП ``ErrorInfo`` detail.
    """

    envelope: etree._Element
    header: etree._Element | None
    body: etree._Element
    payload: etree._Element
    operation: str
    model: ShepBody | ErrorInfo
    channel: Channel | None
    body_id: str | None
    fault: SoapFault | None = None

    @property
    def is_fault(self) -> bool:
        return self.fault is not None


def new_body_id() -> str:
    return f"id-{uuid.uuid4()}"


# --- field specs (the mapping is driven by the models' fields, in declaration = sequence order) ------


@dataclass(frozen=True)
class _FieldSpec:
    name: str
    tag: str
    is_list: bool
    optional: bool
    inner: Any


def _strip_annotated(tp: Any) -> Any:
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp


def _describe_type(tp: Any) -> tuple[bool, bool, Any]:
    tp = _strip_annotated(tp)
    optional = False
    if get_origin(tp) in (Union, types.UnionType):
        args = get_args(tp)
        rest = [arg for arg in args if arg is not type(None)]
        optional = len(rest) != len(args)
        if len(rest) != 1:
            raise TypeError(f"unsupported union {tp!r} in a ШЭП model")
        tp = _strip_annotated(rest[0])
    if get_origin(tp) is list:
        return True, optional, _strip_annotated(get_args(tp)[0])
    return False, optional, tp


@functools.cache
def _specs(model: type[ShepModel]) -> tuple[_FieldSpec, ...]:
    specs = []
    for name, info in model.model_fields.items():
        is_list, optional, inner = _describe_type(info.annotation)
        specs.append(_FieldSpec(name, info.alias or name, is_list, optional, inner))
    return tuple(specs)


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, ShepModel)


# --- building -----------------------------------------------------------------------------------------


def _lexical(value: object) -> str:
    if isinstance(value, datetime):
        return format_xs_datetime(value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _set_text(element: etree._Element, text: str, path: str) -> None:
    try:
        element.text = text
    except ValueError as exc:  # control characters and the like
        raise SchemaViolation(f"{path}: value cannot be written as XML text: {exc}") from None


def _write_data(container: etree._Element, data: MessageData, path: str) -> None:
    if data.text is not None:
        element = etree.SubElement(container, "data", nsmap={"xs": XS_NS, "xsi": XSI_NS})
        element.set(_XSI_TYPE, "xs:string")
        _set_text(element, data.text, f"{path}/data")
        return
    element = etree.SubElement(container, "data")
    if data.element is not None:
        # A copy, never the original: the model stays reusable and the received tree untouched.
        # The element's own namespace declarations travel with it; the ancestors we add declare
        # only the soap/wsu/channel prefixes.
        business = copy.deepcopy(data.element)
        business.tail = None
        element.append(business)


def _write_model(parent: etree._Element, model: ShepModel, path: str) -> None:
    for spec in _specs(type(model)):
        value = getattr(model, spec.name)
        child_path = f"{path}/{spec.tag}"
        if spec.inner is MessageData:
            container = etree.SubElement(parent, spec.tag)
            if value is not None:
                _write_data(container, value, child_path)
            continue
        if value is None:
            continue
        for item in value if spec.is_list else (value,):
            child = etree.SubElement(parent, spec.tag)
            if isinstance(item, ShepModel):
                _write_model(child, item, child_path)
            else:
                _set_text(child, _lexical(item), child_path)


def body_element(model: ShepBody) -> etree._Element:
    """The operation element of ``model`` (standalone, not yet in an envelope)."""
    cls = type(model)
    operation = etree.Element(
        etree.QName(cls.xml_namespace, cls.xml_operation),
        nsmap={CHANNEL_PREFIXES[cls.xml_channel]: cls.xml_namespace},
    )
    wrapper = etree.SubElement(operation, cls.xml_wrapper)
    _write_model(wrapper, model, f"{cls.xml_operation}/{cls.xml_wrapper}")
    return operation


def fault_element(error: ErrorInfo, channel: Channel, operation: str) -> etree._Element:
    """The ШЭП fault element (``SendMessageFault1_SendMessageFault`` …) holding ``error``."""
    name = fault_element_name(channel, operation)
    namespace = CHANNEL_NAMESPACES[channel]
    element = etree.Element(etree.QName(namespace, name), nsmap={CHANNEL_PREFIXES[channel]: namespace})
    _write_model(element, error, name)
    return element


def _skeleton(body_id: str | None) -> tuple[etree._Element, etree._Element]:
    envelope = etree.Element(_ENVELOPE, nsmap={SOAP_PREFIX: SOAP_NS, "wsu": WSU_NS})
    etree.SubElement(envelope, _HEADER)
    body = etree.SubElement(envelope, _BODY)
    body.set(_WSU_ID, body_id or new_body_id())
    return envelope, body


def build_envelope(body: ShepBody, *, body_id: str | None = None) -> etree._Element:
    """A SOAP 1.1 envelope with an empty Header and ``body`` in a Body carrying ``wsu:Id``."""
    envelope, soap_body = _skeleton(body_id)
    soap_body.append(body_element(body))
    return envelope


def fault_envelope(
    error: ErrorInfo,
    channel: Channel,
    operation: str,
    *,
    fault_code: Literal["Client", "Server"] | None = None,
    body_id: str | None = None,
) -> etree._Element:
    """A SOAP 1.1 fault as JAX-WS writes it: faultcode, faultstring and the ErrorInfo in detail.

    ``operation`` is the failed operation (``SendMessage``, ``sendMessage``, ``getMessages``, …).
    The faultcode is ``soap:Client`` for codes the sender must fix, ``soap:Server`` otherwise,
    unless ``fault_code`` says.
    """
    detail_element = fault_element(error, channel, operation)
    if fault_code is None:
        row = RESULT_CODES.get(error.error_code)
        fault_code = "Client" if row is not None and row.category is Category.CLIENT else "Server"
    envelope, soap_body = _skeleton(body_id)
    fault = etree.SubElement(soap_body, _FAULT)
    etree.SubElement(fault, "faultcode").text = f"{SOAP_PREFIX}:{fault_code}"
    _set_text(etree.SubElement(fault, "faultstring"), error.error_message, "Fault/faultstring")
    etree.SubElement(fault, "detail").append(detail_element)
    return envelope


def envelope_bytes(envelope: etree._Element) -> bytes:
    """The envelope as UTF-8 bytes with an XML declaration (no pretty printing: it may be signed)."""
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


# --- reading ------------------------------------------------------------------------------------------


def _name(element: etree._Element) -> str:
    qname = etree.QName(element)
    return qname.localname if qname.namespace is None else f"{{{qname.namespace}}}{qname.localname}"


def _elements(parent: etree._Element) -> list[etree._Element]:
    return [child for child in parent if isinstance(child.tag, str)]


def _loose_text(parent: etree._Element) -> str:
    """Text directly inside ``parent`` (its own text and its children's tails)."""
    parts = [parent.text or ""]
    parts.extend(child.tail or "" for child in parent)
    return "".join(parts)


def _all_text(element: etree._Element) -> str:
    return "".join(str(part) for part in element.itertext())


def _no_text(parent: etree._Element, path: str) -> None:
    if _loose_text(parent).strip():
        raise SchemaViolation(f"{path}: text is not allowed here, only elements")


def _is_nil(element: etree._Element) -> bool:
    return (element.get(_XSI_NIL) or "").strip() in ("true", "1")


def _read_data(data: etree._Element, path: str) -> MessageData:
    children = _elements(data)
    if children:
        if len(children) > 1:
            raise SchemaViolation(
                f"{path}: holds {len(children)} elements; a ШЭП message carries one business document"
            )
        if _loose_text(data).strip():
            raise SchemaViolation(f"{path}: mixes text and an element; send one or the other")
        return MessageData(element=children[0])
    return MessageData(text=_loose_text(data))


def _read_data_container(container: etree._Element, spec: _FieldSpec, path: str) -> MessageData | None:
    _no_text(container, path)
    children = _elements(container)
    if not children:
        if spec.optional:
            return None
        raise SchemaViolation(f"{path}: missing element data")
    if len(children) > 1 or children[0].tag != "data":
        found = ", ".join(_name(child) for child in children)
        raise SchemaViolation(f"{path}: expected one unqualified <data> element, found {found}")
    return _read_data(children[0], f"{path}/data")


def _read_leaf(element: etree._Element, spec: _FieldSpec, path: str) -> str:
    if _elements(element):
        raise SchemaViolation(f"{path}: must hold a value, not elements")
    text = _all_text(element)
    return text if spec.inner is str else text.strip()


def _read_model(model: type[ShepModel], element: etree._Element, path: str) -> dict[str, Any]:
    """The element's children as a dict keyed by XML name, checked against the sequence."""
    _no_text(element, path)
    specs = _specs(model)
    values: dict[str, Any] = {}
    position = 0
    for child in _elements(element):
        qname = etree.QName(child)
        local = qname.localname
        if qname.namespace is not None:
            raise SchemaViolation(
                f"{path}: element {_name(child)} must be unqualified (<{local}> without a namespace)"
            )
        index = next((i for i in range(position, len(specs)) if specs[i].tag == local), None)
        if index is None:
            if any(spec.tag == local for spec in specs):
                raise SchemaViolation(f"{path}/{local}: repeated or out of sequence order")
            expected = ", ".join(spec.tag for spec in specs[position:]) or "nothing more"
            raise SchemaViolation(f"{path}: unexpected element {local} (expected {expected})")
        spec = specs[index]
        child_path = f"{path}/{local}"
        value: Any
        if spec.inner is MessageData:
            value = _read_data_container(child, spec, child_path)
        elif _is_model(spec.inner):
            value = _read_model(spec.inner, child, child_path)
        else:
            value = _read_leaf(child, spec, child_path)
        if spec.is_list:
            values.setdefault(spec.tag, []).append(value)
            position = index
        else:
            values[spec.tag] = value
            position = index + 1
    for spec in specs:
        # The container of the business data is required even where the data itself is optional.
        if spec.inner is MessageData and spec.tag not in values:
            raise SchemaViolation(f"{path}: missing element {spec.tag}")
    return values


def _describe_errors(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False):
        segments: list[str] = []
        for item in error["loc"]:
            if isinstance(item, int) and segments:
                segments[-1] += f"[{item + 1}]"
            else:
                segments.append(str(item))
        where = "/".join(segments)
        message = str(error["msg"])
        value = error.get("input")
        if error["type"] != "missing" and isinstance(value, str) and len(value) <= 60:
            message += f" (got {value!r})"
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def _validated(model: type[ShepModel], values: dict[str, Any], path: str) -> ShepModel:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise SchemaViolation(f"{path}: {_describe_errors(exc)}") from None


def _read_error(element: etree._Element, path: str) -> ErrorInfo:
    if _is_nil(element):
        raise SchemaViolation(f"{path} is nil; it must hold an ErrorInfo")
    return cast(ErrorInfo, _validated(ErrorInfo, _read_model(ErrorInfo, element, path), path))


def body_model(payload: etree._Element) -> ShepBody | ErrorInfo:
    """The typed model of an operation element (or ``ErrorInfo`` for a ШЭП fault element)."""
    if not isinstance(payload.tag, str):
        raise UnknownOperation("expected an operation element")
    qname = etree.QName(payload)
    body_type = _BODY_BY_TAG.get(payload.tag)
    if body_type is None:
        if payload.tag in _FAULT_BY_TAG:
            return _read_error(payload, qname.localname)
        raise UnknownOperation(_unknown_operation_message(qname))
    operation = body_type.xml_operation
    if _is_nil(payload):
        raise SchemaViolation(f"{operation} is nil")
    _no_text(payload, operation)
    children = _elements(payload)
    if len(children) != 1 or children[0].tag != body_type.xml_wrapper:
        found = ", ".join(_name(child) for child in children) or "nothing"
        raise SchemaViolation(
            f"{operation}: expected exactly one unqualified <{body_type.xml_wrapper}> element, found {found}"
        )
    wrapper = children[0]
    path = f"{operation}/{body_type.xml_wrapper}"
    if _is_nil(wrapper):
        raise SchemaViolation(f"{path} is nil; the operation needs its content")
    return cast(ShepBody, _validated(body_type, _read_model(body_type, wrapper, path), path))


def _unknown_operation_message(qname: etree.QName) -> str:
    namespaces = {cls.xml_operation: cls.xml_namespace for cls in BODY_TYPES}
    expected_namespace = namespaces.get(qname.localname)
    if expected_namespace is not None:
        return (
            f"operation {qname.localname} must be in namespace {expected_namespace}, "
            f"not {qname.namespace or 'no namespace'}"
        )
    return f"unknown ШЭП operation {{{qname.namespace or ''}}}{qname.localname}"


def _fault_code(element: etree._Element | None) -> str:
    if element is None or not (element.text or "").strip():
        return "Server"
    text = (element.text or "").strip()
    prefix, _, local = text.rpartition(":")
    namespace = element.nsmap.get(prefix or None)
    if namespace in (SOAP_NS, None) and local:
        return local
    return text


def _read_fault(fault: etree._Element) -> tuple[SoapFault, ErrorInfo, Channel | None]:
    parts = {child.tag: child for child in _elements(fault) if isinstance(child.tag, str)}
    detail = parts.get("detail")
    code = _fault_code(parts.get("faultcode"))
    string = _all_text(parts["faultstring"]) if "faultstring" in parts else ""
    actor_element = parts.get("faultactor")
    actor = _all_text(actor_element) if actor_element is not None else None
    entries = _elements(detail) if detail is not None else []
    known = [entry for entry in entries if entry.tag in _FAULT_BY_TAG]
    if known:
        entry = known[0]
        channel, _ = _FAULT_BY_TAG[entry.tag]
        local = etree.QName(entry).localname
        error = _read_error(entry, f"Fault/detail/{local}")
        return SoapFault(code, string, actor, detail, local), error, channel
    # Not from a ШЭП peer (no ErrorInfo): keep what SOAP says, so the caller can still report it.
    error = ErrorInfo(error_code=code, error_message=string or "SOAP fault without details", error_date=now())
    return SoapFault(code, string, actor, detail, None), error, None


def parse_envelope(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedEnvelope:
    """Parse an inbound SOAP 1.1 message (hardened parser) into its parts and its model.

    Raises the parser's named errors (``MALFORMED_XML``, ``FORBIDDEN_DTD``, ``XML_TOO_LARGE``),
    :class:`NotSoap`, :class:`UnknownOperation` and :class:`SchemaViolation`.
    """
    root = parse_xml(data, max_bytes=max_bytes)
    if root.tag != _ENVELOPE:
        if root.tag == f"{{{SOAP12_NS}}}Envelope":
            raise NotSoap("SOAP 1.2 is not supported: ШЭП speaks SOAP 1.1 (" + SOAP_NS + ")")
        raise NotSoap(f"the document is {_name(root)}, not a SOAP 1.1 soap:Envelope")
    if _loose_text(root).strip():
        raise NotSoap("soap:Envelope must not hold text")
    header: etree._Element | None = None
    body: etree._Element | None = None
    for index, child in enumerate(_elements(root)):
        if child.tag == _HEADER and index == 0:
            header = child
        elif child.tag == _BODY and body is None:
            body = child
        else:
            where = "after soap:Body" if body is not None else "in soap:Envelope"
            raise NotSoap(f"unexpected element {_name(child)} {where}")
    if body is None:
        raise NotSoap("soap:Envelope has no soap:Body")
    if _loose_text(body).strip():
        raise UnknownOperation("soap:Body holds text; expected one ШЭП operation element")
    payloads = _elements(body)
    if not payloads:
        raise UnknownOperation("soap:Body is empty; expected one ШЭП operation element")
    if len(payloads) > 1:
        names = ", ".join(_name(p) for p in payloads)
        raise UnknownOperation(f"soap:Body holds {len(payloads)} elements ({names}); expected exactly one")
    payload = payloads[0]
    body_id = body.get(_WSU_ID)
    if payload.tag == _FAULT:
        fault, error, fault_channel = _read_fault(payload)
        return ParsedEnvelope(root, header, body, payload, "Fault", error, fault_channel, body_id, fault)
    model = body_model(payload)
    local = etree.QName(payload).localname
    channel: Channel = (
        model.xml_channel if isinstance(model, ShepMessageBody) else _FAULT_BY_TAG[payload.tag][0]
    )
    return ParsedEnvelope(root, header, body, payload, local, model, channel, body_id)
