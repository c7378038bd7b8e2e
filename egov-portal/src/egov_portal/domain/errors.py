"""Named errors of the portal: each carries a stable code and its message in Russian and Kazakh.

The JSON API renders them as ``{"error": code, "message_ru": …, "message_kk": …}`` with
``http_status``; the web pages show the message in the user's language.
"""

from __future__ import annotations

from egov_kit.errors import BilingualError


class PortalError(BilingualError):
    code = "PORTAL_ERROR"
    http_status = 400

    def __init__(self, message_ru: str, message_kk: str, *, code: str | None = None) -> None:
        super().__init__(message_ru, message_kk)
        if code is not None:
            self.code = code

    def as_json(self) -> dict[str, str]:
        return {"error": self.code, "message_ru": self.message_ru, "message_kk": self.message_kk}


# --- registration ---------------------------------------------------------------------------------
class InvalidIin(PortalError):
    code = "INVALID_IIN"


class InvalidPassword(PortalError):
    code = "INVALID_PASSWORD"


class InvalidPhone(PortalError):
    code = "INVALID_PHONE"


class AlreadyRegistered(PortalError):
    code = "ALREADY_REGISTERED"
    http_status = 409


class PersonNotFound(PortalError):
    """The ИИН is valid but ГБД ФЛ has no such person."""

    code = "PERSON_NOT_FOUND"
    http_status = 422


class PersonDeceased(PortalError):
    code = "PERSON_DECEASED"
    http_status = 422


# --- authorisation (process 2) --------------------------------------------------------------------
class AuthorisationRefused(PortalError):
    """Process 2: the portal refuses authorisation; ``code`` names why."""

    code = "AUTHORISATION_REFUSED"
    http_status = 401


class UnknownIin(AuthorisationRefused):
    code = "UNKNOWN_IIN"


class WrongPassword(AuthorisationRefused):
    code = "WRONG_PASSWORD"


class AccountLocked(AuthorisationRefused):
    code = "ACCOUNT_LOCKED"


class NotAuthenticated(PortalError):
    code = "NOT_AUTHENTICATED"
    http_status = 401


class CsrfRejected(PortalError):
    code = "CSRF_REJECTED"
    http_status = 403


# --- forms and applications -----------------------------------------------------------------------
class FormInvalid(PortalError):
    """Process 3: the form breaks its structure or format rules; nothing is stored."""

    code = "FORM_INVALID"
    http_status = 422

    def __init__(self, message_ru: str, message_kk: str, *, code: str | None = None, field: str = "") -> None:
        super().__init__(message_ru, message_kk, code=code)
        self.field = field

    def as_json(self) -> dict[str, str]:
        body = super().as_json()
        if self.field:
            body["field"] = self.field
        return body


class NotAttached(FormInvalid):
    """The recipient is attached to no PHC organisation: no doctor to book (H2), no card to ask for (H3)."""

    code = "NOT_ATTACHED"


class FormTooLarge(FormInvalid):
    code = "FORM_TOO_LARGE"
    http_status = 413


class ServiceUnknown(PortalError):
    code = "SERVICE_UNKNOWN"
    http_status = 404


class ServiceNotAvailable(PortalError):
    code = "SERVICE_NOT_AVAILABLE"
    http_status = 404


class ApplicationNotFound(PortalError):
    code = "APPLICATION_NOT_FOUND"
    http_status = 404


class ApplicationReplayed(PortalError):
    """The applicationId was already submitted (a replay or a double click)."""

    code = "APPLICATION_REPLAYED"
    http_status = 409


class SignedDocumentRejected(PortalError):
    """The posted signed document cannot even be read (not XML, too large): nothing is recorded."""

    code = "SIGNED_DOCUMENT_UNREADABLE"


class ExternalUnavailable(PortalError):
    """A system behind ШЭП (ГБД ФЛ, РПН) or the gateway itself did not answer usefully."""

    code = "EXTERNAL_UNAVAILABLE"
    http_status = 503


class NotReady(PortalError):
    code = "NOT_READY"
    http_status = 503
