"""The one hardened XML parser for everything that comes from outside.

No DTD (rejected outright, not just ignored), no entity expansion, no network access, no huge
trees, and a size limit checked before parsing. Every failure is a named :class:`XmlError`.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from egov_kit.errors import KitError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024


class XmlError(KitError):
    code = "XML_ERROR"


class MalformedXml(XmlError):
    code = "MALFORMED_XML"


class ForbiddenDtd(XmlError):
    code = "FORBIDDEN_DTD"


class XmlTooLarge(XmlError):
    code = "XML_TOO_LARGE"


class _RefuseEverything(etree.Resolver):
    """Never load anything an outside document names (DTDs, entities): answer with nothing."""

    def resolve(self, system_url: str | None, public_id: str | None, context: object) -> object:  # type: ignore[override]  # lxml-stubs omit `context`
        return self.resolve_string("", context, base_url=None)


def _new_parser() -> etree.XMLParser:
    # Note: collect_ids must stay at its default. collect_ids=False sets XML_SKIP_IDS in libxml2's
    # "loadsubset" option, which libxml2 reads as "load the external DTD" and then opens local files.
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        dtd_validation=False,
        load_dtd=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=False,
    )
    parser.resolvers.add(_RefuseEverything())
    return parser


_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")


def _mentions_dtd(raw: bytes) -> bool:
    """Whether a document that failed to parse declared a DTD or entities, in UTF-8, -16 or -32."""
    candidates = [raw]
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:64]:
        for encoding in ("utf-16", "utf-32"):
            try:
                candidates.append(raw.decode(encoding).encode("utf-8"))
            except UnicodeDecodeError:
                continue
    return any(marker in candidate for candidate in candidates for marker in _DTD_MARKERS)


def parse_xml(data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse untrusted XML bytes into an element, or raise a named :class:`XmlError`."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise XmlTooLarge(f"document of {len(raw)} bytes exceeds the limit of {max_bytes} bytes")
    if not raw.strip():
        raise MalformedXml("empty document")
    try:
        tree = etree.fromstring(raw, parser=_new_parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        # libxml2 refuses undeclared entities before we can look at the DTD; report the cause.
        if _mentions_dtd(raw):
            raise ForbiddenDtd("document type declarations and entities are not allowed") from exc
        raise MalformedXml(f"not well-formed XML: {exc}") from exc
    docinfo: Any = tree.docinfo  # lxml-stubs lack DocInfo.doctype
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise ForbiddenDtd("document type declarations and entities are not allowed")
    root = tree.getroot()
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise ForbiddenDtd("entity references are not allowed")
    return root
