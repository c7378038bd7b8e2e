"""Named errors of business documents (a document that breaks its XSD raises ``SCHEMA_VIOLATION``)."""

from __future__ import annotations

from egov_kit.errors import KitError


class DocumentError(KitError):
    """A business document that cannot be read or believed."""

    code = "DOCUMENT_INVALID"


class IinMismatch(DocumentError):
    """The ИИН in the signer's certificate is not the ИИН the document is about (seed 000 §10 condition 2)."""

    code = "IIN_MISMATCH"


class SignerNotAuthorised(DocumentError):
    """The signer may not sign this document (another organisation, no right of signature)."""

    code = "SIGNER_NOT_AUTHORISED"
