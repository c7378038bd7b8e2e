"""Named errors of the gateway's domain.

Every error is a :class:`~egov_kit.errors.KitError` with a stable ``code``; the pipeline turns it into
``ErrorInfo.errorCode`` of the SOAP fault it returns and into ``error_code`` of the journal entry.
"""

from __future__ import annotations

from egov_kit.errors import KitError


class GatewayError(KitError):
    """Base of the gateway's domain errors."""

    code = "SHEP_ERROR"


# --- registry: who is calling and may it call this service -----------------------------------


class SenderUnknown(GatewayError):
    """``senderId`` is not an information system registered in ШЭП."""

    code = "SENDER_UNKNOWN"


class SenderAuthFailed(GatewayError):
    """The sender's password does not match the registry."""

    code = "SENDER_AUTH_FAILED"


class SenderCertMismatch(GatewayError):
    """The signing certificate is not the one bound to ``senderId`` (CN or BIN differ)."""

    code = "SENDER_CERT_MISMATCH"


class ServiceUnknown(GatewayError):
    """``serviceId`` is not a service registered in ШЭП."""

    code = "SERVICE_UNKNOWN"


class AccessDenied(GatewayError):
    """The access list does not allow this sender to call (or answer on) this service."""

    code = "ACCESS_DENIED"


class MessageDateOutOfWindow(GatewayError):
    """``messageDate`` is too old, or further in the future than the allowed clock skew."""

    code = "MESSAGE_DATE_OUT_OF_WINDOW"


class RegistryInvalid(GatewayError):
    """The registry data file cannot be read or breaks a rule (the message lists every problem)."""

    code = "REGISTRY_INVALID"


# --- message state ----------------------------------------------------------------------------


class DuplicateMessageId(GatewayError):
    """A message with this ``messageId`` has already been accepted (on either channel)."""

    code = "DUPLICATE_MESSAGE_ID"


class MessageNotFound(GatewayError):
    """No message with this ``messageId`` is known to the asynchronous channel."""

    code = "MESSAGE_NOT_FOUND"


class MessageStateConflict(GatewayError):
    """The requested state change is not allowed from the message's current state."""

    code = "MESSAGE_STATE_CONFLICT"


# --- journal ----------------------------------------------------------------------------------


class JournalEntryInvalid(GatewayError):
    """A journal entry was built with a missing or unknown field value."""

    code = "JOURNAL_ENTRY_INVALID"


class JournalWriteFailed(GatewayError):
    """The journal could not append an entry (the chain head kept moving, or the database failed)."""

    code = "JOURNAL_WRITE_FAILED"
