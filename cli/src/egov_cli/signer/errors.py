"""Named errors of the local signer, each with a message for the citizen in Russian and Kazakh.

An error reaches the page as NCALayer reports failures: ``{"code": "500", "message": "…"}``. The
message is ``"<ru> / <kk>"``: a page may show it as is. The stable machine ``code`` of the error
(``KitError.code``) stays on our side (logs, tests); the real NCALayer has no such field.
"""

from __future__ import annotations

from egov_kit.errors import KitError


class SignerError(KitError):
    """A failure the signer reports to the page; ``message`` is ``"<ru> / <kk>"``."""

    code = "SIGNER_ERROR"

    def __init__(self, ru: str, kk: str, *, code: str | None = None, data: str | None = None) -> None:
        super().__init__(f"{ru} / {kk}", code=code, data=data)
        self.ru = ru
        self.kk = kk


class BadRequest(SignerError):
    """The JSON request is not one NCALayer understands (not JSON, no module or method, bad args)."""

    code = "BAD_REQUEST"


class UnsupportedMethod(SignerError):
    """A module or method of NCALayer that the sandbox's signer does not implement."""

    code = "UNSUPPORTED_METHOD"


class UnsupportedStorage(SignerError):
    """A storage other than PKCS12 (hardware tokens are not emulated)."""

    code = "UNSUPPORTED_STORAGE"


class InvalidDocument(SignerError):
    """The XML to sign is malformed, carries a DTD, is too large or is already signed."""

    code = "INVALID_DOCUMENT"


class NoSigningKey(SignerError):
    """No key to sign with: the key folder is empty, or the key named by ``--default`` is missing."""

    code = "NO_SIGNING_KEY"


class SigningFailed(SignerError):
    """Our own machinery failed while signing (the details go to the log, not to the page)."""

    code = "SIGNING_FAILED"
    exposed = False


def bad_request(ru: str, kk: str) -> BadRequest:
    return BadRequest(
        f"Некорректный запрос к NCALayer: {ru}",
        f"NCALayer-ге жіберілген сұрау дұрыс емес: {kk}",
    )


def unsupported_method(module: str, method: str) -> UnsupportedMethod:
    name = f"{module}.{method}" if module else method
    return UnsupportedMethod(
        f"Метод {name} не поддерживается локальным сервисом подписи",
        f"{name} әдісіне жергілікті қол қою қызметі қолдау көрсетпейді",
    )


def unsupported_storage(storage: str) -> UnsupportedStorage:
    return UnsupportedStorage(
        f"Хранилище ключей {storage!r} не поддерживается; доступно: PKCS12",
        f"{storage!r} кілттер қоймасына қолдау көрсетілмейді; қолжетімдісі: PKCS12",
    )


def malformed_xml() -> InvalidDocument:
    return InvalidDocument(
        "Документ для подписи не является корректным XML",
        "Қол қоюға берілген құжат дұрыс XML емес",
        code="MALFORMED_XML",
    )


def forbidden_dtd() -> InvalidDocument:
    return InvalidDocument(
        "Документ для подписи содержит запрещённые конструкции (DTD, сущности)",
        "Қол қоюға берілген құжатта тыйым салынған құрылымдар бар (DTD, ENTITY)",
        code="FORBIDDEN_DTD",
    )


def xml_too_large() -> InvalidDocument:
    return InvalidDocument(
        "Документ для подписи слишком большой",
        "Қол қоюға берілген құжат тым үлкен",
        code="XML_TOO_LARGE",
    )


def already_signed() -> InvalidDocument:
    return InvalidDocument(
        "Документ уже подписан; подписывается только неподписанный документ",
        "Құжатқа қол қойылған; тек қол қойылмаған құжатқа қол қоюға болады",
        code="ALREADY_SIGNED",
    )


def no_keys(directory: str) -> NoSigningKey:
    return NoSigningKey(
        f"Нет ключа для подписи: в папке {directory} нет ни одного ключа ЭЦП",
        f"Қол қоюға кілт жоқ: {directory} қалтасында бірде-бір ЭЦҚ кілті жоқ",
    )


def default_key_missing(name: str, directory: str) -> NoSigningKey:
    return NoSigningKey(
        f"Ключ по умолчанию {name!r} не найден в папке {directory}",
        f"{directory} қалтасынан {name!r} әдепкі кілті табылмады",
        code="DEFAULT_KEY_MISSING",
    )


def signing_failed() -> SigningFailed:
    return SigningFailed(
        "Внутренняя ошибка при подписании документа",
        "Құжатқа қол қою кезінде ішкі қате болды",
    )
