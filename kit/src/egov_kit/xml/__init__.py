"""XML handling: the one hardened parser for outside input, and the lxml/xmlsec libxml2 guard."""

from egov_kit.xml.compat import ensure_same_libxml2
from egov_kit.xml.parser import (
    DEFAULT_MAX_BYTES,
    ForbiddenDtd,
    MalformedXml,
    XmlError,
    XmlTooLarge,
    parse_xml,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "ForbiddenDtd",
    "MalformedXml",
    "XmlError",
    "XmlTooLarge",
    "ensure_same_libxml2",
    "parse_xml",
]
