"""Named errors of РПН (every one has a stable code and a bilingual message)."""

from __future__ import annotations

from egov_kit.errors import KitError


class PhcError(KitError):
    code = "PHC_ERROR"


class AlreadyAttached(PhcError):
    code = "ALREADY_ATTACHED"


class UnknownOrganisation(PhcError):
    code = "UNKNOWN_ORGANISATION"


class UnknownService(PhcError):
    code = "UNKNOWN_SERVICE"


class UnknownSection(PhcError):
    code = "UNKNOWN_SECTION"


class InvalidCredentials(PhcError):
    code = "INVALID_CREDENTIALS"


class AccountLocked(PhcError):
    code = "ACCOUNT_LOCKED"


class NotAuthenticated(PhcError):
    code = "NOT_AUTHENTICATED"


class CsrfRejected(PhcError):
    code = "CSRF_REJECTED"


class ScanTooLarge(PhcError):
    code = "SCAN_TOO_LARGE"


class ScanTypeNotAllowed(PhcError):
    code = "SCAN_TYPE_NOT_ALLOWED"


class ScanUnknown(PhcError):
    code = "SCAN_UNKNOWN"


class LookupRequired(PhcError):
    code = "LOOKUP_REQUIRED"


class ApplicationNotFound(PhcError):
    code = "APPLICATION_NOT_FOUND"


class ApplicationMismatch(PhcError):
    """The signed application is not the one the workstation prepared (another organisation, …)."""

    code = "APPLICATION_MISMATCH"


class NotReady(PhcError):
    """A dependency (bus, keys) is not ready yet; retried by the consumer, 503 over HTTP."""

    code = "SERVICE_NOT_READY"
