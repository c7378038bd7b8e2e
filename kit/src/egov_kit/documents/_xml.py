"""Small helpers shared by the document modules: writing and reading children of one namespace."""

from __future__ import annotations

from datetime import date, datetime

from lxml import etree

from egov_kit.dsig.constants import DS_NS
from egov_kit.shep.codes import SchemaViolation
from egov_kit.shep.models import format_xs_datetime, parse_xs_datetime
from egov_kit.xml.contracts import Contract


def add(parent: etree._Element, contract: Contract, tag: str, value: str | None) -> etree._Element | None:
    """Append ``<tag>value</tag>`` when ``value`` is not None."""
    if value is None:
        return None
    child = etree.SubElement(parent, contract.tag(tag))
    child.text = value
    return child


def node(parent: etree._Element, contract: Contract, tag: str) -> etree._Element:
    return etree.SubElement(parent, contract.tag(tag))


def root(contract: Contract, tag: str) -> etree._Element:
    return etree.Element(contract.tag(tag), nsmap={None: contract.namespace})  # type: ignore[dict-item]


def xs_datetime(moment: datetime) -> str:
    return format_xs_datetime(moment)


def child(parent: etree._Element, contract: Contract, tag: str) -> etree._Element | None:
    return parent.find(contract.tag(tag))


def required_child(parent: etree._Element, contract: Contract, tag: str) -> etree._Element:
    found = parent.find(contract.tag(tag))
    if found is None:  # the XSD already guarantees it; kept for the type checker
        raise SchemaViolation(f"{contract.relative}: missing <{tag}>")
    return found


def text(parent: etree._Element, contract: Contract, tag: str) -> str | None:
    found = parent.find(contract.tag(tag))
    if found is None:
        return None
    return found.text or ""


def required_text(parent: etree._Element, contract: Contract, tag: str) -> str:
    value = text(parent, contract, tag)
    if value is None:
        raise SchemaViolation(f"{contract.relative}: missing <{tag}>")
    return value


def read_datetime(value: str) -> datetime:
    try:
        return parse_xs_datetime(value)
    except ValueError as exc:
        raise SchemaViolation(str(exc)) from exc


def read_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError as exc:
        raise SchemaViolation(f"{value!r} is not an xs:date") from exc


def check(element: etree._Element, contract: Contract, tag: str, what_ru: str, what_kk: str) -> None:
    """Validate a copy of ``element`` as ``tag`` of ``contract``; a bilingual SCHEMA_VIOLATION otherwise."""
    contract.check(element, tag, what_ru, what_kk)


def is_signed(element: etree._Element) -> bool:
    """True when the last element child is a ds:Signature (where an enveloped signature sits)."""
    children = [item for item in element if isinstance(item.tag, str)]
    return bool(children) and children[-1].tag == f"{{{DS_NS}}}Signature"
