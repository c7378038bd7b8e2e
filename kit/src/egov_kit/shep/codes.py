"""The gateway's result codes: one documented table, the named errors that carry them.

Every answer of the gateway carries one of these codes: ``SCSS001`` in ``StatusInfo.code`` of a
successful synchronous reply, any other in ``ErrorInfo.errorCode`` of a SOAP fault. The table is the
single source: ``contracts/shep/ERROR_CODES.md`` is generated from it by :func:`codes_markdown`
(:func:`write_codes_markdown`) and a test keeps the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from egov_kit.clock import now
from egov_kit.errors import KitError

if TYPE_CHECKING:
    from egov_kit.shep.models import ErrorInfo


class Category(StrEnum):
    """Who has to act: the sender fixes ``client`` errors, ``server`` errors are ours or a provider's."""

    SUCCESS = "success"
    CLIENT = "client"
    SERVER = "server"


class ShepCode(StrEnum):
    """Stable result codes of the gateway (the values go on the wire)."""

    SCSS001 = "SCSS001"
    MALFORMED_XML = "MALFORMED_XML"
    XML_TOO_LARGE = "XML_TOO_LARGE"
    FORBIDDEN_DTD = "FORBIDDEN_DTD"
    NOT_SOAP = "NOT_SOAP"
    UNKNOWN_OPERATION = "UNKNOWN_OPERATION"
    SCHEMA_VIOLATION = "SCHEMA_VIOLATION"
    SIGNATURE_MISSING = "SIGNATURE_MISSING"
    SIGNATURE_INVALID = "SIGNATURE_INVALID"
    SIGNATURE_WRAPPING = "SIGNATURE_WRAPPING"
    UNSUPPORTED_SIGNATURE_ALGORITHM = "UNSUPPORTED_SIGNATURE_ALGORITHM"
    CERT_EXPIRED = "CERT_EXPIRED"
    CERT_NOT_YET_VALID = "CERT_NOT_YET_VALID"
    CERT_REVOKED = "CERT_REVOKED"
    CERT_UNTRUSTED = "CERT_UNTRUSTED"
    CERT_STATUS_UNKNOWN = "CERT_STATUS_UNKNOWN"
    SENDER_UNKNOWN = "SENDER_UNKNOWN"
    SENDER_AUTH_FAILED = "SENDER_AUTH_FAILED"
    SENDER_CERT_MISMATCH = "SENDER_CERT_MISMATCH"
    ACCESS_DENIED = "ACCESS_DENIED"
    SERVICE_UNKNOWN = "SERVICE_UNKNOWN"
    DUPLICATE_MESSAGE_ID = "DUPLICATE_MESSAGE_ID"
    MESSAGE_DATE_OUT_OF_WINDOW = "MESSAGE_DATE_OUT_OF_WINDOW"
    PROVIDER_TIMEOUT = "PROVIDER_TIMEOUT"
    PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE"
    PROVIDER_REPLY_INVALID = "PROVIDER_REPLY_INVALID"
    MESSAGE_NOT_FOUND = "MESSAGE_NOT_FOUND"
    INTERNAL_ERROR = "INTERNAL_ERROR"


SUCCESS_CODE = ShepCode.SCSS001


@dataclass(frozen=True)
class ResultCode:
    """One row of the table: the code, who must act, and a one-line description in three languages."""

    code: ShepCode
    category: Category
    en: str
    ru: str
    kk: str

    @property
    def soap_fault_code(self) -> str:
        """The SOAP 1.1 faultcode local name for this code: ``Client`` or ``Server``."""
        return "Client" if self.category is Category.CLIENT else "Server"


_C = Category.CLIENT
_S = Category.SERVER

_ROWS: tuple[ResultCode, ...] = (
    ResultCode(
        ShepCode.SCSS001,
        Category.SUCCESS,
        "The message was accepted and processed successfully.",
        "Сообщение принято и успешно обработано.",
        "Хабарлама қабылданып, сәтті өңделді.",
    ),
    ResultCode(
        ShepCode.MALFORMED_XML,
        _C,
        "The message is not well-formed XML.",
        "Сообщение не является корректно сформированным XML.",
        "Хабарлама дұрыс құрылған XML емес.",
    ),
    ResultCode(
        ShepCode.XML_TOO_LARGE,
        _C,
        "The message exceeds the maximum allowed size.",
        "Размер сообщения превышает допустимый предел.",
        "Хабарлама өлшемі рұқсат етілген шектен асып кетті.",
    ),
    ResultCode(
        ShepCode.FORBIDDEN_DTD,
        _C,
        "Document type declarations and entities are not allowed.",
        "Объявления DTD и сущностей запрещены.",
        "DTD және entity жариялауларына тыйым салынған.",
    ),
    ResultCode(
        ShepCode.NOT_SOAP,
        _C,
        "The message is not a SOAP 1.1 envelope.",
        "Сообщение не является конвертом SOAP 1.1.",
        "Хабарлама SOAP 1.1 конверті емес.",
    ),
    ResultCode(
        ShepCode.UNKNOWN_OPERATION,
        _C,
        "The SOAP Body must hold exactly one known ShEP operation.",
        "Тело SOAP должно содержать ровно одну известную операцию ШЭП.",
        "SOAP Body ішінде ШЭП-тің бір ғана белгілі операциясы болуы тиіс.",
    ),
    ResultCode(
        ShepCode.SCHEMA_VIOLATION,
        _C,
        "The message does not conform to the ShEP XML schema.",
        "Сообщение не соответствует XML-схеме ШЭП.",
        "Хабарлама ШЭП XML-схемасына сәйкес келмейді.",
    ),
    ResultCode(
        ShepCode.SIGNATURE_MISSING,
        _C,
        "The message carries no WS-Security signature.",
        "Сообщение не содержит подписи WS-Security.",
        "Хабарламада WS-Security қолтаңбасы жоқ.",
    ),
    ResultCode(
        ShepCode.SIGNATURE_INVALID,
        _C,
        "The signature does not verify.",
        "Подпись не прошла проверку.",
        "Қолтаңба тексеруден өтпеді.",
    ),
    ResultCode(
        ShepCode.SIGNATURE_WRAPPING,
        _C,
        "The signature does not cover the SOAP Body being processed (XML Signature Wrapping).",
        "Подпись не охватывает обрабатываемое тело SOAP (атака XML Signature Wrapping).",
        "Қолтаңба өңделетін SOAP Body бөлігін қамтымайды (XML Signature Wrapping шабуылы).",
    ),
    ResultCode(
        ShepCode.UNSUPPORTED_SIGNATURE_ALGORITHM,
        _C,
        "The signature or digest algorithm is not supported (for example GOST).",
        "Алгоритм подписи или хеширования не поддерживается (например, ГОСТ).",
        "Қолтаңба немесе хэштеу алгоритміне қолдау көрсетілмейді (мысалы, ГОСТ).",
    ),
    ResultCode(
        ShepCode.CERT_EXPIRED,
        _C,
        "The signer's certificate has expired.",
        "Срок действия сертификата подписанта истёк.",
        "Қол қоюшы сертификатының қолданылу мерзімі өтіп кеткен.",
    ),
    ResultCode(
        ShepCode.CERT_NOT_YET_VALID,
        _C,
        "The signer's certificate is not valid yet.",
        "Сертификат подписанта ещё не вступил в действие.",
        "Қол қоюшы сертификаты әлі күшіне енбеген.",
    ),
    ResultCode(
        ShepCode.CERT_REVOKED,
        _C,
        "The signer's certificate has been revoked.",
        "Сертификат подписанта отозван.",
        "Қол қоюшы сертификаты кері қайтарылған.",
    ),
    ResultCode(
        ShepCode.CERT_UNTRUSTED,
        _C,
        "The signer's certificate was not issued by a trusted CA (NUC RK).",
        "Сертификат подписанта выдан не доверенным УЦ (НУЦ РК).",
        "Қол қоюшы сертификатын сенімді куәландырушы орталық (ҚР ҰКО) бермеген.",
    ),
    ResultCode(
        ShepCode.CERT_STATUS_UNKNOWN,
        _S,
        "The certificate's revocation status could not be checked (OCSP/CRL unavailable).",
        "Не удалось проверить статус отзыва сертификата (OCSP/CRL недоступны).",
        "Сертификаттың кері қайтарылу мәртебесін тексеру мүмкін болмады (OCSP/CRL қолжетімсіз).",
    ),
    ResultCode(
        ShepCode.SENDER_UNKNOWN,
        _C,
        "The sender system is not registered with ShEP.",
        "Система-отправитель не зарегистрирована в ШЭП.",
        "Жіберуші жүйе ШЭП-те тіркелмеген.",
    ),
    ResultCode(
        ShepCode.SENDER_AUTH_FAILED,
        _C,
        "The sender's id or password is wrong.",
        "Неверный идентификатор или пароль отправителя.",
        "Жіберушінің идентификаторы немесе құпиясөзі қате.",
    ),
    ResultCode(
        ShepCode.SENDER_CERT_MISMATCH,
        _C,
        "The signing certificate does not belong to the declared sender.",
        "Сертификат подписи не принадлежит указанному отправителю.",
        "Қолтаңба сертификаты көрсетілген жіберушіге тиесілі емес.",
    ),
    ResultCode(
        ShepCode.ACCESS_DENIED,
        _C,
        "The sender is not allowed to call this service.",
        "Отправителю не разрешён доступ к этому сервису.",
        "Жіберушіге бұл сервиске жүгінуге рұқсат берілмеген.",
    ),
    ResultCode(
        ShepCode.SERVICE_UNKNOWN,
        _C,
        "The serviceId is not in the ShEP service registry.",
        "Идентификатор сервиса отсутствует в реестре сервисов ШЭП.",
        "Сервис идентификаторы ШЭП сервистерінің тізілімінде жоқ.",
    ),
    ResultCode(
        ShepCode.DUPLICATE_MESSAGE_ID,
        _C,
        "A message with this messageId was already received from this sender.",
        "Сообщение с таким messageId от этого отправителя уже получено.",
        "Осы жіберушіден мұндай messageId бар хабарлама бұрын алынған.",
    ),
    ResultCode(
        ShepCode.MESSAGE_DATE_OUT_OF_WINDOW,
        _C,
        "The messageDate is too far from the gateway's time.",
        "Значение messageDate слишком далеко от времени шлюза.",
        "messageDate мәні шлюз уақытынан тым алшақ.",
    ),
    ResultCode(
        ShepCode.PROVIDER_TIMEOUT,
        _S,
        "The provider system did not answer in time.",
        "Система поставщика услуги не ответила вовремя.",
        "Қызмет берушінің жүйесі белгіленген уақытта жауап бермеді.",
    ),
    ResultCode(
        ShepCode.PROVIDER_UNAVAILABLE,
        _S,
        "The provider system is unreachable.",
        "Система поставщика услуги недоступна.",
        "Қызмет берушінің жүйесі қолжетімсіз.",
    ),
    ResultCode(
        ShepCode.PROVIDER_REPLY_INVALID,
        _S,
        "The provider's reply is malformed, unsigned or failed verification.",
        "Ответ поставщика услуги некорректен, не подписан или не прошёл проверку.",
        "Қызмет берушінің жауабы қате, қол қойылмаған немесе тексеруден өтпеген.",
    ),
    ResultCode(
        ShepCode.MESSAGE_NOT_FOUND,
        _C,
        "The gateway knows no message with this id.",
        "Сообщение с таким идентификатором на шлюзе не найдено.",
        "Мұндай идентификаторы бар хабарлама шлюзде табылмады.",
    ),
    ResultCode(
        ShepCode.INTERNAL_ERROR,
        _S,
        "Internal gateway error; retry later or contact support.",
        "Внутренняя ошибка шлюза; повторите позже или обратитесь в поддержку.",
        "Шлюздің ішкі қатесі; кейінірек қайталаңыз немесе қолдау қызметіне хабарласыңыз.",
    ),
)

RESULT_CODES: dict[str, ResultCode] = {row.code.value: row for row in _ROWS}


def result_code(code: str) -> ResultCode:
    """The table row of ``code``; unknown codes raise ``KeyError``."""
    return RESULT_CODES[str(code)]


def is_known_code(code: str) -> bool:
    return str(code) in RESULT_CODES


class ShepError(KitError):
    """A rejection that goes on the wire: its ``code`` must be one of the table's codes."""

    code: str = ShepCode.INTERNAL_ERROR.value

    def __init__(self, message: str, *, code: str | None = None, data: str | None = None) -> None:
        resolved = str(code) if code is not None else str(type(self).code)
        if resolved not in RESULT_CODES:
            raise ValueError(f"{resolved!r} is not a documented ШЭП result code (see egov_kit.shep.codes)")
        super().__init__(message, code=resolved, data=data)

    @property
    def category(self) -> Category:
        return RESULT_CODES[self.code].category


class NotSoap(ShepError):
    code = ShepCode.NOT_SOAP.value


class UnknownOperation(ShepError):
    code = ShepCode.UNKNOWN_OPERATION.value


class SchemaViolation(ShepError):
    code = ShepCode.SCHEMA_VIOLATION.value


def error_info(exc: BaseException, session_id: str | None = None) -> ErrorInfo:
    """The ``ErrorInfo`` that tells the sender about ``exc``.

    A named error (:class:`KitError`) keeps its code, message and data: those are written for
    integrators (unless ``exposed`` is False) — the gateway's codes of the table, and a provider's
    own business codes (for instance ``INVALID_IIN_BIN``), which the gateway passes on unchanged.
    Anything else, and ``INTERNAL_ERROR`` itself, becomes ``INTERNAL_ERROR`` with the table's
    generic message and no data, so no internals (paths, stack, SQL) leak.
    """
    from egov_kit.shep.models import ErrorInfo

    if (
        isinstance(exc, KitError)
        and exc.exposed
        and exc.code not in (KitError.code, ShepCode.SCSS001, ShepCode.INTERNAL_ERROR)
    ):
        code = str(exc.code)
        row = RESULT_CODES.get(code)
        return ErrorInfo(
            error_code=code,
            error_message=exc.message or (row.en if row else code),
            error_data=exc.data,
            error_date=now(),
            session_id=session_id,
        )
    internal = RESULT_CODES[ShepCode.INTERNAL_ERROR]
    return ErrorInfo(
        error_code=internal.code.value,
        error_message=internal.en,
        error_date=now(),
        session_id=session_id,
    )


def codes_markdown() -> str:
    """The table as Markdown: the exact text of ``contracts/shep/ERROR_CODES.md``."""
    lines = [
        "# ШЭП gateway result codes",
        "",
        "Generated from `egov_kit.shep.codes` by `codes_markdown()`; do not edit by hand. Regenerate with",
        "`uv run python -c 'from egov_kit.shep.codes import write_codes_markdown; write_codes_markdown()'`",
        "(a test checks that this file and the table match).",
        "",
        "`SCSS001` is the `StatusInfo.code` of a successful synchronous reply. Every other code is the",
        "`errorCode` of the `ErrorInfo` in a SOAP fault: `client` codes are sent with faultcode",
        "`soap:Client` (the sender must change the message), `server` codes with `soap:Server` (retry",
        "later or contact support).",
        "",
        "| code | category | English | Русский | Қазақша |",
        "|---|---|---|---|---|",
    ]
    for row in _ROWS:
        lines.append(f"| `{row.code.value}` | {row.category.value} | {row.en} | {row.ru} | {row.kk} |")
    return "\n".join(lines) + "\n"


def write_codes_markdown(path: Path | None = None) -> Path:
    """Write :func:`codes_markdown` to ``contracts/shep/ERROR_CODES.md`` of the checkout (or ``path``)."""
    if path is None:
        from egov_kit.shep.schemas import repo_root

        root = repo_root()
        if root is None:
            raise FileNotFoundError("no checkout found around egov_kit; pass the path explicitly")
        path = root / "contracts" / "shep" / "ERROR_CODES.md"
    path.write_text(codes_markdown(), encoding="utf-8")
    return path
