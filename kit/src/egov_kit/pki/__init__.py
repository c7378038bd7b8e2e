"""PKI of the landscape: the НУЦ РК certificate profile, key stores, certificate validation.

* :mod:`~egov_kit.pki.profile` — subject layout (ИИН/БИН), role OIDs, :class:`CertificateIdentity`
* :mod:`~egov_kit.pki.issue` — builders of CA and end-entity certificates (nuc-mock, fixtures)
* :mod:`~egov_kit.pki.keys` — :class:`KeyPair` as PEM files or PKCS#12
* :mod:`~egov_kit.pki.validation` — :class:`CertificateValidator` (chain, dates, OCSP, CRL)
* :mod:`~egov_kit.pki.trust` — the trusted CA certificates, fetched from nuc-mock and cached
* :mod:`~egov_kit.pki.enrol` — a key pair certified by nuc-mock and kept on disk (:func:`ensure_identity`);
  an information system's own certificate, obtained at start-up (:func:`ensure_system_identity`)
"""

from egov_kit.pki.enrol import (
    NucUnreachable,
    ensure_identity,
    ensure_system_identity,
    request_certificate,
    system_dir,
    system_subject,
)
from egov_kit.pki.errors import (
    CertificateError,
    CertificateExpired,
    CertificateNotYetValid,
    CertificateProfileError,
    CertificateRevoked,
    CertificateStatusUnknown,
    CertificateUntrusted,
    EnrolmentFailed,
    InvalidSubject,
    KeyStoreError,
    TrustStoreUnavailable,
)
from egov_kit.pki.issue import (
    SubjectSpec,
    build_issuing_ca,
    build_ocsp_responder,
    build_root_ca,
    issue_certificate,
    issue_key_pair,
    new_private_key,
)
from egov_kit.pki.keys import KeyPair
from egov_kit.pki.profile import CertificateIdentity, identity_from_certificate
from egov_kit.pki.trust import TrustStore, crl_cache_dir, fetch_trust, load_trust
from egov_kit.pki.validation import CertificateValidator, RevocationStatus, ValidatorStats

__all__ = [
    "CertificateError",
    "CertificateExpired",
    "CertificateIdentity",
    "CertificateNotYetValid",
    "CertificateProfileError",
    "CertificateRevoked",
    "CertificateStatusUnknown",
    "CertificateUntrusted",
    "CertificateValidator",
    "EnrolmentFailed",
    "InvalidSubject",
    "KeyPair",
    "KeyStoreError",
    "NucUnreachable",
    "RevocationStatus",
    "SubjectSpec",
    "TrustStore",
    "TrustStoreUnavailable",
    "ValidatorStats",
    "build_issuing_ca",
    "build_ocsp_responder",
    "build_root_ca",
    "crl_cache_dir",
    "ensure_identity",
    "ensure_system_identity",
    "fetch_trust",
    "identity_from_certificate",
    "issue_certificate",
    "issue_key_pair",
    "load_trust",
    "new_private_key",
    "request_certificate",
    "system_dir",
    "system_subject",
]
