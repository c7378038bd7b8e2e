"""Named signature errors (their ``code`` is what integrators see in ``ErrorInfo.errorCode``)."""

from __future__ import annotations

from egov_kit.errors import KitError


class SignatureError(KitError):
    """Base of every XML-DSig failure."""

    code = "SIGNATURE_ERROR"


class SignatureMissing(SignatureError):
    """No ``wsse:Security`` header, or no ``ds:Signature`` where one is required."""

    code = "SIGNATURE_MISSING"


class SignatureInvalid(SignatureError):
    """Digest or signature mismatch, malformed signature, unreadable or mismatched certificate."""

    code = "SIGNATURE_INVALID"


class SignatureWrapping(SignatureError):
    """The signature does not unambiguously cover the envelope's one ``soap:Body`` (XSW attempt)."""

    code = "SIGNATURE_WRAPPING"


class UnsupportedSignatureAlgorithm(SignatureError):
    """An algorithm outside the allowed list (GOST 34.310/34.311, SHA-1, HMAC, XPath, XSLT, …)."""

    code = "UNSUPPORTED_SIGNATURE_ALGORITHM"
