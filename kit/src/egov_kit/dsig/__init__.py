"""XML-DSig for the landscape: the WS-Security transport signature and enveloped document signatures.

* :func:`sign_envelope` / :func:`verify_envelope` — ``soap:Header/wsse:Security/ds:Signature`` over
  the ``soap:Body``, shaped like the real ШЭП gateway's (which signs with GOST; we use RSA-SHA256 or
  ECDSA-SHA256/384 with SHA-256 digests).
* :func:`sign_document` / :func:`verify_document` — an enveloped signature over a whole business
  document, which survives being embedded in envelopes and re-serialised.

Only cryptography and structure are checked here; the returned certificates are for
:mod:`egov_kit.pki` to validate (chain, dates, OCSP/CRL, profile). Failures are named
:class:`SignatureError` subclasses (``SIGNATURE_MISSING``, ``SIGNATURE_INVALID``,
``SIGNATURE_WRAPPING``, ``UNSUPPORTED_SIGNATURE_ALGORITHM``).

Thread safety: every operation uses its own xmlsec context and a private copy of the tree; only the
converted keys are shared (cached, and copied for each context).
"""

from egov_kit.xml import ensure_same_libxml2

ensure_same_libxml2()

from egov_kit.dsig.constants import (  # noqa: E402
    ECDSA_SHA256,
    ECDSA_SHA384,
    EXC_C14N,
    RSA_SHA256,
    SHA256,
)
from egov_kit.dsig.document import VerifiedDocument, sign_document, verify_document  # noqa: E402
from egov_kit.dsig.envelope import VerifiedEnvelope, sign_envelope, verify_envelope  # noqa: E402
from egov_kit.dsig.errors import (  # noqa: E402
    SignatureError,
    SignatureInvalid,
    SignatureMissing,
    SignatureWrapping,
    UnsupportedSignatureAlgorithm,
)
from egov_kit.dsig.keys import (  # noqa: E402
    PrivateKey,
    clear_key_caches,
    private_xmlsec_key,
    public_xmlsec_key,
    signature_method_for,
)

__all__ = [
    "ECDSA_SHA256",
    "ECDSA_SHA384",
    "EXC_C14N",
    "RSA_SHA256",
    "SHA256",
    "PrivateKey",
    "SignatureError",
    "SignatureInvalid",
    "SignatureMissing",
    "SignatureWrapping",
    "UnsupportedSignatureAlgorithm",
    "VerifiedDocument",
    "VerifiedEnvelope",
    "clear_key_caches",
    "private_xmlsec_key",
    "public_xmlsec_key",
    "sign_document",
    "sign_envelope",
    "signature_method_for",
    "verify_document",
    "verify_envelope",
]
