"""Named errors of the PKI layer.

Every certificate check that fails raises a subclass of :class:`CertificateError` whose ``code`` is
stable (integrators see it in ``ErrorInfo.errorCode``). Errors that are not about one certificate
(trust store, enrolment, key store, subject specification) are plain :class:`KitError` subclasses.
"""

from __future__ import annotations

from egov_kit.errors import KitError


class CertificateError(KitError):
    """A certificate failed a check; subclasses name which one."""

    code = "CERT_INVALID"


class CertificateUntrusted(CertificateError):
    """No chain to a trusted root with valid signatures and CA flags."""

    code = "CERT_UNTRUSTED"


class CertificateExpired(CertificateError):
    code = "CERT_EXPIRED"


class CertificateNotYetValid(CertificateError):
    code = "CERT_NOT_YET_VALID"


class CertificateRevoked(CertificateError):
    code = "CERT_REVOKED"


class CertificateStatusUnknown(CertificateError):
    """Neither OCSP nor a usable CRL could tell whether the certificate is revoked."""

    code = "CERT_STATUS_UNKNOWN"


class CertificateProfileError(CertificateError):
    """The subject does not follow the НУЦ РК profile (no ``SERIALNUMBER=IIN…`` nor ``OU=BIN…``)."""

    code = "CERT_PROFILE_INVALID"


class InvalidSubject(KitError):
    """A request to issue a certificate names an incomplete or inconsistent subject."""

    code = "CERT_SUBJECT_INVALID"


class KeyStoreError(KitError):
    """A key store (PEM files or PKCS#12) is missing, unreadable or inconsistent."""

    code = "PKI_KEYSTORE_INVALID"
    exposed = False


class TrustStoreUnavailable(KitError):
    """The trusted CA certificates are neither cached nor downloadable from nuc-mock."""

    code = "PKI_TRUST_UNAVAILABLE"
    exposed = False


class EnrolmentFailed(KitError):
    """nuc-mock did not issue the information system's certificate."""

    code = "PKI_ENROLMENT_FAILED"
    exposed = False
