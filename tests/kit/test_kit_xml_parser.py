"""The hardened XML parser (`egov_kit.xml.parse_xml`) and the lxml/xmlsec libxml2 guard."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import xmlsec
from egov_kit.errors import KitError
from egov_kit.xml import (
    DEFAULT_MAX_BYTES,
    ForbiddenDtd,
    MalformedXml,
    XmlError,
    XmlTooLarge,
    ensure_same_libxml2,
    parse_xml,
)
from egov_kit.xml.compat import Libxml2Mismatch
from lxml import etree

PASSWD = Path("/etc/passwd")


def _everything_said(exc: BaseException) -> str:
    """The text of an exception, its causes and any libxml2 error log they carry."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append(str(current))
        parts.append(repr(current))
        parts.extend(str(entry) for entry in getattr(current, "error_log", ()) or ())
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


def _passwd_lines() -> list[str]:
    if not PASSWD.exists():
        pytest.skip("no /etc/passwd to leak on this machine")
    lines = [line.strip() for line in PASSWD.read_text(errors="replace").splitlines()]
    return [line for line in lines if len(line) > 4]


# --- well-formed documents -------------------------------------------------------------------------


def test_well_formed_document_returns_the_root_element() -> None:
    root = parse_xml(b'<r xmlns="urn:x"><a id="1">text</a><b/></r>')
    assert isinstance(root, etree._Element)
    assert root.tag == "{urn:x}r"
    assert [child.tag for child in root] == ["{urn:x}a", "{urn:x}b"]
    assert root[0].text == "text"
    assert root[0].get("id") == "1"


def test_str_input_is_encoded_as_utf8() -> None:
    root = parse_xml("<r>Қазақстан Ж</r>")
    assert root.text == "Қазақстан Ж"


def test_str_input_with_utf8_declaration_parses() -> None:
    root = parse_xml('<?xml version="1.0" encoding="UTF-8"?><r>ИИН</r>')
    assert root.text == "ИИН"


def test_utf8_bom_document_parses() -> None:
    data = b"\xef\xbb\xbf" + '<?xml version="1.0" encoding="UTF-8"?><r>Ж</r>'.encode()
    root = parse_xml(data)
    assert root.tag == "r"
    assert root.text == "Ж"


def test_comments_and_processing_instructions_are_kept() -> None:
    root = parse_xml(b"<!--before--><r><!--inside--><?app data?><a/></r>")
    kinds = [type(node) for node in root]
    assert kinds[:2] == [etree._Comment, etree._ProcessingInstruction]
    assert root[0].text == "inside"
    assert root[1].target == "app"
    assert root[1].text == "data"
    assert root[2].tag == "a"
    previous = root.getprevious()
    assert isinstance(previous, etree._Comment)
    assert previous.text == "before"


def test_moderate_nesting_parses() -> None:
    depth = 200
    root = parse_xml(b"<a>" * depth + b"</a>" * depth)
    assert sum(1 for _ in root.iter()) == depth


# --- malformed and empty input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"<r><a></r>",
        b"<r>",
        b"not xml at all",
        b"<r/><r/>",
        b"<r a='1' a='2'/>",
        b"<r>&undeclared;</r>",
        "<r>\u0001</r>",
    ],
)
def test_malformed_input_raises_malformed_xml(data: bytes | str) -> None:
    with pytest.raises(MalformedXml) as caught:
        parse_xml(data)
    assert caught.value.code == "MALFORMED_XML"
    assert isinstance(caught.value, XmlError)
    assert isinstance(caught.value, KitError)
    assert str(caught.value).startswith("MALFORMED_XML: ")


@pytest.mark.parametrize("data", [b"", "", b"   ", b" \n\t\r\n", "  \n  "])
def test_empty_or_whitespace_input_raises_malformed_xml(data: bytes | str) -> None:
    with pytest.raises(MalformedXml) as caught:
        parse_xml(data)
    assert caught.value.code == "MALFORMED_XML"


# --- size limit --------------------------------------------------------------------------------------


def test_document_at_the_limit_parses_and_one_byte_more_is_too_large() -> None:
    data = b"<r>" + b"x" * 93 + b"</r>"
    assert len(data) == 100
    assert parse_xml(data, max_bytes=100).text == "x" * 93
    with pytest.raises(XmlTooLarge) as caught:
        parse_xml(data + b" ", max_bytes=100)
    assert caught.value.code == "XML_TOO_LARGE"
    assert "101" in caught.value.message
    assert "100" in caught.value.message


def test_size_is_checked_before_parsing() -> None:
    # Garbage and forbidden DTDs over the limit are reported as too large: nothing was parsed.
    with pytest.raises(XmlTooLarge):
        parse_xml(b"<r><unclosed>" + b"x" * 200, max_bytes=100)
    with pytest.raises(XmlTooLarge):
        parse_xml(b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', max_bytes=10)


def test_size_limit_of_str_input_counts_utf8_bytes_not_characters() -> None:
    text = "<r>" + "Ж" * 50 + "</r>"  # 57 characters, 107 bytes
    assert len(text) < 100 < len(text.encode())
    with pytest.raises(XmlTooLarge):
        parse_xml(text, max_bytes=100)
    assert parse_xml(text, max_bytes=107).text == "Ж" * 50


def test_default_limit_is_five_mebibytes() -> None:
    assert DEFAULT_MAX_BYTES == 5 * 1024 * 1024
    over = b"<r>" + b"x" * (DEFAULT_MAX_BYTES - 6) + b"</r>"
    assert len(over) == DEFAULT_MAX_BYTES + 1
    with pytest.raises(XmlTooLarge):
        parse_xml(over)


# --- DTDs and entities -------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""

FORBIDDEN = {
    "bare doctype": b"<!DOCTYPE r><r/>",
    "internal subset": b'<?xml version="1.0"?><!DOCTYPE r [<!ELEMENT r ANY>]><r/>',
    "internal entity": b'<!DOCTYPE r [<!ENTITY name "value">]><r>&name;</r>',
    "unused internal entity": b'<!DOCTYPE r [<!ENTITY name "value">]><r/>',
    "external system id (network)": b'<!DOCTYPE r SYSTEM "http://127.0.0.1:9/r.dtd"><r/>',
    "external system id (file)": b'<!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>',
    "external public id": b'<!DOCTYPE r PUBLIC "-//EGOV//X//EN" "file:///etc/passwd"><r/>',
    "billion laughs": BILLION_LAUGHS,
    "xxe in content": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
    "xxe in attribute": b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r a="&x;"/>',
    "xxe over network": b'<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]><r>&x;</r>',
    "external parameter entity": b'<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><r/>',
    "internal parameter entity": b"<!DOCTYPE r [<!ENTITY % p \"<!ENTITY q 'v'>\"> %p;]><r>&q;</r>",
    "entity declared outside a doctype": b'<!ENTITY x "y"><r/>',
}


@pytest.mark.parametrize("data", list(FORBIDDEN.values()), ids=list(FORBIDDEN))
def test_any_dtd_is_forbidden_and_nothing_leaks(data: bytes) -> None:
    secrets = _passwd_lines()
    with pytest.raises(ForbiddenDtd) as caught:
        parse_xml(data)
    assert caught.value.code == "FORBIDDEN_DTD"
    assert isinstance(caught.value, XmlError)
    said = _everything_said(caught.value)
    leaked = [line for line in secrets if line in said]
    assert leaked == []


@pytest.mark.parametrize("data", list(FORBIDDEN.values()), ids=list(FORBIDDEN))
def test_dtd_is_forbidden_when_given_as_str(data: bytes) -> None:
    with pytest.raises(ForbiddenDtd):
        parse_xml(data.decode())


def test_entity_content_from_a_local_file_is_never_substituted(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("MARKER-4815162342")
    data = f'<!DOCTYPE r [<!ENTITY x SYSTEM "{secret.as_uri()}">]><r>&x;</r>'.encode()
    with pytest.raises(ForbiddenDtd) as caught:
        parse_xml(data)
    assert "MARKER-4815162342" not in _everything_said(caught.value)


def test_dtd_in_utf16_document_is_forbidden_dtd() -> None:
    text = (
        '<?xml version="1.0" encoding="UTF-16"?>'
        '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r a="&x;"/>'
    )
    with pytest.raises(ForbiddenDtd):
        parse_xml(text.encode("utf-16"))


def test_dtd_in_utf16_document_is_refused_with_a_named_error() -> None:
    # Whatever its code, a UTF-16 DTD never gets through and never leaks the file.
    secrets = _passwd_lines()
    text = (
        '<?xml version="1.0" encoding="UTF-16"?>'
        '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    )
    with pytest.raises(XmlError) as caught:
        parse_xml(text.encode("utf-16"))
    assert [line for line in secrets if line in _everything_said(caught.value)] == []


class _FifoWatch:
    """A FIFO that tells whether anyone opened it (for reading) while a parse ran.

    A writer thread blocks in open() until a reader appears. If the parser opens the FIFO, the writer
    wakes while the parse is still running (the parser waits for the writer to close) and records it;
    otherwise :meth:`finish` opens the FIFO itself after the parse, which the writer sees as "after".
    """

    def __init__(self, path: Path) -> None:
        os.mkfifo(path)
        self.path = path
        self._parse_done = threading.Event()
        self.opened_during_parse: bool | None = None
        self._thread = threading.Thread(target=self._writer, daemon=True)
        self._thread.start()

    def _writer(self) -> None:
        fd = os.open(self.path, os.O_WRONLY)
        self.opened_during_parse = not self._parse_done.is_set()
        os.close(fd)  # the reader (if it was the parser) sees an empty file

    def finish(self) -> bool | None:
        self._parse_done.set()
        fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            self._thread.join(timeout=30)
        finally:
            os.close(fd)
        return self.opened_during_parse


@pytest.mark.parametrize(
    "template",
    [
        pytest.param('<!DOCTYPE r SYSTEM "{uri}"><r/>', id="system id"),
        pytest.param('<!DOCTYPE r PUBLIC "-//EGOV//X//EN" "{uri}"><r/>', id="public id"),
        pytest.param(
            '<!DOCTYPE r [<!ENTITY % p SYSTEM "{uri}"> %p;]><r/>',
            id="parameter entity",
        ),
        pytest.param('<!DOCTYPE r [<!ENTITY x SYSTEM "{uri}">]><r>&x;</r>', id="general entity"),
    ],
)
def test_a_dtd_never_makes_the_parser_open_a_file(tmp_path: Path, template: str) -> None:
    watch = _FifoWatch(tmp_path / "probe")
    try:
        with pytest.raises(ForbiddenDtd):
            parse_xml(template.format(uri=watch.path.as_uri()).encode())
    finally:
        opened = watch.finish()
    assert opened is False


# --- huge trees ------------------------------------------------------------------------------------


def test_very_deep_nesting_is_refused_with_a_named_error() -> None:
    # Without huge_tree, libxml2 stops at its depth limit (256 in 2.14) with a syntax error.
    depth = 300_000
    data = b"<a>" * depth + b"</a>" * depth
    assert len(data) < DEFAULT_MAX_BYTES
    with pytest.raises(MalformedXml) as caught:
        parse_xml(data)
    assert caught.value.code == "MALFORMED_XML"
    assert "depth" in caught.value.message.lower()


def test_huge_text_node_is_refused_without_huge_tree() -> None:
    # libxml2 refuses text nodes over 10 MB unless XML_PARSE_HUGE is set.
    data = b"<r>" + b"a" * (11 * 1024 * 1024) + b"</r>"
    with pytest.raises(MalformedXml):
        parse_xml(data, max_bytes=len(data))


# --- libxml2 guard -----------------------------------------------------------------------------------


def test_lxml_and_xmlsec_share_libxml2_here() -> None:
    ensure_same_libxml2()
    assert tuple(etree.LIBXML_VERSION) == tuple(xmlsec.get_libxml_version())


def test_libxml2_mismatch_is_a_clear_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xmlsec, "get_libxml_version", lambda: (1, 2, 3))
    with pytest.raises(Libxml2Mismatch) as caught:
        ensure_same_libxml2()
    assert isinstance(caught.value, ImportError)
    message = str(caught.value)
    assert str(tuple(etree.LIBXML_VERSION)) in message
    assert "(1, 2, 3)" in message
    assert "uv sync" in message


def test_libxml2_mismatch_only_on_a_real_difference(monkeypatch: pytest.MonkeyPatch) -> None:
    same = tuple(etree.LIBXML_VERSION)
    monkeypatch.setattr(xmlsec, "get_libxml_version", lambda: list(same))
    ensure_same_libxml2()
