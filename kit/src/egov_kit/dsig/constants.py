"""Namespaces and the algorithm allow-lists of :mod:`egov_kit.dsig`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import xmlsec

if TYPE_CHECKING:
    # The stubs name the transform type only privately; it is a NamedTuple(href, name, usage).
    from xmlsec.constants import __Transform as XmlsecTransform

# Namespaces
DS_NS: Final = "http://www.w3.org/2000/09/xmldsig#"
WSSE_NS: Final = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU_NS: Final = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
SOAP11_NS: Final = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_NS: Final = "http://www.w3.org/2003/05/soap-envelope"
SOAP_NAMESPACES: Final = frozenset({SOAP11_NS, SOAP12_NS})

# WS-Security X.509 token profile
X509V3_VALUE_TYPE: Final = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
)
BASE64_ENCODING_TYPE: Final = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)

# Canonicalization (c14n 1.0, exclusive and inclusive)
EXC_C14N: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
EXC_C14N_WITH_COMMENTS: Final = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
C14N: Final = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N_WITH_COMMENTS: Final = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"
ENVELOPED_SIGNATURE: Final = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

# Signature methods
RSA_SHA256: Final = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA384: Final = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
RSA_SHA512: Final = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
ECDSA_SHA256: Final = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
ECDSA_SHA384: Final = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"

# Digest methods
SHA256: Final = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA384: Final = "http://www.w3.org/2001/04/xmldsig-more#sha384"
SHA512: Final = "http://www.w3.org/2001/04/xmlenc#sha512"

C14N_TRANSFORMS: Final[dict[str, XmlsecTransform]] = {
    EXC_C14N: xmlsec.constants.TransformExclC14N,
    EXC_C14N_WITH_COMMENTS: xmlsec.constants.TransformExclC14NWithComments,
    C14N: xmlsec.constants.TransformInclC14N,
    C14N_WITH_COMMENTS: xmlsec.constants.TransformInclC14NWithComments,
}
RSA_SIGNATURE_METHODS: Final[dict[str, XmlsecTransform]] = {
    RSA_SHA256: xmlsec.constants.TransformRsaSha256,
    RSA_SHA384: xmlsec.constants.TransformRsaSha384,
    RSA_SHA512: xmlsec.constants.TransformRsaSha512,
}
EC_SIGNATURE_METHODS: Final[dict[str, XmlsecTransform]] = {
    ECDSA_SHA256: xmlsec.constants.TransformEcdsaSha256,
    ECDSA_SHA384: xmlsec.constants.TransformEcdsaSha384,
}
SIGNATURE_METHODS: Final[dict[str, XmlsecTransform]] = {**RSA_SIGNATURE_METHODS, **EC_SIGNATURE_METHODS}
DIGEST_METHODS: Final[dict[str, XmlsecTransform]] = {
    SHA256: xmlsec.constants.TransformSha256,
    SHA384: xmlsec.constants.TransformSha384,
    SHA512: xmlsec.constants.TransformSha512,
}
