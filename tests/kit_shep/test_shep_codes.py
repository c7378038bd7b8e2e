"""The result code table, its generated Markdown, and turning exceptions into ErrorInfo."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from egov_kit.clock import now
from egov_kit.errors import KitError
from egov_kit.shep import (
    RESULT_CODES,
    Category,
    NotSoap,
    SchemaViolation,
    ShepCode,
    ShepError,
    UnknownOperation,
    codes_markdown,
    error_info,
    result_code,
)
from egov_kit.shep.schemas import repo_root
from egov_kit.xml import ForbiddenDtd, MalformedXml, XmlTooLarge

DOCUMENTED = [
    "SCSS001", "MALFORMED_XML", "XML_TOO_LARGE", "FORBIDDEN_DTD", "NOT_SOAP", "UNKNOWN_OPERATION",
    "SCHEMA_VIOLATION", "SIGNATURE_MISSING", "SIGNATURE_INVALID", "SIGNATURE_WRAPPING",
    "UNSUPPORTED_SIGNATURE_ALGORITHM", "CERT_EXPIRED", "CERT_NOT_YET_VALID", "CERT_REVOKED", "CERT_UNTRUSTED",
    "CERT_STATUS_UNKNOWN", "SENDER_UNKNOWN", "SENDER_AUTH_FAILED", "SENDER_CERT_MISMATCH", "ACCESS_DENIED",
    "SERVICE_UNKNOWN", "DUPLICATE_MESSAGE_ID", "MESSAGE_DATE_OUT_OF_WINDOW", "PROVIDER_TIMEOUT",
    "PROVIDER_UNAVAILABLE", "PROVIDER_REPLY_INVALID", "MESSAGE_NOT_FOUND", "INTERNAL_ERROR",
]  # fmt: skip

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
KAZAKH_ONLY = re.compile(r"[ӘәҒғҚқҢңӨөҰұҮүҺһІі]")


def test_the_table_has_exactly_the_documented_codes() -> None:
    assert [code.value for code in ShepCode] == DOCUMENTED
    assert list(RESULT_CODES) == DOCUMENTED


@pytest.mark.parametrize("code", DOCUMENTED)
def test_every_code_is_described_in_three_languages(code: str) -> None:
    row = result_code(code)
    assert row.code == code
    assert row.en and row.ru and row.kk
    assert not CYRILLIC.search(row.en)
    assert CYRILLIC.search(row.ru)
    assert row.kk != row.ru and CYRILLIC.search(row.kk)
    assert "|" not in row.en + row.ru + row.kk  # would break the Markdown table


def test_kazakh_descriptions_are_kazakh() -> None:
    assert all(KAZAKH_ONLY.search(row.kk) for row in RESULT_CODES.values())


@pytest.mark.parametrize(
    ("code", "category"),
    [
        ("SCSS001", Category.SUCCESS),
        ("SCHEMA_VIOLATION", Category.CLIENT),
        ("CERT_REVOKED", Category.CLIENT),
        ("ACCESS_DENIED", Category.CLIENT),
        ("PROVIDER_TIMEOUT", Category.SERVER),
        ("PROVIDER_UNAVAILABLE", Category.SERVER),
        ("CERT_STATUS_UNKNOWN", Category.SERVER),
        ("INTERNAL_ERROR", Category.SERVER),
    ],
)
def test_categories(code: str, category: Category) -> None:
    assert result_code(code).category is category
    assert result_code(code).soap_fault_code == ("Client" if category is Category.CLIENT else "Server")


def test_error_codes_markdown_is_generated_from_the_table() -> None:
    root = repo_root()
    assert root is not None
    path = root / "contracts" / "shep" / "ERROR_CODES.md"
    assert path.read_text(encoding="utf-8") == codes_markdown(), (
        "contracts/shep/ERROR_CODES.md is stale; regenerate it with "
        "egov_kit.shep.codes.write_codes_markdown()"
    )
    for code in DOCUMENTED:
        assert f"| `{code}` |" in codes_markdown()


# --- named errors -------------------------------------------------------------------------------------


def test_shep_error_accepts_only_documented_codes() -> None:
    error = ShepError("no such sender", code=ShepCode.SENDER_UNKNOWN)
    assert error.code == "SENDER_UNKNOWN" and type(error.code) is str
    assert error.category is Category.CLIENT
    assert isinstance(error, KitError)
    with pytest.raises(ValueError, match="not a documented"):
        ShepError("x", code="SOMETHING_NEW")


def test_named_subclasses_carry_their_codes() -> None:
    assert NotSoap("x").code == "NOT_SOAP"
    assert UnknownOperation("x").code == "UNKNOWN_OPERATION"
    assert SchemaViolation("x").code == "SCHEMA_VIOLATION"
    assert ShepError("x").code == "INTERNAL_ERROR"


# --- error_info ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (
            ShepError(
                "sender portal may not call RPN_Attachment", code="ACCESS_DENIED", data="RPN_Attachment"
            ),
            "ACCESS_DENIED",
        ),
        (KitError("certificate revoked on 2024-05-01", code="CERT_REVOKED"), "CERT_REVOKED"),
        (MalformedXml("not well-formed XML: line 1"), "MALFORMED_XML"),
        (ForbiddenDtd("document type declarations and entities are not allowed"), "FORBIDDEN_DTD"),
        (XmlTooLarge("too big"), "XML_TOO_LARGE"),
        (SchemaViolation("SendMessage/request: requestInfo/serviceId: Field required"), "SCHEMA_VIOLATION"),
    ],
)
def test_documented_errors_keep_code_message_and_data(exc: KitError, code: str) -> None:
    info = error_info(exc, session_id="{0f8fad5b-d9cb-469f-a165-70867728950e}")
    assert info.error_code == code
    assert info.error_message == exc.message
    assert info.error_data == exc.data
    assert info.session_id == "{0f8fad5b-d9cb-469f-a165-70867728950e}"
    assert abs(info.error_date - now()) < timedelta(seconds=5)
    assert info.error_date.utcoffset() is not None


class _InternalError(KitError):
    exposed = False


def test_a_providers_own_named_error_passes_through() -> None:
    info = error_info(KitError("ИИН 123 некорректен", code="INVALID_IIN_BIN", data="<response/>"))
    assert (info.error_code, info.error_message, info.error_data) == (
        "INVALID_IIN_BIN",
        "ИИН 123 некорректен",
        "<response/>",
    )


@pytest.mark.parametrize(
    "exc",
    [
        RuntimeError("psycopg: password authentication failed for user egov at /srv/db"),
        KeyError("secret-key-id"),
        _InternalError(
            "pki: /var/pki/ca/key.pem unreadable", code="PKI_STORE_BROKEN", data="/var/pki/ca/key.pem"
        ),
        KitError("base kit error with secret detail"),
        ShepError("internal: pool exhausted at gateway.py:88", code="INTERNAL_ERROR", data="traceback"),
        KitError("not an error", code="SCSS001"),
    ],
    ids=["runtime", "keyerror", "internal-kit-error", "base-kit", "internal", "success-code"],
)
def test_everything_else_is_an_internal_error_without_internals(exc: BaseException) -> None:
    info = error_info(exc)
    assert info.error_code == "INTERNAL_ERROR"
    assert info.error_message == RESULT_CODES["INTERNAL_ERROR"].en
    assert info.error_data is None and info.sub_error is None
    dumped = info.model_dump_json()
    for secret in ("password", "secret", "/var/pki", "gateway.py", "traceback", "not an error"):
        assert secret not in dumped
